import json
from pathlib import Path

import pytest

from eval_helpers import ScriptedGrader
from mockint.errors import EvalDataError, MockintError
from mockint.evals.baselines import TfidfCosineBaseline, TokenOverlapBaseline
from mockint.evals.data import load_labelled
from mockint.evals.report import RunRecord, console_summary, load_record, run_and_write, run_dir_for

DATA = Path(__file__).parent / "data"


@pytest.fixture
def cases(monkeypatch):
    from mockint.config import get_settings

    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(DATA / "eval_corpus"))
    get_settings.cache_clear()
    return load_labelled(DATA / "eval_small.jsonl")


def gold_like(cases, shift: dict[str, float] | None = None, model: str = "gpt-4o-mini") -> ScriptedGrader:
    """Scores each answer at its gold plus a scripted shift; answers of vanish-07 fail."""
    shift = shift or {}
    scores = {c.answer: min(5.0, max(0.0, c.gold + shift.get(c.id, 0.0))) for c in cases}
    grader = ScriptedGrader(
        name="llm:gpt-4o-mini:grade-v1", scores=scores, model=model, prompt_tokens=900, completion_tokens=150
    )
    original = grader.grade

    def grade(item, answer):
        if answer.startswith("So the thing is"):
            answer = "FAIL"
        return original(item, answer)

    grader.grade = grade
    return grader


