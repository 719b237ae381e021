import multiprocessing
import sqlite3
import sys
import threading
import types
from pathlib import Path

import pytest

from mockint.errors import HistoryError
from mockint.history.database import _MIGRATIONS, SCHEMA_VERSION, History
from mockint.speech.delivery import delivery_insights
from mockint.types.grade import Dimensions, DimensionScore, Grade, GraderInfo, Verdict


def make_grade(score: float = 3.0) -> Grade:
    dim = DimensionScore(score=score, reason="r")
    return Grade(
        score=score,
        verdict=Verdict.good,
        feedback="You did fine.",
        model_answer="ref",
        dimensions=Dimensions(correctness=dim, completeness=dim, depth=dim, communication=dim),
        grader=GraderInfo(kind="offline", model="test-model", version="0123456789"),
    )


def add(history: History, session_id: str, qid: str = "q1", kind: str = "main") -> int:
    return history.add_attempt(
        session_id=session_id, question_id=qid, question="What?", topic="t", kind=kind, answer="my answer"
    )


def test_attempt_is_pending_before_grading_then_graded(isolated_env):
    history = History.from_settings()
    sid = history.start_session("filters", {"topic": "t"})
    attempt_id = add(history, sid)
    pending = History(history.path).attempt(attempt_id)
    assert pending.status == "pending" and pending.answer == "my answer" and pending.grade is None
    history.mark_graded(attempt_id, make_grade(4.0))
    graded = history.attempt(attempt_id)
    assert graded.status == "graded"
    assert graded.score == 4.0 and graded.grade.feedback == "You did fine."
    assert graded.grader_kind == "offline" and graded.grader_model == "test-model"
    assert graded.grader_version == graded.grade.grader.version == "0123456789"
    assert history.path == isolated_env / "history.sqlite3"


def test_failed_attempt_keeps_answer_and_error():
    history = History.from_settings()
    sid = history.start_session("focus")
    attempt_id = add(history, sid)
    history.mark_failed(attempt_id, "LLM down")
    failed = history.attempt(attempt_id)
    assert (failed.status, failed.error, failed.answer, failed.score) == ("failed", "LLM down", "my answer", None)


def test_sessions_and_filters_round_trip():
    history = History.from_settings()
    first = history.start_session("filters", {"topic": "nlp", "difficulty": None})
    second = history.start_session("due")
    history.end_session(first)
    sessions = history.sessions()
    assert [s.id for s in sessions] == [first, second]
    assert sessions[0].filters == {"topic": "nlp", "difficulty": None} and sessions[0].ended_at is not None
    assert history.session(second).mode == "due"
    with pytest.raises(HistoryError, match="Progress page"):
        history.session("nope")


def test_attempt_filters():
    history = History.from_settings()
    sid = history.start_session("filters")
    a = add(history, sid, "q1")
    add(history, sid, "q2")
    add(history, sid, "q1", kind="follow-up")
    history.mark_graded(a, make_grade())
    assert len(history.attempts(session_id=sid)) == 3
    assert [x.kind for x in history.attempts(question_id="q1")] == ["main", "follow-up"]
    assert [x.id for x in history.attempts(status="graded")] == [a]


def _write_many(path: str, session_id: str, n: int, label: str) -> None:
    history = History(path)
    for i in range(n):
        attempt_id = history.add_attempt(
            session_id=session_id, question_id=f"{label}-{i}", question="q", topic=None, kind="main", answer=label
        )
        history.mark_graded(attempt_id, make_grade(i % 6))


