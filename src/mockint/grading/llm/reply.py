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
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}


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
    """The reply is not valid JSON or not the expected object; the message is sent back to the model."""


def parse_reply(text: str) -> GradeReply:
    try:
        data = json.loads(_json_object_text(text))
    except json.JSONDecodeError as exc:
        raise ReplyError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise ReplyError("the reply must be one JSON object")
    try:
        return GradeReply.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}" for err in exc.errors()[:4]
        )
        raise ReplyError(f"the JSON does not match the required shape ({problems})") from None


def _json_object_text(text: str) -> str:
    """Models sometimes wrap JSON in a code fence or a sentence; take the outermost object."""
    stripped = _FENCE.sub("", text.strip())
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped


def partial_string_field(text: str, key: str) -> str | None:
    """The value of a top-level string field in a JSON object still being streamed, so far."""
    match = re.search(rf'"{re.escape(key)}"\s*:\s*"', text)
    if match is None:
        return None
    out: list[str] = []
    i = match.end()
    while i < len(text):
        char = text[i]
        if char == '"':
            break
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(text):
            break
        code = text[i + 1]
        if code == "u":
            point, used = _unicode_escape(text, i)
            if used == 0:
                break
            out.append(chr(point))
            i += used
            continue
        out.append(_ESCAPES.get(code, code))
        i += 2
    return "".join(out)


def _unicode_escape(text: str, i: int) -> tuple[int, int]:
    """The code point of the \\uXXXX escape at `i` (joining a surrogate pair) and the characters it
    spans; (0, 0) while the escape is still incomplete."""
    digits = text[i + 2 : i + 6]
    if len(digits) < 4:
        return 0, 0
    if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
        return 0xFFFD, 6
    point = int(digits, 16)
    if not 0xD800 <= point < 0xDC00:
        return (0xFFFD, 6) if 0xDC00 <= point < 0xE000 else (point, 6)
    low = text[i + 6 : i + 12]
    if len(low) < 6:
        return 0, 0
    if re.fullmatch(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}", low):
        return 0x10000 + ((point - 0xD800) << 10) + (int(low[2:], 16) - 0xDC00), 12
    return 0xFFFD, 6


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
