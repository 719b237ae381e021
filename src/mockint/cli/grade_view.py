"""A Grade rendered for the terminal with rich: score, verdict, dimension bars, the rubric with the
candidate's own words as evidence, misconceptions, feedback, model answer, follow-up, grader line; and, for a
recorded answer, the transcript before it and the delivery insights after it."""

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mockint.types.grade import SCORE_MAX, Coverage, Grade, Verdict

if TYPE_CHECKING:  # the speech stack takes 1.6 s to import, which a typed answer's grade need not wait for
    from mockint.speech.delivery import DeliveryInsights
    from mockint.speech.transcription import Transcript

_VERDICT_STYLE = {
    Verdict.excellent: "bold green",
    Verdict.good: "green",
    Verdict.partial: "yellow",
    Verdict.incorrect: "red",
    Verdict.off_topic: "red",
    Verdict.no_answer: "dim red",
}
_STATUS_MARK = {Coverage.covered: ("✔", "green"), Coverage.partly: ("◐", "yellow"), Coverage.missed: ("✘", "red")}
_BAR_WIDTH = 20


def bar(score: float) -> str:
    filled = round(_BAR_WIDTH * score / SCORE_MAX)
    return "█" * filled + "░" * (_BAR_WIDTH - filled)


def print_grade(grade: Grade, console: Console, *, question: str | None = None) -> None:
    style = _VERDICT_STYLE[grade.verdict]
    title = Text.assemble(
        ("Score ", "bold"), (f"{grade.score:.1f}/{SCORE_MAX:g}", style), "  ", (grade.verdict.value.upper(), style)
    )
    if grade.grader.fallback_reason:
        title.append("  offline grader: the LLM failed (see above)", style="yellow")
    console.print(Panel(escape(question) if question else "", title=title, title_align="left", expand=True))

    dims = Table.grid(padding=(0, 2))
    for name, dim in grade.dimensions:
        dims.add_row(name, Text(bar(dim.score), style=style), f"{dim.score:.1f}", Text(dim.reason, style="dim"))
    console.print(dims)

    if grade.key_points:
        console.print(Text("\nRubric", style="bold"))
        for result in grade.key_points:
            mark, colour = _STATUS_MARK[result.status]
            line = Text.assemble((f" {mark} ", colour), result.point)
            if result.evidence:
                line.append(f'\n     you said: "{result.evidence}"', style="italic cyan")
            console.print(line)
    if grade.misconceptions:
        console.print(Text("\nMisconceptions", style="bold red"))
        for item in grade.misconceptions:
            console.print(Text(f" • {item}"))

    console.print(Panel(Text(grade.feedback), title="Feedback", title_align="left"))
    console.print(Panel(Text(grade.model_answer), title="Model answer", title_align="left", style="green"))
    if grade.follow_up:
        console.print(Text.assemble(("Follow-up: ", "bold"), grade.follow_up))

    info = grade.grader
    parts = [f"{info.kind} grader", info.model]
    if info.prompt_version:
        parts.append(f"prompt {info.prompt_version}")
    if info.prompt_tokens or info.completion_tokens:
        parts.append(f"{info.prompt_tokens}+{info.completion_tokens} tokens")
    if info.latency_ms:
        parts.append(info.latency_text)
    footer = [Text(" · ".join(parts), style="dim")]
    if info.fallback_reason:
        footer.append(Text(info.fallback_reason, style="yellow"))
    footer.extend(Text(f"note: {note}", style="dim") for note in grade.notes)
    console.print(Group(*footer))


def print_transcript(transcript: "Transcript", console: Console) -> None:
    """What was heard, as it is graded; the parts heard with low confidence are marked [? like this ?]."""
    subtitle = f"{transcript.engine}, {transcript.duration_s:.1f} s of audio"
    console.print(Panel(Text(transcript.marked_text()), title="Transcript", title_align="left", subtitle=subtitle))
    if transcript.unclear_parts:
        fix = "[? ... ?] was heard with low confidence. If it is wrong, fix the transcript and grade it with --answer."
        console.print(Text(fix, style="yellow"))


def print_delivery(insights: "DeliveryInsights", console: Console) -> None:
    """How it was said, kept apart from the content score as the app keeps it."""
    fillers = ", ".join(f"{f} ×{n}" for f, n in insights.fillers.items())
    figures = [
        f"speaking time {insights.speaking_time_s:.0f} s" if insights.speaking_time_s is not None else None,
        f"pace {insights.wpm:.0f} wpm" if insights.wpm is not None else None,
        f"fillers {insights.filler_count}" + (f" ({fillers})" if fillers else ""),
        f"long pauses {insights.long_pause_count}",
    ]
    lines = [Text(" · ".join(f for f in figures if f))]
    if insights.length_verdict:
        size = f"{insights.words} words (about {insights.expected_words} expected)"
        lines.append(Text(f"length: {insights.length_verdict}, {size}"))
    lines.extend(Text(f" • {tip}") for tip in insights.tips)
    subtitle = "how you said it; it does not change the score"
    console.print(Panel(Group(*lines), title="Delivery", title_align="left", subtitle=subtitle))