def test_two_threads_writing_lose_nothing():
    history = History.from_settings()
    sid = history.start_session("filters")
    threads = [threading.Thread(target=_write_many, args=(str(history.path), sid, 40, name)) for name in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = history.attempts(session_id=sid)
    assert len(rows) == 80 and all(r.status == "graded" for r in rows)


def test_two_processes_writing_lose_nothing(monkeypatch):
    history = History.from_settings()
    sid = history.start_session("filters")
    # A spawned child first runs the parent's __main__ again; after a Streamlit AppTest in the same session that
    # is the test's throwaway script, which fails outside Streamlit (NameError: '__args'). The children need
    # only this module's _write_many, which they import by name.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(history.path), sid, 25, name)) for name in "xy"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    rows = history.attempts(session_id=sid)
    assert sorted(r.answer for r in rows) == ["x"] * 25 + ["y"] * 25


def test_wal_mode_and_schema_version():
    history = History.from_settings()
    history.start_session("filters")
    conn = sqlite3.connect(history.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    # Creating again over an existing database is harmless.
    assert len(History(history.path).sessions()) == 1


def test_damaged_database_says_how_to_fix(tmp_path):
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not sqlite at all, just junk " * 200)
    with pytest.raises(HistoryError, match=r"damaged.*Move it away"):
        History(path).sessions()


def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(HistoryError, match="newer mockint"):
        History(path).sessions()


def test_unwritable_location_says_how_to_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="MOCKINT_DATA_DIR"):
        History(blocker / "sub" / "history.sqlite3").sessions()


def test_a_database_of_schema_1_gains_the_grader_version_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(_MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    history = History(path)
    sid = history.start_session("filters")
    attempt_id = add(history, sid)
    history.mark_graded(attempt_id, make_grade(2.0))
    assert history.attempt(attempt_id).grader_version == "0123456789"


def test_an_unreadable_row_is_left_out_and_counted_not_fatal(isolated_env):
    from mockint.history.progress import missed_points, session_rows, weakest_topics
    from mockint.history.review import ReviewScheduler

    history = History(isolated_env / "history.sqlite3")
    session_id = history.start_session("filters")
    good, bad = add(history, session_id, "q1"), add(history, session_id, "q2")
    history.mark_graded(good, make_grade(4.0))
    history.mark_graded(bad, make_grade(2.0))
    with sqlite3.connect(history.path) as conn:  # as a grade written by another version might look
        conn.execute('UPDATE attempts SET grade = \'{"score": "high"}\' WHERE id = ?', (bad,))
    history.save_card("q1", "{not a card")

    assert [a.id for a in history.attempts()] == [good]
    [row] = session_rows(history)
    assert row.answered == 1 and row.mean_score == 4.0
    weakest_topics(history, below=3.5), missed_points(history)
    assert ReviewScheduler(history).due_questions() == []
    assert history.unreadable == {("attempts", str(bad)), ("review_cards", "q1")}


def test_a_reload_resumes_only_the_latest_session_never_an_older_one_left_open():
    history = History.from_settings()
    older = history.start_session("filters")
    history.set_asked(older, ["q1"])  # left open, as a version that did not end a replaced session left it
    newer = history.start_session("filters")
    history.set_asked(newer, ["q2"])
    assert history.open_session().id == newer
    history.end_session(newer)
    assert history.open_session() is None  # the older one was given up when the newer started
    history.start_session("due")  # asked nothing (nothing was due): not a session to resume, nor one that hides
    assert history.open_session() is None


def test_a_reveal_is_kept_once_per_question_and_per_session():
    history = History.from_settings()
    sid, other = history.start_session("filters"), history.start_session("filters")
    history.set_asked(sid, ["q1", "q2"])
    for qid in ("q1", "q1", "q2"):
        history.mark_revealed(sid, qid)
    assert History(history.path).session(sid).revealed == ["q1", "q2"]
    assert history.session(other).revealed == []
    assert history.open_session().revealed == ["q1", "q2"]


def _database_of_schema(version: int, path: Path) -> History:
    """A database an older version left, with one session 's1', opened by this version."""
    conn = sqlite3.connect(path)
    for step in _MIGRATIONS[:version]:
        conn.executescript(step)
    conn.execute("INSERT INTO sessions (id, started_at, mode) VALUES ('s1', '2025-01-01T00:00:00+00:00', 'filters')")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    return History(path)


def test_a_database_of_schema_3_gains_the_revealed_column(tmp_path):
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path)
    for step in _MIGRATIONS[:3]:
        conn.executescript(step)
    conn.execute(
        "INSERT INTO sessions (id, started_at, mode, asked) VALUES ('s1', '2025-01-01T00:00:00+00:00', "
        "'filters', '[\"q1\"]')"
    )
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    history = History(path)
    assert history.session("s1").revealed == []
    history.mark_revealed("s1", "q1")
    assert history.session("s1").revealed == ["q1"] and history.session("s1").asked == ["q1"]


def test_a_database_of_schema_4_gains_the_delivery_column(tmp_path):
    history = _database_of_schema(4, tmp_path / "v4.sqlite3")
    sid = history.start_session("filters")
    typed = add(history, sid)
    insights = delivery_insights("um a", speech_segments=[(0.0, 1.0)])
    spoken = history.add_attempt(
        session_id=sid, question_id="q1", question="What?", topic="t", kind="main", answer="a", delivery=insights
    )
    assert history.attempt(typed).delivery is None
    assert history.attempt(spoken).delivery == insights.model_dump(mode="json")


def test_a_step_is_claimed_once_per_version_of_the_session():
    history = History.from_settings()
    sid = history.start_session("filters")
    seen = history.session(sid).version
    assert history.claim(sid, seen) == seen + 1
    assert history.claim(sid, seen) is None  # a second tab that saw the same version comes too late
    assert history.session(sid).version == seen + 1


def test_a_database_of_schema_5_gains_the_version_column(tmp_path):
    history = _database_of_schema(5, tmp_path / "v5.sqlite3")
    assert history.session("s1").version == 0 and history.claim("s1", 0) == 1


def test_a_retry_is_kept_per_session():
    history = History.from_settings()
    sid, other = history.start_session("filters"), history.start_session("filters")
    attempt_id = add(history, sid)
    history.mark_retrying(sid, attempt_id)
    assert History(history.path).session(sid).retrying == attempt_id
    assert history.session(other).retrying is None


def test_a_database_of_schema_6_gains_the_retrying_column(tmp_path):
    history = _database_of_schema(6, tmp_path / "v6.sqlite3")
    assert history.session("s1").retrying is None
    history.mark_retrying("s1", 7)
    assert history.session("s1").retrying == 7
