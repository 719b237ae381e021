"""One practice session as a Markdown report the candidate can keep, in the app's own words: the mode and
setup as the sidebar names them, the grader as the feedback card names it."""

from collections import Counter

from mockint.history.database import AttemptRecord, History, SessionRecord
from mockint.practice.interview import stored_delivery
from mockint.practice.modes import MODE_LABELS
from mockint.speech.delivery import DeliveryInsights
from mockint.types.grade import Coverage, Grade, GraderInfo
from mockint.types.topics import topic_name

# The sidebar's labels for the stored setup, in its order.
_SETUP_LABELS = {"topic": "Topic", "difficulty": "Difficulty", "type": "Type", "focus": "Focus"}


def grader_label(info: GraderInfo) -> str:
    """Which grader marked an answer, as the feedback card and the export say it."""
    if info.kind == "llm":
        tokens = info.prompt_tokens + info.completion_tokens
        cost = f", {tokens:,} tokens" if tokens else ""
        return f"Graded by the LLM grader ({info.model}{cost}, {info.latency_text})"
    return f"Graded offline ({info.model}, {info.latency_text})"


def session_markdown(session_id: str, history: History | None = None) -> str:
    """One session as a Markdown report."""
    history = history or History.from_settings()
    session = history.session(session_id)
    attempts = [a for a in history.attempts(session_id=session_id) if a.status != "pending"]
    graded_main = {a.question_id: a for a in attempts if a.kind == "main" and a.status == "graded"}  # the latest
    scores = [a.score for a in graded_main.values() if a.score is not None]
    shown = len(session.asked) or len({a.question_id for a in attempts})
    answered = f"{len(graded_main)} of {shown} shown" if shown > len(graded_main) else str(len(graded_main))
    lines = [
        f"# Mock interview — {session.started_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Mode: {MODE_LABELS.get(session.mode, session.mode)}",
        f"- {_setup_text(session)}",
        f"- Questions answered: {answered}" + (f", mean score {sum(scores) / len(scores):.1f}/5" if scores else ""),
        "",
    ]
    # A retried question (or follow-up) has several answers: each says which attempt it is.
    tries = Counter((a.question_id, a.kind) for a in attempts)
    nth: Counter[tuple[str, str]] = Counter()
    current = asked = None
    for attempt in attempts:
        if attempt.kind == "main" and attempt.question_id != current:
            current = attempt.question_id
            lines += [f"## {attempt.question}", ""]
            if current in session.revealed:
                lines += ["*You looked at the reference answer before answering.*", ""]
        if attempt.kind == "follow-up" and attempt.question != asked:
            lines += [f"**Follow-up:** {attempt.question}", ""]
        asked = attempt.question
        key = (attempt.question_id, attempt.kind)
        nth[key] += 1
        lines += _attempt_markdown(attempt, f"attempt {nth[key]} of {tries[key]}" if tries[key] > 1 else "")
    # As the in-app summary: what the latest graded answer to each question missed, so a point a retry covered
    # is not listed.
    to_revisit = dict.fromkeys(k.point for a in graded_main.values() if a.grade for k in a.grade.missed)
    if to_revisit:
        lines += ["## Points to revisit", ""] + [f"- {point}" for point in to_revisit] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _setup_text(session: SessionRecord) -> str:
    filters = session.filters
    parts = []
    for key, label in _SETUP_LABELS.items():
        value = filters.get(key)
        if value in (None, ""):
            continue
        if key == "topic":
            value = topic_name(str(value))
        elif key == "focus":
            value = f"“{value}”"
        parts.append(f"{label}: {value}")
    parts.append(f"Questions per session: {filters['length']}" if filters.get("length") else "")
    return " · ".join(p for p in parts if p) or "Any question"


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.strip().splitlines()] or [">"]


def _attempt_markdown(attempt: AttemptRecord, nth: str) -> list[str]:
    label = "Follow-up" if attempt.kind == "follow-up" else "Answer"
    which = f" ({nth})" if nth else ""
    if attempt.status == "skipped":
        return [f"*{label} skipped{which}.*", ""]
    lines = [f"**Your {label.lower()}{which}:**", "", *_quote(attempt.answer), ""]
    delivery = stored_delivery(attempt)
    if delivery is not None:
        lines += _delivery_markdown(delivery)
    if attempt.status == "failed":
        return [*lines, f"*Not graded: {attempt.error}*", ""]
    if attempt.grade is not None:
        lines += _grade_markdown(attempt.grade)
    return lines


def _delivery_markdown(insights: DeliveryInsights) -> list[str]:
    """A spoken answer's delivery, in the words of the app's Delivery panel."""
    speaking = f"{insights.speaking_time_s:.0f} s" if insights.speaking_time_s is not None else "—"
    pace = f"{insights.wpm:.0f} wpm" if insights.wpm is not None else "—"
    lines = [
        "**Delivery** — how you said it (this does not change your score)",
        "",
        f"- Speaking time: {speaking} · Pace: {pace} · Fillers: {insights.filler_count}"
        f" · Long pauses: {insights.long_pause_count}",
    ]
    if insights.length_verdict:
        lines.append(
            f"- Length: {insights.length_verdict} — {insights.words} words, about {insights.expected_words} expected."
        )
    return [*lines, *(f"- {tip}" for tip in insights.tips), ""]


def _grade_markdown(grade: Grade) -> list[str]:
    lines = [f"**Score: {grade.score:.1f}/5** ({grade.verdict.value}) — {grader_label(grade.grader)}", ""]
    if grade.grader.fallback_reason:
        lines += [f"*{grade.grader.fallback_reason}*", ""]
    lines += ["| Dimension | Score | Why |", "|---|---|---|"]
    for name, dim in grade.dimensions:
        lines.append(f"| {name} | {dim.score:.1f} | {dim.reason.replace('|', '/')} |")
    lines.append("")
    if grade.covered:
        lines += ["Covered:"] + [
            f"- {'partly: ' if k.status is Coverage.partly else ''}{k.point}"
            + (f" — “{k.evidence}”" if k.evidence else "")
            for k in grade.covered
        ]
        lines.append("")
    if grade.missed:
        lines += ["Missed:"] + [f"- {k.point}" for k in grade.missed] + [""]
    if grade.misconceptions:
        lines += ["Misconceptions:"] + [f"- {m}" for m in grade.misconceptions] + [""]
    lines += [grade.feedback.strip(), ""]
    return lines