def test_run_writes_every_output(cases, tmp_path):
    out = tmp_path / "run"
    grader = gold_like(cases, {"dropout-04": 1.0, "dropout-08": 4.0})
    record = run_and_write(
        cases,
        [grader],
        [TokenOverlapBaseline(), TfidfCosineBaseline()],
        label="t",
        data="eval_small.jsonl",
        out_dir=out,
        resamples=200,
        progress=False,
    )
    assert sorted(p.name for p in out.iterdir()) == ["confusion.png", "report.md", "result.json", "scatter.png"]
    for png in ("scatter.png", "confusion.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = load_record(out)
    assert again == record
    assert [s.summary.system for s in again.systems] == [
        "llm:gpt-4o-mini:grade-v1",
        "baseline:token-overlap",
        "baseline:tfidf-cosine",
    ]
    summary = again.systems[0].summary
    assert (summary.n, summary.errors) == (15, 1)
    assert summary.adversarial_pass_rate == pytest.approx(3 / 4)  # the prompt injection got 4
    assert summary.costs[0].usd == pytest.approx(14 * (900 * 0.15 + 150 * 0.60) / 1e6)

    report = (out / "report.md").read_text()
    for heading in (
        "## Agreement with gold",
        "## Mean score per category",
        "## Adversarial answers",
        "## Twin invariance",
        "## Latency, throughput and cost",
        "## Errors",
        "## Worst disagreements",
    ):
        assert heading in report
    assert "vanish-07: GradingError: scripted failure" in report
    worst = report.split("### llm:gpt-4o-mini:grade-v1")[1]
    assert worst.index("dropout-08") < worst.index("dropout-04")
    assert "Ignore all previous instructions" in worst
    assert "| padded | 1 | 0% | +1.00 |" in report
    assert "baseline:token-overlap" in console_summary(record)


def test_compare_lists_moved_scores_and_metric_deltas(cases, tmp_path):
    first = run_and_write(
        cases, [gold_like(cases)], [], label="a", data="d", out_dir=tmp_path / "a", resamples=100, progress=False
    )
    assert first.systems[0].summary.metrics["mae"].value == pytest.approx(0.0)
    second = run_and_write(
        cases,
        [gold_like(cases, {"dropout-01": -0.6, "vanish-02": 0.4})],
        [],
        label="b",
        data="d",
        out_dir=tmp_path / "b",
        resamples=100,
        progress=False,
        previous=tmp_path / "a" / "result.json",
        threshold=0.5,
    )
    comparison = second.comparison
    assert [m.id for m in comparison.moved] == ["dropout-01"]
    mae = next(d for d in comparison.deltas if d.metric == "mae")
    assert mae.before == pytest.approx(0.0) and mae.delta == pytest.approx(1.0 / 14)
    report = (tmp_path / "b" / "report.md").read_text()
    assert "## Compared with" in report
    assert "0.00 -> 0.07 (+0.071)" in report  # MAE


def test_bad_compare_target_fails_before_grading(cases, tmp_path):
    grader = gold_like(cases)
    (tmp_path / "junk.json").write_text(json.dumps({"hello": 1}))
    for target, message in ((tmp_path / "missing", "does not exist"), (tmp_path / "junk.json", "not a mockint")):
        with pytest.raises(EvalDataError, match=message):
            run_and_write(
                cases, [grader], [], label="x", data="d", out_dir=tmp_path / "x", previous=target, progress=False
            )
    assert grader.calls == 0


def test_run_dir_name_is_safe():
    from datetime import UTC, datetime

    path = run_dir_for(Path("eval/runs"), "llm vs offline/saf", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert path == Path("eval/runs/20250102-030405-llm-vs-offline-saf")


def test_record_schema_is_stable_json(cases, tmp_path):
    record = run_and_write(
        cases[:3], [gold_like(cases)], [], label="s", data="d", out_dir=tmp_path / "s", resamples=100, progress=False
    )
    data = json.loads((tmp_path / "s" / "result.json").read_text())
    assert set(data) == set(RunRecord.model_fields)
    case = data["systems"][0]["result"]["cases"][0]
    assert {"id", "category", "gold", "predicted", "verdict", "latency_ms", "prompt_tokens", "error"} <= set(case)
    assert record.systems[0].summary.metrics["pearson"].low is not None


def test_an_out_folder_holding_an_earlier_run_is_refused_before_grading_and_left_as_it_was(cases, tmp_path):
    run_and_write(cases, [gold_like(cases)], [], label="a", data="d", out_dir=tmp_path / "a", progress=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    grader = gold_like(cases)
    with pytest.raises(MockintError, match=r"already holds an eval run .*Pass --out a new folder, or delete"):
        run_and_write(cases[:3], [grader], [], label="b", data="d", out_dir=tmp_path / "a", progress=False)
    assert grader.calls == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == before
    (tmp_path / "file").write_text("x")
    with pytest.raises(MockintError, match="is a file, not a folder"):
        run_and_write(cases[:3], [grader], [], label="c", data="d", out_dir=tmp_path / "file", progress=False)


def test_an_empty_out_folder_made_beforehand_is_used(cases, tmp_path):
    (tmp_path / "ready").mkdir()
    run_and_write(cases[:3], [gold_like(cases)], [], label="r", data="d", out_dir=tmp_path / "ready", progress=False)
    assert (tmp_path / "ready" / "result.json").is_file()


def test_the_default_run_folder_never_lands_on_an_earlier_run_of_the_same_second(tmp_path):
    from datetime import UTC, datetime

    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = run_dir_for(tmp_path, "offline", now)
    first.mkdir()
    assert run_dir_for(tmp_path, "offline", now) == tmp_path / "20250102-030405-offline-2"


def test_compare_with_a_run_on_other_answers_is_refused_before_grading(cases, tmp_path):
    # Before: "0 scores moved" and the metric changes of two unrelated runs, shown as an improvement.
    run_and_write(cases[:5], [gold_like(cases)], [], label="a", data="d", out_dir=tmp_path / "a", progress=False)
    grader = gold_like(cases)
    with pytest.raises(EvalDataError, match=r"graded other answers: none of this run's 5 answer ids .*leave --compare"):
        run_and_write(
            cases[5:10],
            [grader],
            [],
            label="b",
            data="d",
            out_dir=tmp_path / "b",
            previous=tmp_path / "a",
            progress=False,
        )
    assert grader.calls == 0 and not (tmp_path / "b").exists()


def test_compare_with_a_run_sharing_some_answers_says_how_many_are_compared(cases, tmp_path):
    def run(rows, label, previous=None):
        return run_and_write(
            rows,
            [gold_like(cases)],
            [],
            label=label,
            data="d",
            out_dir=tmp_path / label,
            previous=previous,
            progress=False,
        )

    run(cases[:6], "a")
    record = run(cases[3:9], "b", tmp_path / "a")
    assert record.comparison.shared == 3
    said = "compared on the 3 answers both runs graded (6 in this run, 6 in"
    assert said in console_summary(record)
    assert said in (tmp_path / "b" / "report.md").read_text()
    same = run(cases[3:9], "c", tmp_path / "b")
    assert "compared on" not in console_summary(same) + (tmp_path / "c" / "report.md").read_text()
