import random

import pytest

from mockint.grading.scoring import GOOD_AT
from mockint.history.database import History
from mockint.history.progress import (
    missed_points,
    session_rows,
    topic_trend,
    weak_questions,
    weakest_topics,
)
from mockint.practice.export import session_markdown
from mockint.practice.interview import InterviewSession, PracticeSetup, SessionMovedError
from mockint.speech.delivery import delivery_insights
from mockint.types.grade import Coverage, KeyPointResult
from test_history import make_grade
from test_interview import BankSource, LengthGrader, follow_up_item


@pytest.fixture(scope="module")
def source():
    return BankSource()


def new_session(history, source, seed=0, **setup):
    return InterviewSession(
        PracticeSetup(**setup),
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        rng=random.Random(seed),
    )


def run_session(history, source, topic, answers, seed=0):
    s = new_session(history, source, seed, topic=topic, length=len(answers))
    for answer in answers:
        if answer is None:
            s.skip()
            continue
        s.submit_answer(answer)
        s.submit_follow_up("follow up words")
        s.next_question()
    return s


def test_aggregations_over_two_sessions(source):
    history = History.from_settings()
    first = run_session(history, source, "nlp", ["a", "a b c d e f g h i j", None])
    second = run_session(history, source, "statistics", ["a b", "a b c d"], seed=1)
    rows = session_rows(history)
    assert [r.id for r in rows] == [first.session_id, second.session_id]
    assert (rows[0].answered, rows[0].skipped, rows[0].mean_score) == (2, 1, 2.75)
    assert rows[1].mean_score == 1.5
    trend = topic_trend(history)
    assert [(p.session, p.topic, p.score) for p in trend] == [(1, "nlp", 2.75), (2, "statistics", 1.5)]
    assert [t.topic for t in weakest_topics(history, below=GOOD_AT)] == ["statistics", "nlp"]
    weak = weak_questions(history)
    assert [w.score for w in weak] == [0.5, 1.0, 2.0] and weak[0].topic == "nlp"
    missed = missed_points(history, limit=3)
    assert len(missed) == 3 and all(m.count == 1 for m in missed)


def test_latest_score_counts_for_weak_spots(source):
    history = History.from_settings()
    s = new_session(history, source, topic="nlp", length=1)
    s.submit_answer("poor")
    s.retry()
    s.submit_answer("one two three four five six seven eight")
    assert weak_questions(history) == []


def test_session_markdown_has_questions_answers_scores_and_skips(source):
    history = History.from_settings()
    s = run_session(history, source, "nlp", ["my | first answer\nsecond line", None])
    q = s.turns[0].question
    text = session_markdown(s.session_id, history)
    assert text.startswith("# Mock interview")
    assert f"## {q.question}" in text and f"**Follow-up:** {q.follow_up}" in text
    assert "> my | first answer\n> second line" in text
    assert "**Score: 3.0/5**" in text and "*Answer skipped.*" in text
    assert "Missed:" in text and "## Points to revisit" in text
    assert "mean score 3.0/5" in text


def test_session_markdown_speaks_the_apps_words_and_marks_a_revealed_answer(source):
    history = History.from_settings()
    s = new_session(history, source, 2, topic="classical-ml", type="conceptual", length=3)
    s.reveal_answer()
    s.submit_answer("one two three four")
    s.next_question()
    s.submit_answer("one two three four five six")
    s.next_question()
    s.end()  # the third question was shown, never answered
    text = session_markdown(s.session_id, history)
    assert "- Mode: Browse by topic / difficulty / type\n" in text
    assert "- Topic: Classical ML · Type: conceptual · Questions per session: 3\n" in text
    assert "- Questions answered: 2 of 3 shown, mean score 2.5/5" in text
    assert "— Graded offline (length, 0 ms)" in text and "graded by offline" not in text
    first, second = (t.question for t in s.turns[:2])
    marked = "*You looked at the reference answer before answering.*"
    assert text.count(marked) == 1 and text.index(first.question) < text.index(marked) < text.index(second.question)


def test_session_markdown_marks_a_partly_covered_point_as_the_app_does():
    history = History.from_settings()
    sid = history.start_session("filters")
    history.set_asked(sid, ["q1"])
    attempt = history.add_attempt(
        session_id=sid, question_id="q1", question="Why scale by sqrt(d_k)?", topic="nlp", kind="main", answer="a"
    )
    points = [
        KeyPointResult(point="Dot products grow with d_k", status=Coverage.covered, evidence="they grow"),
        KeyPointResult(point="Softmax saturates", status=Coverage.partly, evidence="softmax"),
        KeyPointResult(point="Gradients vanish", status=Coverage.missed),
    ]
    history.mark_graded(attempt, make_grade(3.0).model_copy(update={"key_points": points}))
    text = session_markdown(sid, history)
    covered = "Covered:\n- Dot products grow with d_k — “they grow”\n- partly: Softmax saturates — “softmax”\n"
    assert covered in text and "Missed:\n- Gradients vanish\n" in text


