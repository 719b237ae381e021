"""Runs an evaluation end to end and writes it: result.json, report.md, scatter.png, confusion.png.

Also compares a run with an earlier one (`--compare`): metric deltas and the cases whose score moved.
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from mockint.errors import EvalDataError, MockintError
from mockint.evals import metrics
from mockint.evals.baselines import Baseline
from mockint.evals.data import ADVERSARIAL, LabelledCase
from mockint.evals.runner import Summary, SystemRun, disagreements, evaluate
from mockint.grading.grader import Grader

METRIC_LABELS = {
    "pearson": "Pearson r",
    "spearman": "Spearman ρ",
    "qwk": "QWK",
    "mae": "MAE",
    "rmse": "RMSE",
    "exact": "exact",
    "within_1": "within 1",
}


class MetricDelta(BaseModel):
    system: str
    metric: str
    before: float | None
    after: float | None
    delta: float | None


class MovedCase(BaseModel):
    system: str
    id: str
    gold: float
    before: float | None
    after: float | None


class Comparison(BaseModel):
    previous: str
    threshold: float
    deltas: list[MetricDelta]
    moved: list[MovedCase]
    # Answers graded in both runs, and how many the earlier run graded; None in results saved before they were kept.
    shared: int | None = None
    previous_cases: int | None = None

    def partial_note(self, n_cases: int) -> str | None:
        """Said when the runs graded different answers: their metric changes then mix in answers only one graded."""
        if self.shared is None or self.shared == n_cases == self.previous_cases:
            return None
        return (
            f"compared on the {self.shared} answers both runs graded ({n_cases} in this run, {self.previous_cases} in "
            f"{self.previous}): the metric changes are between runs on different answers"
        )


class RunRecord(BaseModel):
    label: str
    created: str
    data: str
    n_cases: int
    resamples: int
    seed: int
    systems: list[SystemRun]
    comparison: Comparison | None = None


# What `write_run` writes: a folder holding any of them holds a run.
RUN_FILES = ("result.json", "report.md", "scatter.png", "confusion.png")


def run_dir_for(root: Path, label: str, now: datetime | None = None) -> Path:
    """A new folder for a run, numbered when two runs of one label start within the same second (a script)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-") or "run"
    path, n = root / f"{stamp}-{slug}", 2
    while path.exists():
        path, n = root / f"{stamp}-{slug}-{n}", n + 1
    return path


def check_out_dir(out_dir: Path) -> None:
    """Refuses a folder that holds an earlier run: writing over it would lose the run a later --compare needs,
    and an LLM run cost time and money to make."""
    if out_dir.exists() and not out_dir.is_dir():
        raise MockintError(
            f"--out {out_dir} is a file, not a folder.",
            hint="Pass --out a new folder, or leave --out out for eval/runs/<timestamp>-<label>.",
        )
    held = [name for name in RUN_FILES if (out_dir / name).exists()]
    if held:
        raise MockintError(
            f"{out_dir} already holds an eval run ({', '.join(held)}), so nothing was graded.",
            hint=f"Pass --out a new folder, or delete the old run from {out_dir} first.",
        )


def load_record(path: Path) -> RunRecord:
    """An earlier run, given its folder or its result.json."""
    file = Path(path) / "result.json" if Path(path).is_dir() else Path(path)
    try:
        return RunRecord.model_validate_json(file.read_bytes())
    except FileNotFoundError:
        raise EvalDataError(
            f"{file} does not exist.", hint="Pass --compare an earlier eval/runs/<run> folder or its result.json."
        ) from None
    except ValidationError as exc:
        raise EvalDataError(
            f"{file} is not a mockint eval result ({exc.error_count()} problems).",
            hint="Pass --compare the result.json written by `mockint eval`.",
        ) from None


def graded_ids(record: RunRecord) -> set[str]:
    return {c.id for run in record.systems for c in run.result.cases}


def compare(record: RunRecord, previous: RunRecord, previous_label: str, threshold: float = 0.5) -> Comparison:
    """Metric deltas for systems in both runs, and cases whose score moved by more than `threshold`."""
    before = {s.summary.system: s for s in previous.systems}
    deltas, moved = [], []
    for run in record.systems:
        old = before.get(run.summary.system)
        if old is None:
            continue
        for name, estimate in run.summary.metrics.items():
            was = old.summary.metrics.get(name)
            was_value = was.value if was else None
            delta = estimate.value - was_value if estimate.value is not None and was_value is not None else None
            deltas.append(
                MetricDelta(system=run.summary.system, metric=name, before=was_value, after=estimate.value, delta=delta)
            )
        old_cases = {c.id: c for c in old.result.cases}
        for case in run.result.cases:
            prior = old_cases.get(case.id)
            if prior is None:
                continue
            a, b = prior.predicted, case.predicted
            if (a is None) != (b is None) or (a is not None and b is not None and abs(b - a) > threshold):
                moved.append(MovedCase(system=run.summary.system, id=case.id, gold=case.gold, before=a, after=b))
    moved.sort(key=lambda m: -abs((m.after or 0) - (m.before or 0)))
    return Comparison(
        previous=previous_label,
        threshold=threshold,
        deltas=deltas,
        moved=moved,
        shared=len(graded_ids(record) & graded_ids(previous)),
        previous_cases=previous.n_cases,
    )


