import random
import sqlite3
from datetime import timedelta

import pytest

import mockint.practice.modes as practice_modes
from mockint.doors.bank_files import load_bank
from mockint.errors import GradingError, LLMUnavailableError
from mockint.grading.grader import Grader
from mockint.history.database import History, utc_now
from mockint.history.progress import session_rows
from mockint.history.review import ReviewScheduler
from mockint.practice.interview import (
    MAX_ANSWER_CHARS,
    EmptyAnswerError,
    InterviewError,
    InterviewSession,
    Mode,
    PracticeSetup,
    SessionMovedError,
    Stage,
)
from mockint.speech.delivery import delivery_insights
from mockint.types.grade import (
    Coverage,
    Dimensions,
    DimensionScore,
    Grade,
    GraderInfo,
    GradingItem,
    KeyPointResult,
    Verdict,
)
from mockint.types.question import QuestionFilter


class BankSource:
    """The store's no-focus sampling, over the real bank (a stand-in for one unit of the flow)."""

    def __init__(self):
        self.bank = load_bank()

    def get(self, question_id):
        return self.bank.get(question_id)

    def sample_next(self, *, exclude_ids, topic, difficulty, type, focus, rng):
        pool = QuestionFilter(topic=topic, difficulty=difficulty, type=type).pool(self.bank.questions, exclude_ids)
        return rng.choice(pool) if pool else None

    def count(self, *, exclude_ids, topic, difficulty, type):
        return len(QuestionFilter(topic=topic, difficulty=difficulty, type=type).pool(self.bank.questions, exclude_ids))


class LengthGrader(Grader):
    """Scores by answer length, so tests control the score; records what it was asked."""

    name = "length"

    def __init__(self, fail: Exception | None = None):
        self.fail = fail
        self.calls: list[tuple[GradingItem, str]] = []

    def grade(self, item: GradingItem, answer: str, on_feedback=None) -> Grade:
        self.calls.append((item, answer))
        if self.fail:
            raise self.fail
        score = min(5.0, len(answer.split()) / 2)
        dim = DimensionScore(score=score, reason="length")
        points = [KeyPointResult(point=p, status=Coverage.missed) for p in item.key_points]
        return Grade(
            score=score,
            verdict=Verdict.partial,
            feedback="You said something.",
            model_answer="ref",
            dimensions=Dimensions(correctness=dim, completeness=dim, depth=dim, communication=dim),
            key_points=points,
            grader=GraderInfo(kind="offline", model="length"),
        )


def follow_up_item(q):
    return GradingItem(question_id=q.id, question=q.follow_up, reference_answer=q.follow_up_answer or q.explanation)


@pytest.fixture(scope="module")
def source():
    return BankSource()


def session(source, grader=None, **setup):
    history = History.from_settings()
    return InterviewSession(
        PracticeSetup(**setup),
        source=source,
        grader=grader or LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        rng=random.Random(1),
    )


def test_full_question_cycle_saves_every_attempt(source):
    s = session(source, topic="nlp", length=2)
    q = s.current_question()
    assert q.topic == "nlp" and s.stage is Stage.answering
    grade = s.submit_answer("one two three four five six", transcript="raw words", recording_s=4.5)
    assert grade.score == 3.0
    assert s.stage is Stage.follow_up
    follow = s.submit_follow_up("short answer")
    assert follow.score == 1.0 and s.stage is Stage.reviewed
    attempts = s.history.attempts(session_id=s.session_id)
    assert [(a.kind, a.status, a.question) for a in attempts] == [
        ("main", "graded", q.question),
        ("follow-up", "graded", q.follow_up),
    ]
    assert attempts[0].transcript == "raw words" and attempts[0].recording_s == 4.5
    second = s.next_question()
    assert second.id != q.id and second.topic == "nlp"
    s.skip()
    assert s.finished and s.current_question() is None
    assert s.history.session(s.session_id).ended_at is not None


def test_follow_up_is_graded_against_the_follow_up_item(source):
    grader = LengthGrader()
    s = session(source, grader)
    q = s.current_question()
    s.submit_answer("an answer")
    s.submit_follow_up("a follow-up answer")
    assert grader.calls[0][0].question == q.question and grader.calls[0][0].key_points == q.key_points
    assert grader.calls[1][0].question == q.follow_up


def test_empty_answer_is_not_graded_nor_saved(source):
    grader = LengthGrader()
    s = session(source, grader)
    with pytest.raises(EmptyAnswerError, match="no answer to grade"):
        s.submit_answer("   \n ")
    assert grader.calls == [] and s.history.attempts(session_id=s.session_id) == []
    assert s.stage is Stage.answering


