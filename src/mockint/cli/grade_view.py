"""A Grade rendered for the terminal with rich: score, verdict, dimension bars, the rubric with the
candidate's own words as evidence, misconceptions, feedback, model answer, follow-up, grader line."""

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mockint.types.grade import SCORE_MAX, Coverage, Grade, Verdict

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