def run_and_write(
    cases: Sequence[LabelledCase],
    graders: Sequence[Grader],
    baselines: Sequence[Baseline],
    *,
    label: str,
    data: str,
    out_dir: Path,
    concurrency: dict[str, int] | None = None,
    resamples: int = 1000,
    seed: int = 0,
    prices: dict[str, tuple[float, float]] | None = None,
    progress: bool = True,
    previous: Path | None = None,
    threshold: float = 0.5,
) -> RunRecord:
    """Grades `cases` with every grader and baseline, compares with `previous` if given, writes `out_dir`."""
    # Refused before a long run, not after it.
    check_out_dir(out_dir)
    earlier = load_record(previous) if previous is not None else None
    if earlier is not None and not {c.id for c in cases} & graded_ids(earlier):
        raise EvalDataError(
            f"{previous} graded other answers: none of this run's {len(cases)} answer ids is among its "
            f"{earlier.n_cases}, so there is nothing to compare.",
            hint="Pass --compare a run made on the same data (same --data and --id-col), or leave --compare out.",
        )
    runs = evaluate(
        cases,
        graders,
        baselines,
        concurrency=concurrency,
        progress=progress,
        resamples=resamples,
        seed=seed,
        prices=prices,
    )
    record = RunRecord(
        label=label, created=now_iso(), data=data, n_cases=len(cases), resamples=resamples, seed=seed, systems=runs
    )
    if earlier is not None:
        record.comparison = compare(record, earlier, str(previous), threshold)
    write_run(out_dir, record, {c.id: c.answer for c in cases})
    return record