def test_grader_failure_keeps_answer_marks_failed_and_raises(source):
    grader = LengthGrader(fail=LLMUnavailableError("endpoint down", hint="start it"))
    s = session(source, grader)
    with pytest.raises(LLMUnavailableError):
        s.submit_answer("my careful answer")
    [attempt] = s.history.attempts(session_id=s.session_id)
    assert (attempt.status, attempt.answer, attempt.score) == ("failed", "my careful answer", None)
    assert "endpoint down" in attempt.error and s.stage is Stage.answering
    grader.fail = None
    assert s.submit_answer("my careful answer").score == 1.5  # the candidate can press grade again


def test_grader_crash_becomes_a_typed_error(source):
    s = session(source, LengthGrader(fail=ZeroDivisionError("boom")))
    with pytest.raises(GradingError, match="answer is saved"):
        s.submit_answer("answer")
    assert s.history.attempts(session_id=s.session_id)[0].status == "failed"


def test_huge_answer_is_trimmed_with_a_note(source):
    grader = LengthGrader()
    s = session(source, grader)
    grade = s.submit_answer("word " * 10_000)
    assert len(grader.calls[0][1]) == MAX_ANSWER_CHARS
    assert "only the first" in grade.notes[0]


def test_skip_retry_reveal(source):
    s = session(source, length=3)
    first = s.current_question()
    shown = s.reveal_answer()
    assert shown["answer"] == first.answer and s.turn.revealed
    s.submit_answer("a b c d")
    assert s.retry() is Stage.answering
    s.submit_answer("a b c d e f g h")
    s.submit_follow_up("x y")
    assert s.retry() is Stage.follow_up
    s.skip()  # abandons the follow-up's retry and moves on
    assert s.current_question().id != first.id
    with pytest.raises(InterviewError, match="no graded answer"):
        s.retry()
    s.skip()
    kinds = [(a.kind, a.status) for a in s.history.attempts(session_id=s.session_id)]
    assert kinds == [
        ("main", "graded"),
        ("main", "graded"),
        ("follow-up", "graded"),
        ("main", "skipped"),
    ]


def test_wrong_stage_is_refused(source):
    s = session(source)
    with pytest.raises(InterviewError, match="follow-up"):
        s.submit_follow_up("too early")


def test_an_answer_that_cannot_be_taken_is_refused_in_the_candidates_words(source):
    # A review recorded an answer after the follow-up was graded and read "the coach is at the 'reviewed' step".
    s = session(source, length=2)
    s.submit_answer("a b c d")
    s.submit_follow_up("e f")
    for submit in (s.submit_answer, s.submit_follow_up):
        with pytest.raises(InterviewError) as refused:
            submit("one answer too many")
        message = str(refused.value)
        assert "step" not in message and "'reviewed'" not in message
        assert "Next question" in message


def test_summary_reports_mean_best_worst_and_missed_points(source):
    s = session(source, topic="nlp", length=3)
    s.submit_answer("one two")  # 1.0
    s.next_question()  # follow-up not answered: skipped
    s.submit_answer("one two three four five six seven eight")  # 4.0
    s.submit_follow_up("fine answer here")
    s.next_question()
    s.skip()
    summary = s.summary()
    assert (summary.asked, summary.answered, summary.skipped) == (3, 2, 1)
    assert summary.mean_score == 2.5 and summary.best.score == 4.0 and summary.worst.score == 1.0
    missed = [k.point for t in s.turns if t.grade for k in t.grade.missed]
    assert summary.to_revisit == list(dict.fromkeys(missed)) and summary.to_revisit
    assert s.finished


def test_first_graded_answer_schedules_review_poor_comes_back_first(source):
    history = History.from_settings()
    s = InterviewSession(
        PracticeSetup(topic="nlp", length=2),
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        rng=random.Random(3),
    )
    poor = s.current_question().id
    s.submit_answer("no")
    s.retry()
    s.submit_answer("now a much longer and better answer than before really")  # a retry is not a recall
    s.next_question()
    good = s.current_question().id
    s.submit_answer("one two three four five six seven eight nine ten")
    review = ReviewScheduler(history)
    assert review.card(poor).due < review.card(good).due
    assert review.due_questions(review.card(poor).due) == [poor]


