"""The typed result every grader returns, and what a grader grades against."""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from mockint.types.question import Question

SCORE_MAX = 5.0


class Verdict(StrEnum):
    excellent = "excellent"
    good = "good"
    partial = "partial"
    incorrect = "incorrect"
    off_topic = "off-topic"
    no_answer = "no answer"


class Coverage(StrEnum):
    covered = "covered"
    partly = "partly"
    missed = "missed"


class GradingItem(BaseModel):
    """What an answer is graded against. Labelled data from elsewhere may have no key points."""

    question_id: str | None = None
    question: str
    reference_answer: str
    explanation: str = ""
    key_points: list[str] = Field(default_factory=list)
    follow_up: str | None = None
    topic: str | None = None

    @classmethod
    def from_question(cls, q: Question) -> "GradingItem":
        return cls(
            question_id=q.id,
            question=q.question,
            reference_answer=q.answer,
            explanation=q.explanation,
            key_points=list(q.key_points),
            follow_up=q.follow_up,
            topic=q.topic,
        )

    @property
    def reference_text(self) -> str:
        return "\n".join(p for p in (self.reference_answer, self.explanation) if p)


class DimensionScore(BaseModel):
    score: float = Field(ge=0, le=SCORE_MAX)
    reason: str


class Dimensions(BaseModel):
    correctness: DimensionScore
    completeness: DimensionScore
    depth: DimensionScore
    communication: DimensionScore


class KeyPointResult(BaseModel):
    """One rubric point, judged. `evidence` is words of the answer; `span` their offsets in it."""

    point: str
    status: Coverage
    evidence: str | None = None
    span: tuple[int, int] | None = None


class GraderInfo(BaseModel):
    kind: Literal["offline", "llm"]
    model: str
    version: str | None = Field(
        default=None, description="Hash of what decides the grader's scores (rule code, calibration, prompt, model)."
    )
    prompt_version: str | None = None
    endpoint: str | None = Field(default=None, description="An LLM grader's server, without credentials.")
    output_mode: str | None = Field(
        default=None, description="How an LLM was asked for JSON: json_schema, json_object or plain."
    )
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    fallback_reason: str | None = Field(
        default=None, description="Set when this grade replaced a grader that failed, and why."
    )

    @property
    def latency_text(self) -> str:
        """How long grading took, as a reader wants it: an offline grade takes milliseconds ("0.0 s" read as
        if nothing had run), an LLM grade seconds."""
        if round(self.latency_ms) < 1000:
            return f"{self.latency_ms:.0f} ms"
        return f"{self.latency_ms / 1000:.1f} s"


class Grade(BaseModel):
    score: float = Field(ge=0, le=SCORE_MAX, description="Overall 0-5.")
    verdict: Verdict
    dimensions: Dimensions
    key_points: list[KeyPointResult] = Field(default_factory=list)
    misconceptions: list[str] = Field(default_factory=list)
    feedback: str
    model_answer: str
    follow_up: str | None = None
    grader: GraderInfo
    notes: list[str] = Field(default_factory=list, description="E.g. that a long answer was trimmed.")

    @property
    def covered(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.status is not Coverage.missed]

    @property
    def missed(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.status is Coverage.missed]
