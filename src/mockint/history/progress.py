"""What the history says about a candidate: sessions over time, topic trends, weak spots, the
key points most often missed, and a Markdown export of one session. Pure reads over `History`."""

from collections import Counter, defaultdict
from datetime import datetime

from pydantic import BaseModel

from mockint.history.database import AttemptRecord, History
from mockint.types.grade import Grade

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
                skipped=sum(a.status == "skipped" for a in attempts),
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


def weakest_topics(history: History, *, limit: int = 5) -> list[TopicScore]:
    """Topics by the mean of their questions' latest scores, weakest first."""
    per_topic: dict[str, list[float]] = defaultdict(list)
    for attempt in _latest_per_question(_graded_main(history)).values():
        per_topic[attempt.topic or "other"].append(attempt.score or 0.0)
    topics = [TopicScore(topic=t, mean=sum(s) / len(s), questions=len(s)) for t, s in per_topic.items()]
    return sorted(topics, key=lambda t: (t.mean, t.topic))[:limit]


def missed_points(history: History, *, limit: int = 10, session_id: str | None = None) -> list[MissedPoint]:
    """The bank's key points most often missed in graded main answers. (Follow-ups are left out: their
    rubric may be derived from reference sentences, not points an author wrote.)"""
    counts: Counter[tuple[str, str]] = Counter()
    for attempt in history.attempts(status="graded", kind="main", session_id=session_id):
        for point in attempt.grade.missed if attempt.grade else []:
            counts[(point.point, attempt.question_id)] += 1
    return [MissedPoint(point=p, question_id=q, count=n) for (p, q), n in counts.most_common(limit)]


def session_markdown(session_id: str, history: History | None = None) -> str:
    """One session as a Markdown report the candidate can keep."""
    history = history or History.from_settings()
    session = history.session(session_id)
    attempts = [a for a in history.attempts(session_id=session_id) if a.status != "pending"]
    graded_main = _latest_per_question([a for a in attempts if a.kind == "main" and a.status == "graded"])
    mean = _mean([a.score for a in graded_main.values() if a.score is not None])
    lines = [
        f"# Mock interview — {session.started_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Mode: {session.mode}" + _filters_text(session.filters),
        f"- Questions answered: {len(graded_main)}" + (f", mean score {mean:.1f}/5" if mean is not None else ""),
        "",
    ]
    current = None
    for attempt in attempts:
        if attempt.kind == "main" and attempt.question_id != current:
            current = attempt.question_id
            lines += [f"## {attempt.question}", ""]
        lines += _attempt_markdown(attempt)
    missed = missed_points(history, session_id=session_id, limit=5)
    if missed:
        lines += ["## Points to revisit", ""] + [f"- {m.point}" for m in missed] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _filters_text(filters: dict) -> str:
    shown = [f"{k}={v}" for k, v in sorted(filters.items()) if v not in (None, "", [])]
    return f" ({', '.join(shown)})" if shown else ""


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.strip().splitlines()] or [">"]


def _attempt_markdown(attempt: AttemptRecord) -> list[str]:
    label = "Follow-up" if attempt.kind == "follow-up" else "Answer"
    header = [f"**Follow-up:** {attempt.question}", ""] if attempt.kind == "follow-up" else []
    if attempt.status == "skipped":
        return [*header, f"*{label} skipped.*", ""]
    lines = [*header, f"**Your {label.lower()}:**", "", *_quote(attempt.answer), ""]
    if attempt.status == "failed":
        return [*lines, f"*Not graded: {attempt.error}*", ""]
    if attempt.grade is not None:
        lines += _grade_markdown(attempt.grade)
    return lines


def _grade_markdown(grade: Grade) -> list[str]:
    lines = [
        f"**Score: {grade.score:.1f}/5** ({grade.verdict.value}) — graded by {grade.grader.kind} "
        f"({grade.grader.model})",
        "",
    ]
    lines += ["| Dimension | Score | Why |", "|---|---|---|"]
    for name, dim in grade.dimensions:
        lines.append(f"| {name} | {dim.score:.1f} | {dim.reason.replace('|', '/')} |")
    lines.append("")
    if grade.covered:
        lines += ["Covered:"] + [f"- {k.point}" + (f" — “{k.evidence}”" if k.evidence else "") for k in grade.covered]
        lines.append("")
    if grade.missed:
        lines += ["Missed:"] + [f"- {k.point}" for k in grade.missed] + [""]
    if grade.misconceptions:
        lines += ["Misconceptions:"] + [f"- {m}" for m in grade.misconceptions] + [""]
    lines += [grade.feedback.strip(), ""]
    return lines