def test_due_mode_asks_due_questions_and_says_when_none(source, monkeypatch):
    history = History.from_settings()
    empty = InterviewSession(
        PracticeSetup(mode=Mode.due),
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
    )
    assert empty.finished and "Nothing is due" in empty.notice
    ReviewScheduler(history).record("nlp-bpe-merge-learning", 0.0)
    later = ReviewScheduler(history).card("nlp-bpe-merge-learning").due + timedelta(seconds=1)
    monkeypatch.setattr(practice_modes, "utc_now", lambda: later)
    due = InterviewSession(
        PracticeSetup(mode=Mode.due),
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
    )
    assert due.current_question().id == "nlp-bpe-merge-learning"


def test_weak_spots_mode_asks_low_scored_questions_first(source):
    history = History.from_settings()
    first = InterviewSession(
        PracticeSetup(mode=Mode.weak_spots, length=2),
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        rng=random.Random(5),
    )
    assert "No weak spots yet" in first.notice
    weak = first.current_question().id
    first.submit_answer("bad")  # 0.5
    first.next_question()
    strong = first.current_question().id
    first.submit_answer("one two three four five six seven eight nine ten")
    again = InterviewSession(
        PracticeSetup(mode=Mode.weak_spots),
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        rng=random.Random(5),
    )
    assert again.current_question().id == weak and again.notice is None
    assert strong != weak


def test_focus_mode_needs_a_focus(source):
    with pytest.raises(InterviewError, match="focus box"):
        session(source, mode=Mode.focus, focus="  ")


def test_grader_provider_is_called_lazily(source):
    built = []

    def provider():
        built.append(1)
        return LengthGrader()

    s = session(source, provider)
    assert built == []
    s.submit_answer("an answer")
    assert built == [1]


def resumed(history, source, grader=None):
    """The open session as a reloaded page finds it."""
    record = history.open_session()
    return InterviewSession(
        InterviewSession.setup_of(record),
        source=source,
        grader=grader or LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        resume=record,
    )


def test_a_reveal_survives_a_reload_for_the_summary_and_the_review_rating(source):
    s = session(source, topic="nlp", length=2)
    q = s.current_question()
    s.reveal_answer()
    again = resumed(s.history, source)
    assert again.session_id == s.session_id and again.turn.revealed
    again.submit_answer("one two three four five six seven eight nine ten")  # 5.0: "Easy", had it been recalled
    card = ReviewScheduler(again.history).card(q.id)
    assert card.due < utc_now() + timedelta(hours=1)  # rated "Again": it comes back within minutes
    [result] = again.summary().results
    assert result.revealed and result.score == 5.0


def test_a_reload_brings_back_the_delivery_of_spoken_answers(source):
    s = session(source, topic="nlp", length=2)
    spoken = delivery_insights("Um, the scores, uh, grow", word_timings=[(0.0, 0.4), (2.5, 3.0)], total_time_s=3.5)
    follow_up = delivery_insights("So, like, it saturates", speech_segments=[(0.0, 2.0)])
    s.submit_answer("one two three four", transcript="one two three four", recording_s=3.5, delivery=spoken)
    s.submit_follow_up("five six", transcript="five six", recording_s=2.0, delivery=follow_up)
    again = resumed(s.history, source)
    assert (again.turn.delivery, again.turn.follow_up_delivery) == (spoken, follow_up)
    again.retry()  # the follow-up
    again.retry()  # the main question
    again.submit_answer("typed this time")  # a typed retry has no delivery, and a reload must not bring the old one
    later = resumed(s.history, source)
    assert later.turn.delivery is None and later.turn.follow_up_delivery == follow_up


def test_delivery_saved_in_a_shape_this_version_cannot_read_is_left_out_not_fatal(source):
    s = session(source, topic="nlp", length=2)
    s.submit_answer("one two three four", delivery=delivery_insights("one two three four", speech_segments=[(0, 2)]))
    with sqlite3.connect(s.history.path) as conn:  # as insights written by another version might look
        conn.execute("""UPDATE attempts SET delivery = '{"words": "many"}'""")
    again = resumed(s.history, source)
    assert again.turn.grade is not None and again.turn.delivery is None


def test_a_session_with_fewer_matching_questions_says_how_many_it_has(source):
    s = session(source, topic="mlops", type="behavioral", length=5)
    assert s.planned == 2
    assert s.notice == "There are only 2 questions that match your filters, so this session has 2, not 5."
    s.submit_answer("an answer")
    s.next_question()
    assert s.asked == 2 and not s.finished
    s.skip()
    assert s.finished


