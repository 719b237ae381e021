"""The grader interface: what every grader (offline, LLM, cached, with a fallback) offers its callers."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from mockint.types.grade import Grade, GradingItem

FeedbackCallback = Callable[[str], None]


class Grader(ABC):
    """Grades an answer against a GradingItem; raises GradingError / LLMError when it cannot.

    `name` names the grader and the version of what decides its scores; grade caches and history rows
    key on it. `streams_feedback`: `grade` calls `on_feedback` with the feedback text as it is written
    (an LLM streaming its reply); other graders ignore the callback. `batches`: `grade_many` shares work
    across answers (model passes), so callers should hand it many answers at once.
    """

    name: str
    streams_feedback: bool = False
    batches: bool = False

    @abstractmethod
    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade: ...

    def grade_traced(self, item: GradingItem, answer: str) -> tuple[Grade, bool]:
        """The grade and whether it came from a cache of earlier grades (none by default)."""
        return self.grade(item, answer), False

    def grade_many(self, items: Sequence[GradingItem], answers: Sequence[str]) -> list[Grade | Exception]:
        """One grade per answer, or the exception that answer raised, in order. This default grades one
        answer at a time; a grader that `batches` overrides it."""
        results: list[Grade | Exception] = []
        for item, answer in zip(items, answers, strict=True):
            try:
                results.append(self.grade(item, answer))
            except Exception as exc:  # one failing answer must not lose the others' grades
                results.append(exc)
        return results
