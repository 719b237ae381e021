"""The JSON reply the grading prompt asks for: its pydantic model, its strict JSON schema, and the
parsing of a complete or still-streaming reply.

The model is lenient where models are sloppy (status spelling, numeric strings) and strict where
it matters: scores outside 0-5 are clamped, non-finite numbers rejected. Nothing here is trusted
as a grade; `llm_grader` checks every claim against the answer.
"""

import json
import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import from_json

from mockint.grading.evidence import has_content
from mockint.types.grade import SCORE_MAX, Coverage

_STATUS_ALIASES = {
    "covered": Coverage.covered,
    "yes": Coverage.covered,
    "full": Coverage.covered,
    "fully": Coverage.covered,
    "partly": Coverage.partly,
    "partial": Coverage.partly,
    "partially": Coverage.partly,
    "missed": Coverage.missed,
    "missing": Coverage.missed,
    "no": Coverage.missed,
    "not covered": Coverage.missed,
    "absent": Coverage.missed,
    "wrong": Coverage.missed,
    "incorrect": Coverage.missed,
}
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


class _ReplyPart(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ReplyPoint(_ReplyPart):
    n: int
    status: Coverage
    quotes: list[str] = Field(default_factory=list)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _STATUS_ALIASES.get(value.strip().lower(), value)
        return value

    @field_validator("quotes", mode="before")
    @classmethod
    def _quotes(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return [] if value is None else value


class ReplyMisconception(_ReplyPart):
    claim: str
    quote: str = ""


class ReplyDimension(_ReplyPart):
    score: float
    reason: str = ""

    @field_validator("score", mode="before")
    @classmethod
    def _clamp(cls, value: Any) -> float:
        score = float(value)
        if not math.isfinite(score):
            raise ValueError("score must be a finite number")
        return min(SCORE_MAX, max(0.0, score))


class ReplyDimensions(_ReplyPart):
    correctness: ReplyDimension
    completeness: ReplyDimension
    depth: ReplyDimension
    communication: ReplyDimension


class GradeReply(_ReplyPart):
    on_topic: bool = True
    key_points: list[ReplyPoint]
    misconceptions: list[ReplyMisconception] = Field(default_factory=list)
    feedback: str = Field(min_length=1)
    model_answer: str = ""
    dimensions: ReplyDimensions
    follow_up: str = ""


class ReplyError(ValueError):
    """The reply is not valid JSON, not the expected object or not a grade of this rubric; the message is sent
    back to the model."""


def parse_reply(text: str, points: int) -> GradeReply:
    """The reply to a rubric of `points` key points, or ReplyError saying what is wrong."""
    try:
        data = json.loads(_json_object_text(text))
    except json.JSONDecodeError as exc:
        # json's messages end in "at" ("Invalid control character at") before the position it appends.
        raise ReplyError(f"not valid JSON ({exc.msg.removesuffix(' at')} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise ReplyError("the reply must be one JSON object")
    try:
        reply = GradeReply.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}" for err in exc.errors()[:4]
        )
        raise ReplyError(f"the JSON does not match the required shape ({problems})") from None
    if problems := reply_problems(reply, points):
        raise ReplyError("; ".join(problems))
    return reply


def reply_problems(reply: GradeReply, points: int) -> list[str]:
    """Why a well-formed reply is still not a grade: a weak model copies the prompt's shape or judges only the
    first point, and such a reply scored as it stands would be a confident grade of nothing."""
    problems = []
    judged = {claim.n for claim in reply.key_points}
    if missing := [n for n in range(1, points + 1) if n not in judged]:
        problems.append(
            f"key_points must judge each of the {points} rubric points by its number (n = 1 to {points}); "
            f"not judged: {', '.join(map(str, missing))}"
        )
    if not has_content(reply.feedback):
        problems.append("feedback is a placeholder: write 2-4 sentences to the candidate about this answer")
    if not any(has_content(getattr(reply.dimensions, name).reason) for name in ReplyDimensions.model_fields):
        problems.append("every dimension reason is a placeholder: give each one sentence about this answer")
    return problems


def _json_object_text(text: str) -> str:
    """Models sometimes wrap JSON in a code fence or a sentence; take the outermost object."""
    stripped = _FENCE.sub("", text.strip())
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped


def partial_string_field(text: str, key: str) -> str | None:
    """The value so far of a top-level string field in a JSON object still being streamed (one parse,
    linear in `text`; a partial escape at the end is left out until it completes)."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        data = from_json(text[start:], allow_partial="trailing-strings")
    except ValueError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


# Re-parse a streaming reply only once it has grown by an eighth (and by at least this many characters, a
# few words): the parses then add up to about nine times the reply's length, so a 1 MB reply costs
# milliseconds instead of one parse per delta (quadratic), and short feedback still updates word by word.
_MIN_REPARSE_CHARS = 24


class StreamedField:
    """Follows one string field of a JSON reply as it streams: `feed` each delta; it returns the field's
    text when it has changed since last returned, else None. `finish()` parses whatever is left."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.value: str | None = None
        self._parts: list[str] = []
        self._length = 0
        self._parsed_at = 0

    def feed(self, delta: str) -> str | None:
        self._parts.append(delta)
        self._length += len(delta)
        if self._length - self._parsed_at < max(_MIN_REPARSE_CHARS, self._parsed_at // 8):
            return None
        return self.finish()

    def finish(self) -> str | None:
        text = "".join(self._parts)
        self._parts = [text]
        self._parsed_at = len(text)
        value = partial_string_field(text, self.key)
        if value is None or value == self.value:
            return None
        self.value = value
        return value


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the form OpenAI strict structured output accepts: every property
    required, no additional properties, no defaults or length limits."""
    return _strict(model.model_json_schema())


# Keywords strict mode refuses or that only matter to pydantic; the validator enforces them anyway.
_NOT_STRICT = ("default", "title", "minLength", "maxLength")


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items() if key not in _NOT_STRICT}
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


GRADE_REPLY_SCHEMA = strict_json_schema(GradeReply)