def test_a_resumed_session_still_says_it_is_shorter(source):
    s = session(source, topic="ml-system-design", type="behavioral", length=3)
    s.submit_answer("an answer")
    again = resumed(s.history, source)
    assert again.planned == 1 and again.stage is Stage.follow_up
    assert again.notice == "There is only 1 question that matches your filters, so this session has 1, not 3."


def test_a_question_shown_when_the_session_ended_counts_as_not_answered(source):
    s = session(source, topic="nlp", length=5)
    for _ in range(3):
        s.submit_answer("one two three four")
        s.next_question()
    shown = s.current_question()
    s.end()
    summary = s.summary()
    assert (summary.asked, summary.answered, summary.skipped, summary.unanswered) == (4, 3, 0, 1)
    assert summary.results[-1].question_id == shown.id and summary.results[-1].score is None


def test_weak_spots_leave_out_a_topic_scored_good(source):
    good = session(source, topic="nlp", length=1)  # both sessions keep one history, the data dir's
    good.submit_answer("one two three four five six seven eight nine")  # 4.5
    weak_spots = session(source, mode=Mode.weak_spots)
    assert "No weak spots yet" in weak_spots.notice


def test_a_tab_whose_session_moved_on_elsewhere_acts_no_more_and_loses_nothing(source):
    # A review drove one session from two tabs: the stale one answered a follow-up already answered in the other,
    # drew a different second question, and a third tab showed only one of the two second questions.
    s = session(source, topic="nlp", length=3)
    first = s.current_question()
    s.submit_answer("a b c d")
    other = resumed(s.history, source)  # a second tab on the same session
    other.submit_follow_up("e f")
    with pytest.raises(SessionMovedError, match="moved on in another tab"):
        s.submit_follow_up("answered twice")
    stale = s.history.attempts(session_id=s.session_id)[-1]  # kept, not graded, and not taken for the latest answer
    assert (stale.answer, stale.status, stale.kind) == ("answered twice", "failed", "follow-up")
    assert "another tab" in stale.error
    s = resumed(s.history, source)  # what the stale tab reloads
    assert s.turn.follow_up_answer == "e f" and s.stage is Stage.reviewed
    second = other.next_question()
    with pytest.raises(SessionMovedError):
        s.next_question()
    assert s.history.session(s.session_id).asked == [first.id, second.id]
    again = resumed(s.history, source)
    assert [t.question.id for t in again.turns] == [first.id, second.id] and again.stage is Stage.answering
    other.end()
    with pytest.raises(SessionMovedError):
        again.submit_answer("too late")
    ended = InterviewSession(
        again.setup,
        source=source,
        grader=LengthGrader(),
        history=again.history,
        follow_up_item=follow_up_item,
        resume=again.history.session(again.session_id),
    )
    assert ended.finished and ended.session_id == again.session_id and ended.asked == 2


def test_a_retry_in_a_tab_whose_session_moved_on_is_refused(source):
    # A review pressed "Retry follow-up" in a stale tab: the follow-up reopened although the session was on Q2.
    s = session(source, topic="nlp", length=3)
    s.submit_answer("a b c d")
    s.submit_follow_up("e f")
    other = resumed(s.history, source)
    other.next_question()
    with pytest.raises(SessionMovedError, match="moved on in another tab"):
        s.retry()
    assert s.stage is Stage.reviewed
    other.submit_answer("still the other tab's turn")  # the refused retry took no step of the session


def test_a_skip_pressed_while_the_answer_is_graded_does_not_skip_that_question(source):
    # A review pressed Skip 0.3 s after sending a long answer: the app ran the Skip beside the grading, on the same
    # session, and Q1 was saved both graded and skipped (the summary counted it twice and hid the answer).
    refusals = []

    class SkipMeanwhile(LengthGrader):
        def grade(self, item, answer, on_feedback=None):
            try:
                s.skip()
            except InterviewError as exc:
                refusals.append(str(exc))
            return super().grade(item, answer, on_feedback)

    s = session(source, SkipMeanwhile(), topic="nlp", length=3)
    s.submit_answer("a b c d")
    assert len(refusals) == 1 and refusals[0].startswith("Your answer is being graded, so it was not skipped.")
    assert [(a.kind, a.status) for a in s.history.attempts(session_id=s.session_id)] == [("main", "graded")]
    assert s.stage is Stage.follow_up and not s.turn.grading
    s.skip()  # once graded, Skip moves past the follow-up
    summary = s.summary()
    assert (summary.answered, summary.skipped) == (1, 0)