def write_run(out_dir: Path, record: RunRecord, answers: dict[str, str]) -> Path:
    """Writes the run's files; `answers` (id -> text) feeds the excerpts of the worst disagreements."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(record.model_dump_json(indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(record, answers), encoding="utf-8")
    plot_scatter(record.systems, out_dir / "scatter.png")
    plot_confusion(record.systems, out_dir / "confusion.png")
    return out_dir


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _estimate(e: metrics.Estimate) -> str:
    if e.value is None:
        return "n/a"
    if e.low is None or e.high is None:
        return _num(e.value)
    return f"{e.value:.2f} [{e.low:.2f}, {e.high:.2f}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return [*lines, ""]


def _excerpt(text: str, width: int = 110) -> str:
    flat = " ".join(text.split())
    return (flat[: width - 1] + "…" if len(flat) > width else flat) or "(empty)"


def render_markdown(record: RunRecord, answers: dict[str, str]) -> str:
    summaries = [s.summary for s in record.systems]
    out = [
        f"# mockint eval: {record.label}",
        "",
        f"- Data: {record.data} ({record.n_cases} answers, gold on 0-5)",
        f"- Created: {record.created}",
        f"- Intervals: bootstrap 95% over answers, {record.resamples} resamples, seed {record.seed}",
        "",
        *(f"**METRICS INVALID for {s.system}: {s.invalid}.**\n" for s in summaries if s.invalid),
        "## Agreement with gold",
        "",
        "QWK and exact agreement round both scores to whole points (halves up); within 1 is |predicted - gold|"
        " <= 1 on the unrounded scores. Baselines are min-max rescaled over this run (see eval/README.md).",
        "",
    ]
    out += _table(
        ["system", "scored", "errors", *METRIC_LABELS.values()],
        [
            [
                s.system,
                str(s.scored),
                str(s.errors),
                *(("invalid" if s.invalid else _estimate(s.metrics[m])) for m in METRIC_LABELS),
            ]
            for s in summaries
        ],
    )
    out += [f"**{note}**\n" for note in [few_scored_note(summaries)] if note]
    out += _categories_section(summaries)
    out += _adversarial_section(summaries)
    out += _twins_section(summaries)
    out += [
        "## Latency, throughput and cost",
        "",
        "Latency counts only answers graded in this run (cache hits excluded).",
        "",
    ]
    out += _table(
        ["system", "latency p50 ms", "p95 ms", "wall s", "answers/s", "cached", "fallbacks"],
        [
            [
                s.system,
                _num(s.latency_p50_ms, 0),
                _num(s.latency_p95_ms, 0),
                _num(s.wall_seconds, 1),
                _num(s.answers_per_second, 1),
                str(s.cached),
                str(s.fallbacks),
            ]
            for s in summaries
        ],
    )
    costs = [(s.system, c) for s in summaries for c in s.costs]
    if costs:
        out += _table(
            ["system", "model", "prompt tokens", "completion tokens", "est. USD (uncached)", "est. USD this run"],
            [
                [name, c.model, str(c.prompt_tokens), str(c.completion_tokens), _num(c.usd, 4), _num(c.usd_this_run, 4)]
                for name, c in costs
            ],
        )
    out += _errors_section(record.systems)
    out += _disagreements_section(record.systems, answers)
    if record.comparison:
        out += _comparison_section(record.comparison, record.n_cases)
    return "\n".join(out)


def _categories_section(summaries: Sequence[Summary]) -> list[str]:
    cats = sorted({c.category for s in summaries for c in s.categories})
    if not cats:
        return []
    by = [{c.category: c for c in s.categories} for s in summaries]
    rows = []
    for cat in cats:
        first = next(b[cat] for b in by if cat in b)
        rows.append([cat, str(first.n), _num(first.gold), *(_num(b[cat].predicted) if cat in b else "n/a" for b in by)])
    return ["## Mean score per category", "", *_table(["category", "n", "gold", *(s.system for s in summaries)], rows)]


def _adversarial_section(summaries: Sequence[Summary]) -> list[str]:
    if not any(s.adversarial_n for s in summaries):
        return []
    cats = sorted(ADVERSARIAL)
    rows = [
        [
            s.system,
            str(s.adversarial_n),
            _pct(s.adversarial_pass_rate),
            *(_pct(s.adversarial_by_category.get(c)) for c in cats),
        ]
        for s in summaries
    ]
    return [
        "## Adversarial answers",
        "",
        "Pass = scored <= 1 (empty, keyword-stuffed, prompt-injection, copied-question).",
        "",
        *_table(["system", "n", "pass rate", *cats], rows),
    ]


def _twins_section(summaries: Sequence[Summary]) -> list[str]:
    rows = [
        [s.system, t.variant, str(t.pairs), _pct(t.rate), f"{t.mean_delta:+.2f}" if t.mean_delta is not None else "n/a"]
        for s in summaries
        for t in s.twins
    ]
    if not rows:
        return []
    return [
        "## Twin invariance",
        "",
        "Spoken twins pass within 0.5 of their clean twin; padded twins pass when not above it. delta = twin - clean.",
        "",
        *_table(["system", "variant", "pairs", "pass rate", "mean delta"], rows),
    ]


def _errors_section(systems: Sequence[SystemRun]) -> list[str]:
    failed = [(s.summary.system, c) for s in systems for c in s.result.cases if c.error]
    if not failed:
        return []
    lines = ["## Errors", "", "These answers got no score and are left out of the metrics.", ""]
    lines += [f"- {name} / {c.id}: {_excerpt(c.error or '', 200)}" for name, c in failed[:20]]
    if len(failed) > 20:
        lines.append(f"- … and {len(failed) - 20} more (see result.json)")
    return [*lines, ""]


def _disagreements_section(systems: Sequence[SystemRun], answers: dict[str, str]) -> list[str]:
    lines = ["## Worst disagreements", ""]
    for run in systems:
        if run.result.kind != "grader":
            continue
        worst = disagreements(run.result, top=10)
        lines += [f"### {run.summary.system}", ""]
        lines += _table(
            ["id", "category", "gold", "predicted", "verdict", "answer"],
            [
                [
                    c.id,
                    c.category or "",
                    _num(c.gold),
                    _num(c.predicted),
                    c.verdict or "",
                    _excerpt(answers.get(c.id, "")),
                ]
                for c in worst
            ],
        )
    return lines if len(lines) > 2 else []


def _comparison_section(comparison: Comparison, n_cases: int) -> list[str]:
    lines = [f"## Compared with {comparison.previous}", ""]
    if note := comparison.partial_note(n_cases):
        lines += [f"**Only {note}.**", ""]
    lines += ["Each cell: before -> after (change).", ""]
    cells: dict[str, dict[str, str]] = {}
    for d in comparison.deltas:
        change = f" ({d.delta:+.3f})" if d.delta is not None else ""
        cells.setdefault(d.system, {})[d.metric] = f"{_num(d.before)} -> {_num(d.after)}{change}"
    lines += _table(
        ["system", *METRIC_LABELS.values()],
        [[system, *(row.get(m, "n/a") for m in METRIC_LABELS)] for system, row in cells.items()],
    )
    lines += [f"{len(comparison.moved)} scores moved by more than {comparison.threshold}:", ""]
    lines += _table(
        ["system", "id", "gold", "before", "after"],
        [[m.system, m.id, _num(m.gold), _num(m.before), _num(m.after)] for m in comparison.moved[:50]],
    )
    return lines


def _figure(count: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(count, 3)
    rows = (count + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.0 * rows), squeeze=False)
    for ax in axes.ravel()[count:]:
        ax.set_visible(False)
    return plt, fig, axes.ravel()


def plot_scatter(systems: Sequence[SystemRun], path: Path) -> None:
    import numpy as np

    plt, fig, axes = _figure(max(len(systems), 1))
    rng = np.random.default_rng(0)
    for ax, run in zip(axes, systems, strict=False):
        scored = [c for c in run.result.cases if c.predicted is not None]
        gold = np.array([c.gold for c in scored])
        pred = np.array([c.predicted for c in scored])
        # Gold sits on a few values; a little horizontal jitter shows how many answers share each.
        ax.scatter(gold + rng.uniform(-0.08, 0.08, gold.size), pred, s=10, alpha=0.5)
        ax.plot([0, 5], [0, 5], color="grey", linewidth=1, linestyle="--")
        r = run.summary.metrics["pearson"].value
        ax.set_title(f"{run.summary.system}\nr = {_num(r)}", fontsize=9)
        ax.set(xlim=(-0.3, 5.3), ylim=(-0.3, 5.3), xlabel="gold", ylabel="predicted")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion(systems: Sequence[SystemRun], path: Path) -> None:
    import numpy as np

    plt, fig, axes = _figure(max(len(systems), 1))
    k = metrics.SCORE_BINS
    for ax, run in zip(axes, systems, strict=False):
        scored = [c for c in run.result.cases if c.predicted is not None]
        matrix = np.zeros((k, k), dtype=int)
        if scored:
            g = metrics.to_bins(np.array([c.gold for c in scored]))
            p = metrics.to_bins(np.array([c.predicted for c in scored]))
            np.add.at(matrix, (g, p), 1)
        ax.imshow(matrix, cmap="Blues", origin="lower")
        for (i, j), count in np.ndenumerate(matrix):
            if count:
                ax.text(
                    j,
                    i,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if count > matrix.max() / 2 else "black",
                )
        ax.set_title(f"{run.summary.system}\nQWK = {_num(run.summary.metrics['qwk'].value)}", fontsize=9)
        ax.set(xticks=range(k), yticks=range(k), xlabel="predicted (rounded)", ylabel="gold (rounded)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def few_scored_note(summaries: Sequence[Summary]) -> str | None:
    """One warning for the run when a system scored too few answers for its agreement figures to mean much."""
    valid = [s for s in summaries if not s.invalid]
    if not valid:
        return None
    fewest = min(valid, key=lambda s: s.scored)
    if fewest.scored >= metrics.FEW_SCORED:
        return None
    by = "" if all(s.scored == fewest.scored for s in valid) else f" by {fewest.system}"
    return (
        f"Only {fewest.scored} answers scored{by}: too few for the agreement figures to mean much (under "
        f"{metrics.FEW_SCORED}, even r = {metrics.MODERATE_R} may be chance). Grade more answers."
    )


def console_summary(record: RunRecord) -> str:
    """A few lines per system for the terminal; the report has the rest."""
    lines = []
    for run in record.systems:
        s, m = run.summary, run.summary.metrics
        adversarial = f", adversarial pass {_pct(s.adversarial_pass_rate)}" if s.adversarial_n else ""
        if s.invalid:
            first = next((c.error for c in run.result.cases if c.error), "")
            lines.append(f"{s.system}: METRICS INVALID: {s.invalid}. First error: {first}")
            continue
        lines.append(
            f"{s.system}: r={_estimate(m['pearson'])} QWK={_num(m['qwk'].value)} MAE={_num(m['mae'].value)} "
            f"({s.scored}/{s.n} scored, {s.errors} errors{adversarial}, {s.wall_seconds:.1f}s)"
        )
    if note := few_scored_note([run.summary for run in record.systems]):
        lines.append(note)
    if record.comparison:
        note = record.comparison.partial_note(record.n_cases)
        lines.append(
            f"{len(record.comparison.moved)} scores moved by more than {record.comparison.threshold} "
            f"since {record.comparison.previous}" + (f" (only {note})" if note else "")
        )
    return "\n".join(lines)
