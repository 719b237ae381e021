"""What the answer to a follow-up question is graded against.

The bank's `follow_up_answer` when it has one. Otherwise reference material retrieved from the
question store for the follow-up question (the answers of the closest other questions that are
similar enough), together
with the original question's explanation; without a store, the explanation alone. The rubric is
then derived from that text by the grader, so the same evidence rule applies.
"""

from typing import Protocol

from mockint.types.grade import GradingItem
from mockint.types.question import Question

RETRIEVED_QUESTIONS = 3
# Cosine similarity below which a retrieved question is about something else (all-MiniLM-L6-v2 scale).
MIN_SIMILARITY = 0.3


class _Hit(Protocol):
    question: Question
    score: float


class QuestionSearch(Protocol):
    """What follow-up grading needs from the store (`store.QuestionStore` provides it)."""

    def search(self, query: str, *, k: int) -> list[_Hit]: ...


def follow_up_item(question: Question, store: QuestionSearch | None = None) -> GradingItem:
    if question.follow_up_answer:
        reference, explanation = question.follow_up_answer, question.explanation
    else:
        retrieved = []
        if store is not None:
            hits = store.search(question.follow_up, k=RETRIEVED_QUESTIONS)
            retrieved = [h.question.answer for h in hits if h.question.id != question.id and h.score >= MIN_SIMILARITY]
        if retrieved:
            reference, explanation = "\n\n".join(retrieved), question.explanation
        else:
            reference, explanation = question.explanation, ""
    return GradingItem(
        question_id=f"{question.id}#follow-up",
        question=question.follow_up,
        reference_answer=reference,
        explanation=explanation,
        key_points=[],
        follow_up=None,
        topic=question.topic,
    )