def test_the_summary_names_no_best_answer_among_answers_graded_incorrect(source):
    # A review's summary read "Best:" beside a 1.0/5 answer graded incorrect.
    class Strict(LengthGrader):
        def grade(self, item, answer, on_feedback=None):
            grade = super().grade(item, answer, on_feedback)
            return grade.model_copy(update={"verdict": Verdict.incorrect if grade.score < 2 else Verdict.partial})

    s = session(source, Strict(), topic="nlp", length=3)
    s.submit_answer("one two")  # 1.0, incorrect
    s.next_question()
    s.submit_answer("one")  # 0.5, incorrect
    assert s.summary().best is None and s.summary().worst.score == 0.5
    s.next_question()
    s.submit_answer("one two three four five six")  # 3.0, partial
    assert s.summary().best.score == 3.0


def test_skipping_a_retry_abandons_the_retry_not_the_answered_question(source):
    # Skip after 'Retry the question' saved the question skipped beside its graded answer: the summary and the
    # Progress page counted it answered and skipped, and a reload showed it skipped, its answer hidden.
    s = session(source, topic="nlp", length=3)
    first = s.current_question()
    s.submit_answer("a b c d")
    s.retry()
    s.skip()
    second = s.current_question()
    assert second.id != first.id and s.stage is Stage.answering
    s.submit_answer("e f")
    s.submit_follow_up("g h")
    s.retry()  # the follow-up
    s.next_question()  # moves on as Skip does
    assert s.current_question().id not in (first.id, second.id)
    assert [(a.kind, a.status) for a in s.history.attempts(session_id=s.session_id)] == [
        ("main", "graded"),
        ("main", "graded"),
        ("follow-up", "graded"),
    ]
    again = resumed(s.history, source)
    for summary in (s.summary(), again.summary()):
        assert (summary.asked, summary.answered, summary.skipped, summary.unanswered) == (3, 2, 0, 1)
        assert [r.score for r in summary.results] == [2.0, 1.0, None]
        assert summary.results[1].follow_up_score == 1.0
    assert not again.turns[1].follow_up_skipped
    [row] = session_rows(s.history)
    assert (row.answered, row.skipped) == (2, 0)


def test_a_retry_skipped_in_an_earlier_version_counts_as_answered_not_skipped(source):
    s = session(source, topic="nlp", length=3)
    q = s.current_question()
    s.submit_answer("a b c d")
    s.submit_follow_up("e f")
    for kind, asked in (("follow-up", q.follow_up), ("main", q.question)):  # as such a version saved them
        s.history.add_attempt(
            session_id=s.session_id,
            question_id=q.id,
            question=asked,
            topic=q.topic,
            kind=kind,
            answer="",
            status="skipped",
        )
    again = resumed(s.history, source)
    assert not again.turn.skipped and not again.turn.follow_up_skipped and again.stage is Stage.reviewed
    summary = again.summary()
    assert (summary.answered, summary.skipped) == (1, 0)
    [row] = session_rows(s.history)
    assert (row.answered, row.skipped) == (1, 0)


def test_a_retry_survives_a_reload(source):
    # After 'Retry the question' a reload brought back the grade card and the follow-up, not the answer box.
    s = session(source, topic="nlp", length=2)
    s.submit_answer("a b c d")
    s.retry()
    again = resumed(s.history, source)
    assert again.stage is Stage.answering and again.turn.grade.score == 2.0
    with pytest.raises(GradingError):  # a retry whose grading failed is still open
        resumed(s.history, source, LengthGrader(fail=GradingError("down"))).submit_answer("lost")
    again = resumed(s.history, source)
    assert again.stage is Stage.answering
    again.submit_answer("a b c d e f")
    again.submit_follow_up("x y")
    again.retry()  # the follow-up
    again = resumed(s.history, source)
    assert again.stage is Stage.follow_up and again.turn.follow_up_grade.score == 1.0
    again.retry()  # the question, its follow-up answered
    again = resumed(s.history, source)
    assert again.stage is Stage.answering and again.turn.grade.score == 3.0
    again.submit_answer("one two three four five six seven eight")
    assert again.stage is Stage.follow_up  # the follow-up is asked again...
    again = resumed(s.history, source)
    assert again.stage is Stage.follow_up and again.turn.grade.score == 4.0  # ...after a reload too
    again.submit_follow_up("y z")
    again.retry()
    again.skip()  # abandons the follow-up's retry and asks the next question
    again = resumed(s.history, source)
    assert again.asked == 2 and again.stage is Stage.answering and again.turn.grade is None
