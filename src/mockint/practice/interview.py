"""One mock interview: pick questions, save every answer, grade it, ask the follow-up, summarise.

No UI here: the Streamlit app, the CLI and the eval share this flow. An answer is written to the
history *before* the grader sees it, so a grader failure or a closed tab loses nothing; a failed
grade marks the attempt failed and re-raises, it is never replaced by an invented score.
"""

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError

from mockint.errors import GradingError, MockintError
from mockint.grading.grader import FeedbackCallback, Grader
from mockint.history.database import AttemptRecord, History, SessionRecord
from mockint.history.review import ReviewScheduler
from mockint.practice.modes import MODE_LABELS, Mode, PracticeSetup, QuestionSource, available, pick_question
from mockint.speech.delivery import DeliveryInsights
from mockint.types.grade import Grade, GradingItem, Verdict
from mockint.types.question import Question

__all__ = [
    "MODE_LABELS",
    "EmptyAnswerError",
    "InterviewError",
    "InterviewSession",
    "Mode",
    "PracticeSetup",
    "SessionMovedError",
    "SessionSummary",
    "Stage",
    "stored_delivery",
]

log = logging.getLogger(__name__)

# A paste this long is not an interview answer; trimming here keeps storage and token counting sane.
MAX_ANSWER_CHARS = 20_000


class InterviewError(MockintError):
    """An interview action that does not fit the current stage (e.g. answering a finished session)."""


class EmptyAnswerError(InterviewError):
    """Nothing to grade."""


class SessionMovedError(InterviewError):
    """Another tab took a step in this session since this copy of it last did: this copy is out of date."""


# Why a stale tab's answer was kept but not graded: the attempt's error, which the export prints after "Not graded: ".
MOVED_ON = "the session had moved on in another tab when this answer was sent."
DISCARDED = "you discarded it when it was offered again after a reload."


class Stage(StrEnum):
    answering = "answering"  # the main question awaits an answer
    follow_up = "follow-up"  # the main answer is graded; the follow-up awaits an answer
    reviewed = "reviewed"  # the follow-up is graded or skipped; next question
    finished = "finished"


@dataclass
class Turn:
    """One question of the session and what happened to it."""

    question: Question
    stage: Stage = Stage.answering
    answer: str | None = None
    grade: Grade | None = None
    delivery: DeliveryInsights | None = None
    follow_up_answer: str | None = None
    follow_up_grade: Grade | None = None
    follow_up_delivery: DeliveryInsights | None = None
    skipped: bool = False
    follow_up_skipped: bool = False
    revealed: bool = False
    reviewed_in_fsrs: bool = False
    attempt_ids: list[int] = field(default_factory=list)
    grading: bool = False  # an answer to it is being graded now
    # An answer to what is asked now that was saved but never graded (the page was closed or reloaded while it
    # was graded, or grading failed), found when the session is resumed: offered again, not left in the history.
    ungraded: AttemptRecord | None = None


class QuestionResult(BaseModel):
    question_id: str
    question: str
    topic: str
    score: float | None
    follow_up_score: float | None
    skipped: bool
    revealed: bool


class SessionSummary(BaseModel):
    session_id: str
    asked: int  # every question shown, answered or not
    answered: int
    skipped: int
    unanswered: int  # shown, then the session ended before it was answered or skipped
    mean_score: float | None
    best: QuestionResult | None  # the best answer at least partly right; None when none was
    worst: QuestionResult | None
    results: list[QuestionResult]
    # What the latest answers missed, question by question. Not counted: within one session each question has
    # its own points, so "missed most" would rank ties of one; the Progress page counts across sessions.
    to_revisit: list[str]


def stored_delivery(attempt: AttemptRecord) -> DeliveryInsights | None:
    """The delivery insights saved with a spoken answer; None for a typed one, and for insights saved in a shape
    this version cannot read (the answer and its grade still show, as for any unreadable part of the history)."""
    if attempt.delivery is None:
        return None
    try:
        return DeliveryInsights.model_validate(attempt.delivery)
    except ValidationError as exc:
        log.warning("left out unreadable delivery insights of attempt %s: %s", attempt.id, exc)
        return None


def _default_follow_up_item(question: Question) -> GradingItem:
    from mockint.grading.follow_up import follow_up_item

    return follow_up_item(question)


