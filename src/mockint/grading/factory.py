"""Choosing a grader, and falling back to the offline one when the LLM fails.

`build_grader` picks offline or LLM per `settings.active_grader` (MOCKINT_GRADER, or "auto": LLM
when one is configured). With MOCKINT_FALLBACK_OFFLINE (default on) the LLM grader is wrapped in
a FallbackGrader: when the LLM cannot be reached or answers nonsense, the answer is graded by the
offline grader and the grade says so in `grader.fallback_reason`. A grade is never invented: if
no grader can grade, the error is raised.
"""

import logging
from collections.abc import Callable, Sequence

from mockint.config import Settings, get_settings, strip_credentials
from mockint.errors import ConfigError, GradingError, LLMError, LLMResponseError, LLMTimeoutError, LLMUnavailableError
from mockint.grading.grader import FeedbackCallback, Grader
from mockint.grading.guard import guard_grade
from mockint.types.grade import Grade, GradingItem

log = logging.getLogger(__name__)

GRADER_KINDS = ("offline", "llm")


class GuardedGrader(Grader):
    """A grader whose every grade goes through `guard_grade`: the same deterministic caps (instructions to
    the grader, keyword stuffing, a restated question, no answer) whoever graded."""

    def __init__(self, inner: Grader) -> None:
        self.inner = inner
        self.name = inner.name
        self.streams_feedback = inner.streams_feedback
        self.batches = inner.batches

    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade:
        return guard_grade(item, answer, self.inner.grade(item, answer, on_feedback=on_feedback))

    def grade_many(self, items: Sequence[GradingItem], answers: Sequence[str]) -> list[Grade | Exception]:
        results = self.inner.grade_many(items, answers)
        return [
            r if isinstance(r, Exception) else guard_grade(item, answer, r)
            for item, answer, r in zip(items, answers, results, strict=True)
        ]


class FallbackGrader(Grader):
    """Grades with `primary`; on an LLM failure, with `fallback` (a grader, or a factory for one so an
    offline model is loaded only when needed). `name` is the primary's: a fallback grade is marked
    by `grade.grader.fallback_reason`, which is what caches should check."""

    def __init__(self, primary: Grader, fallback: Grader | Callable[[], Grader]) -> None:
        self.primary = primary
        self._fallback = fallback
        self.name = primary.name
        self.streams_feedback = primary.streams_feedback

    @property
    def fallback(self) -> Grader:
        if not isinstance(self._fallback, Grader):
            self._fallback = self._fallback()
        return self._fallback

    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade:
        try:
            grade = self.primary.grade(item, answer, on_feedback=on_feedback)
            return guard_grade(item, answer, grade)
        except (LLMError, GradingError) as exc:
            reason = fallback_reason(exc)
            # Info, not warning: the grade itself carries the reason and every face shows it.
            log.info("grader %s failed (%s); using the offline grader", self.primary.name, exc)
            failure = exc
        try:
            grade = self.fallback.grade(item, answer)
        except Exception as exc:
            raise GradingError(
                f"No grader could grade this answer: the LLM failed ({failure.problem}) and the offline grader "
                f"failed too ({exc}).",
                hint="Fix the LLM settings (see the first error) or run `mockint grade --grader offline -v`.",
            ) from exc
        grade = guard_grade(item, answer, grade)
        if on_feedback is not None:
            on_feedback(grade.feedback)
        return grade.model_copy(update={"grader": grade.grader.model_copy(update={"fallback_reason": reason})})


def fallback_reason(exc: Exception) -> str:
    """A plain sentence for the UI: why this grade came from the offline grader."""
    if isinstance(exc, LLMResponseError):
        what = "the LLM did not return a usable grade"
    elif isinstance(exc, LLMTimeoutError):
        what = "the LLM did not answer in time"
    elif isinstance(exc, LLMUnavailableError):
        what = "the LLM could not be reached"
    elif isinstance(exc, LLMError):
        what = "the LLM settings do not work"  # a bad URL, key or model: a retry cannot fix it
    else:
        what = "the LLM grader could not grade this answer"
    # The whole message, hint included: a fallback grade is where the user learns the LLM failed, so it is
    # also where they learn what to do about it (is the server running, a rate limit, a slow model).
    detail = str(exc).removesuffix(".")
    return strip_credentials(f"Graded offline because {what} ({detail}).")


def build_grader(
    settings: Settings | None = None,
    *,
    kind: str | None = None,
    llm_client: object | None = None,
    embedder: object | None = None,
    offline_switch: str | None = None,
) -> Grader:
    """The grader to use: `kind` (offline|llm) or, by default, `settings.active_grader`. `offline_switch` is how
    the user picks the offline grader where they are (e.g. "use --grader offline"), for the LLM errors' hints;
    by default, MOCKINT_GRADER."""
    settings = settings or get_settings()
    kind = kind or settings.active_grader
    if kind not in GRADER_KINDS:
        raise ConfigError(f"Unknown grader '{kind}'.", hint=f"Choose one of: {', '.join(GRADER_KINDS)}.")
    if kind == "offline":
        return _offline(embedder)
    from mockint.doors.llm import OFFLINE_BY_SETTING, LLMClient
    from mockint.grading.llm.grader import LLMGrader

    offline_switch = offline_switch or OFFLINE_BY_SETTING
    if llm_client is None and not settings.llm_configured:
        raise ConfigError(
            "The LLM grader needs an endpoint, and none is configured.",
            hint="Set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama), "
            f"or {offline_switch}.",
        )
    try:
        client = llm_client or LLMClient.from_settings(settings, offline_switch=offline_switch)
        llm: Grader = LLMGrader(client, settings=settings)
    except LLMError as exc:
        # A setting no request can fix (a mistyped base URL): with fallback on, every answer is still graded,
        # offline, and every grade says why; with it off, the one-line error is the answer.
        if not settings.fallback_to_offline:
            raise
        llm = MisconfiguredLLM(f"llm:{settings.model}", exc)
    if not settings.fallback_to_offline:
        return llm
    return FallbackGrader(llm, lambda: _offline(embedder))


class MisconfiguredLLM(Grader):
    """The LLM grader when its settings cannot make a client: every grade raises why, so the
    FallbackGrader grades offline and labels each grade with the reason."""

    def __init__(self, name: str, error: LLMError) -> None:
        self.name = name
        self.error = error

    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade:
        raise self.error


def _offline(embedder: object | None) -> Grader:
    # Imported here: the offline grader pulls in the embedding stack, which LLM-only runs never need.
    from mockint.grading.offline.grader import OfflineGrader

    return GuardedGrader(OfflineGrader(embedder=embedder))
