"""The question-bank schema: one typed Question per bank entry, and the filter a session picks questions by."""

import hashlib
import json
import re
from collections.abc import Collection, Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class QuestionType(StrEnum):
    conceptual = "conceptual"
    scenario = "scenario"
    coding = "coding"
    system_design = "system-design"
    behavioral = "behavioral"


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


class Frequency(StrEnum):
    """How often the question comes up in real interviews."""

    rare = "rare"
    occasional = "occasional"
    common = "common"
    very_common = "very-common"


def slugify(text: str, max_words: int = 10) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:max_words]) or "question"


class Question(BaseModel):
    """One interview question with its reference material and rubric (key points)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Stable slug, unique across the bank.")
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1, description="What a strong candidate says first.")
    explanation: str = Field(min_length=1, description="The reasoning an interviewer wants to hear.")
    follow_up: str = Field(min_length=1)
    follow_up_answer: str | None = None
    key_points: list[str] = Field(default_factory=list, description="Atomic points of a full answer.")
    topic: str = Field(description="Topic area slug, e.g. deep-learning.")
    subtopic: str | None = None
    type: QuestionType
    difficulty: Difficulty
    frequency: Frequency = Frequency.common
    tags: list[str] = Field(default_factory=list)
    source: str = "mockint"

    @field_validator("id", "topic")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"'{value}' is not a slug (lowercase letters, digits and single hyphens)")
        return value

    @field_validator("question", "answer", "explanation", "follow_up")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("follow_up_answer")
    @classmethod
    def _blank_optional(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("key_points", "tags")
    @classmethod
    def _no_blank_items(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("must not contain empty items")
        return [item.strip() for item in value]

    def content_hash(self) -> str:
        """Hash of everything that affects embedding and metadata, for incremental sync."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    def embedding_text(self) -> str:
        """What is embedded for search: the question, its answer and its rubric."""
        parts = [self.question, self.answer, *self.key_points]
        return "\n".join(parts)


class QuestionFilter(BaseModel):
    """Which questions a practice session draws from: by topic, difficulty and type. A field left empty
    (None or "") does not filter."""

    topic: str | None = None
    difficulty: str | None = None
    type: str | None = None

    def matches(self, question: Question) -> bool:
        return (
            (not self.topic or question.topic == self.topic)
            and (not self.difficulty or question.difficulty == self.difficulty)
            and (not self.type or question.type == self.type)
        )

    def pool(self, questions: Iterable[Question], exclude_ids: Collection[str] = ()) -> list[Question]:
        """The questions that pass, without those in `exclude_ids`."""
        return [q for q in questions if q.id not in exclude_ids and self.matches(q)]
