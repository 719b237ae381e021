"""A tiny scripted grader for unit tests of the eval machinery (the real graders have their own tests)."""

import threading

from mockint.errors import GradingError
from mockint.grading.grader import Grader
from mockint.types.grade import Dimensions, DimensionScore, Grade, GraderInfo, GradingItem, Verdict


def make_grade(
    score: float,
    *,
    model: str = "scripted",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    fallback_reason: str | None = None,
) -> Grade:
    dim = DimensionScore(score=score, reason="scripted")
    return Grade(
        score=score,
        verdict=Verdict.partial,
        feedback="You said something.",
        model_answer="Reference.",
        dimensions=Dimensions(correctness=dim, completeness=dim, depth=dim, communication=dim),
        grader=GraderInfo(
            kind="llm" if prompt_tokens else "offline",
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            fallback_reason=fallback_reason,
        ),
    )


class ScriptedGrader(Grader):
    """Scores an answer by its length (capped at 5) unless scripted; answers containing FAIL raise."""

    def __init__(self, name: str = "scripted:v1", scores: dict[str, float] | None = None, **grade_kwargs) -> None:
        self.name = name
        self.scores = scores or {}
        self.grade_kwargs = grade_kwargs
        self.calls = 0
        self._lock = threading.Lock()

    def grade(self, item: GradingItem, answer: str, on_feedback=None) -> Grade:
        with self._lock:
            self.calls += 1
        if "FAIL" in answer:
            raise GradingError("scripted failure")
        score = self.scores.get(answer, min(5.0, len(answer.split()) / 10))
        return make_grade(score, **self.grade_kwargs)