def test_session_markdown_shows_the_delivery_of_a_spoken_answer_only(source):
    history = History.from_settings()
    s = new_session(history, source, topic="nlp", length=2)
    text = "Um, the scores, uh, grow with the dimension, like, so the softmax saturates and gradients vanish."
    timings = [(0.5 * i, 0.5 * i + 0.4) for i in range(16)] + [(10.0, 10.4)]  # one 2.1 s pause before the last word
    spoken = delivery_insights(text, word_timings=timings, total_time_s=11.0, expected_words=140)
    s.submit_answer(text, transcript=text, recording_s=11.0, delivery=spoken)
    s.submit_follow_up("typed follow up")
    md = session_markdown(s.session_id, history)
    section = (
        "**Delivery** — how you said it (this does not change your score)\n\n"
        f"- Speaking time: 10 s · Pace: {spoken.wpm:.0f} wpm · Fillers: 3 · Long pauses: 1\n"
        "- Length: too short — 16 words, about 140 expected.\n"
    )
    assert section in md and md.count("**Delivery**") == 1
    assert md.index("> Um, the scores") < md.index(section) < md.index("**Score:")
    assert all(f"- {tip}\n" in md for tip in spoken.tips)


def test_a_topic_scored_good_is_not_among_the_weakest(source):
    history = History.from_settings()
    run_session(history, source, "nlp", ["one two three four five six seven eight nine ten"])  # 5.0
    run_session(history, source, "statistics", ["one two three four five six"], seed=1)  # 3.0
    assert [(t.topic, t.mean) for t in weakest_topics(history, below=GOOD_AT)] == [("statistics", 3.0)]
    assert weakest_topics(history, below=3.0) == []


class QuotingGrader(LengthGrader):
    """LengthGrader that counts a key point covered when the answer quotes it."""

    def grade(self, item, answer, on_feedback=None):
        grade = super().grade(item, answer)
        points = [
            k.model_copy(update={"status": Coverage.covered}) if k.point in answer else k for k in grade.key_points
        ]
        return grade.model_copy(update={"key_points": points})


def test_session_markdown_numbers_retries_and_revisits_what_the_latest_answer_missed(source):
    """A browser review found retries exported as unlabelled extra answers, and a point the retry covered still
    under "Points to revisit", which the in-app summary had left out."""
    history = History.from_settings()
    s = InterviewSession(
        PracticeSetup(topic="nlp", length=1),
        source=source,
        grader=QuotingGrader(),
        history=history,
        follow_up_item=follow_up_item,
        rng=random.Random(0),
    )
    q = s.current_question()
    s.submit_answer("poor")
    s.retry()
    s.submit_answer(f"{q.key_points[0]} and more")
    s.submit_follow_up("short")
    s.retry()
    s.submit_follow_up("a longer follow up")
    md = session_markdown(s.session_id, history)
    assert "**Your answer (attempt 1 of 2):**\n\n> poor\n" in md and "**Your answer (attempt 2 of 2):**" in md
    assert md.count(f"**Follow-up:** {q.follow_up}") == 1
    assert "**Your follow-up (attempt 1 of 2):**\n\n> short\n" in md and "**Your follow-up (attempt 2 of 2):**" in md
    revisit = md.split("## Points to revisit\n\n")[1].splitlines()
    assert revisit == [f"- {p}" for p in s.summary().to_revisit] == [f"- {p}" for p in q.key_points[1:]]


def test_session_markdown_says_once_why_a_stale_tabs_answer_was_not_graded(source):
    # A review's export read "*Not graded: Not graded: the session had moved on…*".
    history = History.from_settings()
    s = new_session(history, source, topic="nlp", length=2)
    s.submit_answer("one two three four")
    other = InterviewSession(
        s.setup,
        source=source,
        grader=LengthGrader(),
        history=history,
        follow_up_item=follow_up_item,
        resume=history.session(s.session_id),
    )
    other.submit_follow_up("five six")
    with pytest.raises(SessionMovedError):
        s.submit_follow_up("sent from the stale tab")
    text = session_markdown(s.session_id, history)
    assert "*Not graded: the session had moved on in another tab when this answer was sent.*" in text
    assert text.count("Not graded") == 1
