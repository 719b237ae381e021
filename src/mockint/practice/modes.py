"""Practice modes: which question the coach asks next.

Filters (topic / difficulty / type), a free-text focus found by meaning, weak spots from the
history (questions and topics with low latest scores), or the questions spaced repetition says
are due. Pure choice over a question source and the history; no grading, no UI.
"""

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from mockint.errors import MockintError
from mockint.history.database import History, utc_now
from mockint.history.progress import weak_questions, weakest_topics
from mockint.history.review import ReviewScheduler
from mockint.types.question import Question, QuestionFilter


class Mode(StrEnum):
    filters = "filters"
    focus = "focus"
    weak_spots = "weak-spots"
    due = "due"


MODE_LABELS = {
    Mode.filters: "Browse by topic / difficulty / type",
    Mode.focus: "Focus on something (describe it)",
    Mode.weak_spots: "Weak spots (from my history)",
    Mode.due: "Due for review (spaced repetition)",
}


class PracticeSetup(BaseModel):
    mode: Mode = Mode.filters
    topic: str | None = None
    difficulty: str | None = None
    type: str | None = None
    focus: str | None = None
    length: int = Field(default=5, ge=1, le=50)

    def question_filter(self) -> QuestionFilter:
        return QuestionFilter(topic=self.topic, difficulty=self.difficulty, type=self.type)

    def filters(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "difficulty": self.difficulty,
            "type": self.type,
            "focus": self.focus,
            "length": self.length,
        }


class QuestionSource(Protocol):
    """What the session needs from the store (QuestionStore, or a bank-backed stand-in)."""

    def get(self, question_id: str) -> Question | None: ...

    def sample_next(
        self,
        *,
        exclude_ids: set[str],
        topic: str | None,
        difficulty: str | None,
        type: str | None,
        focus: str | None,
        rng: random.Random,
    ) -> Question | None: ...


@dataclass(frozen=True)
class Pick:
    question: Question | None
    notice: str | None = None  # what the candidate should know about this choice


def pick_question(
    setup: PracticeSetup,
    source: QuestionSource,
    history: History,
    review: ReviewScheduler,
    *,
    asked: set[str],
    rng: random.Random,
) -> Pick:
    """The next question for `setup`, never one already `asked` in this session."""

    def sample(topic: str | None = None, focus: str | None = None) -> Question | None:
        return source.sample_next(
            exclude_ids=asked,
            topic=topic or setup.topic,
            difficulty=setup.difficulty,
            type=setup.type,
            focus=focus,
            rng=rng,
        )

    def first_known(ids: list[str]) -> Question | None:
        for qid in ids:
            q = _lookup(source, qid) if qid not in asked else None
            if q is not None and setup.question_filter().matches(q):
                return q
        return None

    if setup.mode is Mode.focus:
        return Pick(sample(focus=setup.focus))
    if setup.mode is Mode.due:
        question = first_known(review.due_questions(utc_now()))
        if question is not None:
            return Pick(question)
        nxt = review.next_due()
        when = f" The next one is due {nxt:%Y-%m-%d %H:%M} UTC." if nxt else ""
        return Pick(None, f"Nothing is due for review right now.{when} Pick another mode to practise.")
    if setup.mode is Mode.weak_spots:
        question = first_known([w.question_id for w in weak_questions(history)])
        for topic in weakest_topics(history):
            if question is not None:
                break
            if not setup.topic or topic.topic == setup.topic:
                question = sample(topic=topic.topic)
        if question is not None:
            return Pick(question)
        return Pick(sample(), "No weak spots yet: these questions come from the whole bank. Keep practising!")
    return Pick(sample())


def _lookup(source: QuestionSource, question_id: str) -> Question | None:
    # A question retired from the bank may still have history; it is simply not asked again.
    try:
        return source.get(question_id)
    except MockintError:
        return None
