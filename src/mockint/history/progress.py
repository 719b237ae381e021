"""What the history says about a candidate: sessions over time, topic trends, weak spots, the
key points most often missed. Pure reads over `History`. (The Markdown export of a session is in
practice/export.py, where the app's names for modes and graders are.)"""

from collections import Counter, defaultdict
from datetime import datetime

from pydantic import BaseModel

from mockint.history.database import AttemptRecord, History

WEAK_BELOW = 3.0


class SessionRow(BaseModel):
    id: str
    started_at: datetime
    mode: str
    filters: dict
    answered: int
    skipped: int
    mean_score: float | None


class TrendPoint(BaseModel):
    """Mean score of one topic in one session; `session` numbers the sessions with answers from 1."""

    session_id: str
    session: int
    when: datetime
    topic: str
    score: float


class TopicScore(BaseModel):
    topic: str
    mean: float
    questions: int


class QuestionScore(BaseModel):
    question_id: str
    topic: str | None
    score: float


class MissedPoint(BaseModel):
    point: str
    question_id: str
    count: int


def _graded_main(history: History) -> list[AttemptRecord]:
    return history.attempts(kind="main", status="graded")


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def session_rows(history: History) -> list[SessionRow]:
    """Every session with something in it, oldest first."""
    by_session: dict[str, list[AttemptRecord]] = defaultdict(list)
    for attempt in history.attempts(kind="main"):
        by_session[attempt.session_id].append(attempt)
    rows = []
    for session in history.sessions():
        attempts = by_session.get(session.id, [])
        if not attempts:
            continue
        latest = _latest_per_question([a for a in attempts if a.status == "graded"])
        rows.append(
            SessionRow(
                id=session.id,
                started_at=session.started_at,
                mode=session.mode,
                filters=session.filters,
                answered=len(latest),
                # Earlier versions saved a skipped retry as a skip beside the graded answer it left alone.
                skipped=len({a.question_id for a in attempts if a.status == "skipped"} - latest.keys()),
                mean_score=_mean([a.score for a in latest.values() if a.score is not None]),
            )
        )
    return rows


def topic_trend(history: History) -> list[TrendPoint]:
    """Per session and topic, the mean score: the data behind the score-trend chart."""
    started = {s.id: s.started_at for s in history.sessions()}
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for attempt in _graded_main(history):
        cells[(attempt.session_id, attempt.topic or "other")].append(attempt.score or 0.0)
    order = {
        sid: n
        for n, sid in enumerate(sorted({sid for sid, _ in cells if sid in started}, key=lambda sid: started[sid]), 1)
    }
    points = [
        TrendPoint(session_id=sid, session=order[sid], when=started[sid], topic=topic, score=sum(scores) / len(scores))
        for (sid, topic), scores in cells.items()
        if sid in order
    ]
    return sorted(points, key=lambda p: (p.session, p.topic))


def _latest_per_question(attempts: list[AttemptRecord]) -> dict[str, AttemptRecord]:
    # The latest grade is the candidate's current level; earlier ones are the path there.
    latest: dict[str, AttemptRecord] = {}
    for attempt in attempts:
        latest[attempt.question_id] = attempt
    return latest


def weak_questions(history: History, *, below: float = WEAK_BELOW) -> list[QuestionScore]:
    """Questions whose latest main answer scored under `below`, weakest first."""
    latest = _latest_per_question(_graded_main(history))
    weak = [
        QuestionScore(question_id=qid, topic=a.topic, score=a.score or 0.0)
        for qid, a in latest.items()
        if (a.score or 0.0) < below
    ]
    return sorted(weak, key=lambda q: (q.score, q.question_id))


def weakest_topics(history: History, *, below: float, limit: int = 5) -> list[TopicScore]:
    """Topics whose questions' latest scores average under `below`, weakest first. A topic at or above it is
    not weak however it ranks. (`below` is the caller's: the grader's "good" level lives in grading/, which
    this layer does not import.)"""
    per_topic: dict[str, list[float]] = defaultdict(list)
    for attempt in _latest_per_question(_graded_main(history)).values():
        per_topic[attempt.topic or "other"].append(attempt.score or 0.0)
    topics = [TopicScore(topic=t, mean=sum(s) / len(s), questions=len(s)) for t, s in per_topic.items()]
    topics = [t for t in topics if t.mean < below]
    return sorted(topics, key=lambda t: (t.mean, t.topic))[:limit]


def missed_points(history: History, *, limit: int = 10, session_id: str | None = None) -> list[MissedPoint]:
    """The bank's key points most often missed in graded main answers. (Follow-ups are left out: their
    rubric may be derived from reference sentences, not points an author wrote.)"""
    counts: Counter[tuple[str, str]] = Counter()
    for attempt in history.attempts(status="graded", kind="main", session_id=session_id):
        for point in attempt.grade.missed if attempt.grade else []:
            counts[(point.point, attempt.question_id)] += 1
    return [MissedPoint(point=p, question_id=q, count=n) for (p, q), n in counts.most_common(limit)]