class InterviewSession:
    """A practice session. Construct it, show `current_question()`, feed answers, repeat."""

    def __init__(
        self,
        setup: PracticeSetup,
        *,
        source: QuestionSource,
        grader: Grader | Callable[[], Grader],
        history: History,
        review: ReviewScheduler | None = None,
        follow_up_item: Callable[[Question], GradingItem] = _default_follow_up_item,
        rng: random.Random | None = None,
        resume: SessionRecord | None = None,
    ) -> None:
        """A new session, or with `resume` (a stored session, e.g. `History.open_session`) that one, where it
        stood (an ended one stays finished)."""
        if setup.mode is Mode.focus and not (setup.focus or "").strip():
            raise InterviewError(
                "Focus mode needs something to focus on.",
                hint="Describe it in the focus box, e.g. 'attention in transformers'.",
            )
        self.setup = setup
        self.source = source
        self._grader = grader
        self.history = history
        self.review = review or ReviewScheduler(history)
        self._follow_up_item = follow_up_item
        self.rng = rng or random.Random()
        self.turns: list[Turn] = []
        self.notices: list[str] = []  # what the candidate should know about this session, shown with it
        self._finished = False
        self._version = 0  # the session's steps this copy has seen (`History.claim`)
        # A Skip clicked while an answer is graded runs beside it, on this same copy, so the version claim lets
        # both through; this lock makes "is an answer being graded?" and the claim one step.
        self._step = threading.Lock()
        if resume is not None:
            self.session_id, self._version = resume.id, resume.version
            revealed = set(resume.revealed)
            self.turns = [
                turn
                for qid in resume.asked
                # Only the question asked last can still be retried: asking another one ended any retry.
                if (turn := self._restored_turn(qid, revealed, resume.retrying if qid == resume.asked[-1] else None))
                is not None
            ]
            self._finished = bool(self.turns) and resume.ended_at is not None
        if not self.turns:
            self.session_id, self._version = history.start_session(setup.mode.value, setup.filters()), 0
        self.planned = self._plan()
        if not self.turns:
            self._advance()

    @classmethod
    def setup_of(cls, record: SessionRecord) -> PracticeSetup:
        """The setup a stored session was started with."""
        known = {k: v for k, v in record.filters.items() if k in PracticeSetup.model_fields}
        return PracticeSetup(mode=Mode(record.mode), **known)

    def _restored_turn(self, question_id: str, revealed: set[str], retrying: int | None) -> Turn | None:
        """A question of the resumed session with its graded or skipped attempts, at the stage it was left in
        (`retrying`: the graded attempt the candidate pressed Retry on); None if the bank lost it."""
        try:
            question = self.source.get(question_id)
        except MockintError:
            question = None
        if question is None:
            return None
        turn = Turn(question=question, revealed=question_id in revealed)
        graded: dict[str, int] = {}  # kind -> its latest graded attempt
        settled = None  # the latest graded or skipped attempt: what was asked after it is asked now
        ungraded = None
        for attempt in self.history.attempts(session_id=self.session_id, question_id=question_id):
            turn.attempt_ids.append(attempt.id)
            if attempt.status in ("pending", "failed") and attempt.error not in (MOVED_ON, DISCARDED):
                ungraded = attempt
            main = attempt.kind == "main"
            if attempt.status == "skipped":
                if main:
                    turn.skipped = True
                else:
                    turn.follow_up_skipped = True
            elif attempt.status == "graded" and main:
                turn.answer, turn.grade, turn.reviewed_in_fsrs = attempt.answer, attempt.grade, True
                turn.delivery = stored_delivery(attempt)
            elif attempt.status == "graded":
                turn.follow_up_answer, turn.follow_up_grade = attempt.answer, attempt.grade
                turn.follow_up_delivery = stored_delivery(attempt)
            if attempt.status == "graded":
                graded[attempt.kind] = attempt.id
            if attempt.status in ("graded", "skipped"):
                settled, ungraded = attempt, None
        if retrying is not None and retrying == graded.get("main"):
            turn.stage = Stage.answering
        elif retrying is not None and retrying == graded.get("follow-up"):
            turn.stage = Stage.follow_up
        elif settled is not None:
            follow_up_next = settled.kind == "main" and settled.status == "graded"
            turn.stage = Stage.follow_up if follow_up_next else Stage.reviewed
        asked_kind = {Stage.answering: "main", Stage.follow_up: "follow-up"}.get(turn.stage)
        turn.ungraded = ungraded if ungraded is not None and ungraded.kind == asked_kind else None
        # Earlier versions saved a skipped retry as a skip beside the graded answer it left alone.
        turn.skipped = turn.skipped and turn.grade is None
        turn.follow_up_skipped = turn.follow_up_skipped and turn.follow_up_grade is None
        return turn

    def _plan(self) -> int:
        """How many questions this session will ask: the length asked for, or fewer when fewer can be asked
        (noted in `notices`, so the candidate is not surprised by an early end)."""
        length = self.setup.length
        more = available(self.setup, self.source, self.review, asked={t.question.id for t in self.turns})
        if more is None:  # the source cannot count: the picks will tell
            return length
        planned = min(length, len(self.turns) + more)
        if 0 < planned < length:
            one = planned == 1
            what = (
                "due for review"
                if self.setup.mode is Mode.due
                else f"that {'matches' if one else 'match'} your filters"
                if self.setup.topic or self.setup.difficulty or self.setup.type
                else "in the bank"
            )
            self.notices.append(
                f"There {'is' if one else 'are'} only {planned} question{'' if one else 's'} {what}, "
                f"so this session has {planned}, not {length}."
            )
        return planned

    @property
    def notice(self) -> str | None:
        """The notices as one text, or None."""
        return " ".join(self.notices) or None

    # -- what is being asked ---------------------------------------------------------------

    @property
    def turn(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def stage(self) -> Stage:
        return Stage.finished if self._finished or self.turn is None else self.turn.stage

    @property
    def finished(self) -> bool:
        return self.stage is Stage.finished

    def current_question(self) -> Question | None:
        return None if self.finished else self.turn.question

    @property
    def asked(self) -> int:
        return len(self.turns)

    # -- answering ---------------------------------------------------------------------------

    def submit_answer(
        self,
        text: str,
        *,
        transcript: str | None = None,
        recording_s: float | None = None,
        on_feedback: FeedbackCallback | None = None,
        delivery: DeliveryInsights | None = None,
    ) -> Grade:
        """Save, then grade the answer to the main question. Afterwards the follow-up is asked.

        `delivery` (speech insights of a spoken answer) is kept beside the grade, never mixed into it."""
        turn = self._require(Stage.answering, "answer the question")
        answer, notes = _clean(text)
        q = turn.question
        grade = self._grade(
            turn,
            GradingItem.from_question(q),
            "main",
            q.question,
            answer,
            notes,
            transcript,
            recording_s,
            delivery,
            on_feedback,
        )
        turn.answer, turn.grade, turn.delivery, turn.stage = answer, grade, delivery, Stage.follow_up
        turn.grading = False  # only now, or a Skip in between would find the main question still asked
        if not turn.reviewed_in_fsrs:
            # Only the first graded answer is a fair recall; a retry comes right after reading the feedback.
            from fsrs import Rating

            self.review.record(q.id, grade.score, rating=Rating.Again if turn.revealed else None)
            turn.reviewed_in_fsrs = True
        return grade

    def submit_follow_up(
        self,
        text: str,
        *,
        transcript: str | None = None,
        recording_s: float | None = None,
        on_feedback: FeedbackCallback | None = None,
        delivery: DeliveryInsights | None = None,
    ) -> Grade:
        """Save, then grade the answer to the follow-up question."""
        turn = self._require(Stage.follow_up, "answer the follow-up")
        answer, notes = _clean(text)
        q = turn.question
        grade = self._grade(
            turn,
            self._follow_up_item(q),
            "follow-up",
            q.follow_up,
            answer,
            notes,
            transcript,
            recording_s,
            delivery,
            on_feedback,
        )
        turn.follow_up_answer, turn.follow_up_grade, turn.stage = answer, grade, Stage.reviewed
        turn.grading = False
        turn.follow_up_delivery = delivery
        return grade

    def _grade(
        self,
        turn: Turn,
        item: GradingItem,
        kind: str,
        asked: str,
        answer: str,
        notes: list[str],
        transcript: str | None,
        recording_s: float | None,
        delivery: DeliveryInsights | None,
        on_feedback: FeedbackCallback | None,
    ) -> Grade:
        attempt_id = self.history.add_attempt(
            session_id=self.session_id,
            question_id=turn.question.id,
            question=asked,
            topic=turn.question.topic,
            kind=kind,
            answer=answer,
            transcript=transcript,
            recording_s=recording_s,
            delivery=delivery,
        )
        with self._step:
            try:
                self._claim()
            except SessionMovedError:
                self.history.mark_failed(attempt_id, MOVED_ON)  # kept, never taken for the latest answer
                raise
            turn.grading = True
        turn.attempt_ids.append(attempt_id)
        try:
            grade = self._graded(item, answer, attempt_id, on_feedback)
        except BaseException:  # a failure, or the app's run stopped: either way, no answer is being graded
            turn.grading = False
            raise
        if notes:
            grade = grade.model_copy(update={"notes": [*notes, *grade.notes]})
        self.history.mark_graded(attempt_id, grade)
        return grade

    def _graded(self, item: GradingItem, answer: str, attempt_id: int, on_feedback: FeedbackCallback | None) -> Grade:
        """The grader's grade; a failure marks the saved attempt failed and raises."""
        try:
            return self.grader.grade(item, answer, on_feedback=on_feedback)
        except MockintError as exc:
            self.history.mark_failed(attempt_id, str(exc))
            raise
        except Exception as exc:
            self.history.mark_failed(attempt_id, repr(exc))
            raise GradingError(
                f"The grader crashed ({type(exc).__name__}: {exc}). Your answer is saved.",
                hint="Press 'Grade this answer' again; if it keeps failing, set MOCKINT_GRADER=offline and restart the "
                "app.",
            ) from exc

    @property
    def grader(self) -> Grader:
        return self._grader if isinstance(self._grader, Grader) else self._grader()

    # -- moving on ---------------------------------------------------------------------------

    def skip(self) -> Question | None:
        """Skip what is asked now (the question or its follow-up) and move to the next question. Skipping a retry
        abandons only the retry: the graded answer it would have replaced stands."""
        if self.finished:
            raise InterviewError("The session is over.", hint="Start a new session.")
        with self._step:
            if self.turn.grading:
                # Skipped then, the question counted as answered and skipped, and its answer was hidden.
                raise InterviewError(
                    "Your answer is being graded, so it was not skipped.",
                    hint="Wait for its feedback; Skip then moves past the follow-up.",
                )
            self._claim()
        return self._skip()

    def _skip(self) -> Question | None:
        turn = self.turn
        graded = turn.grade if turn.stage is Stage.answering else turn.follow_up_grade
        if turn.stage in (Stage.answering, Stage.follow_up) and graded is None:
            kind = "main" if turn.stage is Stage.answering else "follow-up"
            asked = turn.question.question if kind == "main" else turn.question.follow_up
            turn.attempt_ids.append(
                self.history.add_attempt(
                    session_id=self.session_id,
                    question_id=turn.question.id,
                    question=asked,
                    topic=turn.question.topic,
                    kind=kind,
                    answer="",
                    status="skipped",
                )
            )
            if kind == "main":
                turn.skipped = True
            else:
                turn.follow_up_skipped = True
        turn.stage = Stage.reviewed
        return self._advance()

    def retry(self) -> Stage:
        """Answer the last graded stage again: the main question after its grade, or the follow-up after its."""
        turn = self.turn
        if self.stage is Stage.follow_up:
            again = Stage.answering
        elif self.stage is Stage.reviewed and turn.follow_up_grade is not None:
            again = Stage.follow_up
        elif self.stage is Stage.reviewed and turn.grade is not None:
            again = Stage.answering
        else:
            raise InterviewError("There is no graded answer to retry yet.", hint="Answer the question first.")
        # A stale tab's retry reopened a question the session had left, and the answer written there went ungraded.
        self._claim()
        kind = "main" if again is Stage.answering else "follow-up"
        retried = self.history.attempts(
            session_id=self.session_id, question_id=turn.question.id, kind=kind, status="graded"
        )[-1]
        turn.stage = again
        self.history.mark_retrying(self.session_id, retried.id)  # a reload must reopen the answer box
        return again

    def discard_ungraded(self) -> None:
        """Drop the answer offered again after a reload (`Turn.ungraded`): it stays in the history, marked not
        graded, and is not offered again."""
        turn = self.turn
        if turn is not None and turn.ungraded is not None:
            self.history.mark_failed(turn.ungraded.id, DISCARDED)
            turn.ungraded = None

    def reveal_answer(self) -> dict[str, Any]:
        """The reference for what is asked now. Revealing before answering counts as not knowing it."""
        if self.finished:
            raise InterviewError("The session is over.", hint="Start a new session.")
        turn, q = self.turn, self.turn.question
        if turn.stage is Stage.follow_up:
            return {
                "question": q.follow_up,
                "answer": q.follow_up_answer or q.explanation,
                "explanation": "",
                "key_points": [],
            }
        if turn.grade is None and not turn.revealed:
            self._claim()
            turn.revealed = True
            self.history.mark_revealed(self.session_id, q.id)  # a reload must still know it was seen
        return {
            "question": q.question,
            "answer": q.answer,
            "explanation": q.explanation,
            "key_points": list(q.key_points),
        }

    def next_question(self) -> Question | None:
        """Move on; an unanswered question or follow-up counts as skipped. None once the session is over."""
        if self.stage in (Stage.answering, Stage.follow_up):
            return self.skip()
        if not self._finished:
            self._claim()
        return self._advance()

    def end(self) -> None:
        """Stop early (the candidate has had enough); the summary covers what was asked."""
        if not self._finished:
            self._claim()
        self._finish()

    def _claim(self) -> None:
        """Claim the next step of the stored session, or raise SessionMovedError when another tab took one since
        this copy last did: acting on an out-of-date copy asked a second, different question in one session and
        answered a follow-up twice."""
        version = self.history.claim(self.session_id, self._version)
        if version is None:
            raise SessionMovedError(
                "This session moved on in another tab.", hint="Reload the page to see where it is now."
            )
        self._version = version

    def _advance(self) -> Question | None:
        if self._finished:
            return None
        # At most `planned`; the first pick is tried even when none can be asked, for its notice (e.g. when the
        # next review falls due).
        question = self._pick() if self.asked < max(self.planned, 1) else None
        if question is None:
            self._finish()
            return None
        self.turns.append(Turn(question=question))
        self.history.set_asked(self.session_id, [t.question.id for t in self.turns])
        return question

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self.history.end_session(self.session_id)

    def _require(self, stage: Stage, action: str) -> Turn:
        if self.finished:
            raise InterviewError(f"Cannot {action}: the session is over.", hint="Start a new session.")
        if self.stage is not stage:
            raise InterviewError(f"Cannot {action} now: {_WHY_NOT[self.stage]}", hint=_WHAT_NOW[self.stage])
        return self.turn

    def _pick(self) -> Question | None:
        pick = pick_question(
            self.setup, self.source, self.history, self.review, asked={t.question.id for t in self.turns}, rng=self.rng
        )
        if not self.turns and pick.notice:
            self.notices.insert(0, pick.notice)
        return pick.question

    # -- the end -----------------------------------------------------------------------------

    def summary(self) -> SessionSummary:
        results = [
            QuestionResult(
                question_id=t.question.id,
                question=t.question.question,
                topic=t.question.topic,
                score=t.grade.score if t.grade else None,
                follow_up_score=t.follow_up_grade.score if t.follow_up_grade else None,
                skipped=t.skipped,
                revealed=t.revealed,
            )
            for t in self.turns
        ]
        scored = [r for r in results if r.score is not None]
        # "Best" named a 1.0/5 answer graded incorrect: the least wrong answer is no one's best.
        passed = [
            r for r, t in zip(results, self.turns, strict=True) if t.grade is not None and t.grade.verdict in _PASSED
        ]
        return SessionSummary(
            session_id=self.session_id,
            asked=len(results),
            answered=len(scored),
            skipped=sum(r.skipped for r in results),
            unanswered=sum(r.score is None and not r.skipped for r in results),
            mean_score=sum(r.score for r in scored) / len(scored) if scored else None,
            best=max(passed, key=lambda r: r.score, default=None),
            worst=min(scored, key=lambda r: r.score, default=None),
            results=results,
            to_revisit=list(dict.fromkeys(k.point for t in self.turns if t.grade for k in t.grade.missed)),
        )


_PASSED = {Verdict.excellent, Verdict.good, Verdict.partial}

# Why an answer cannot be taken at a stage, and what to do instead, in the words of the buttons on screen.
_WHY_NOT = {
    Stage.answering: "the question itself is not answered yet.",
    Stage.follow_up: "your answer to the question is graded and the follow-up is waiting.",
    Stage.reviewed: "this question and its follow-up are done.",
}
_WHAT_NOW = {
    Stage.answering: "Answer the question first, or press Skip.",
    Stage.follow_up: "Answer the follow-up, or press 'Retry the question' to answer the question again.",
    Stage.reviewed: "Press 'Next question' (or 'Finish') to go on, or 'Retry follow-up'.",
}


def _clean(text: str) -> tuple[str, list[str]]:
    answer = (text or "").strip()
    if not answer:
        raise EmptyAnswerError(
            "There is no answer to grade yet.", hint="Type or record your answer first, or press Skip."
        )
    if len(answer) > MAX_ANSWER_CHARS:
        return answer[:MAX_ANSWER_CHARS], [
            f"Your answer was {len(answer):,} characters; only the first {MAX_ANSWER_CHARS:,} were kept."
        ]
    return answer, []
