"""`mockint eval` end to end: the real LLM grader against the real scripted HTTP server, the disk cache,
--compare, and the one-line errors of the command."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli.main import app
from scripted_openai import Reply, ScriptedOpenAIServer, chat_completion

DATA = Path(__file__).parent / "data"
DIMENSIONS = ("correctness", "completeness", "depth", "communication")
GRADE_REPLY = {
    "on_topic": True,
    # Every point of the fixture question's three is judged: a reply leaving one out is refused.
    "key_points": [{"n": n, "status": "partly" if n == 1 else "missed", "quotes": []} for n in (1, 2, 3)],
    "misconceptions": [],
    "feedback": "You named the idea but not why it works.",
    "model_answer": "A fuller answer.",
    "dimensions": {d: {"score": 2, "reason": "scripted"} for d in DIMENSIONS},
    "follow_up": "And at inference?",
}


def graded_by(model: str) -> Reply:
    """The scripted grade, reported (as servers do) as made by `model`: costs are the model's that replied."""
    return Reply(body=chat_completion(json.dumps(GRADE_REPLY), prompt_tokens=800, completion_tokens=120, model=model))


@pytest.fixture
def llm_env(monkeypatch):
    from mockint.config import get_settings

    server = ScriptedOpenAIServer(default=graded_by("gpt-4o-mini"))
    with server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-eval")
        monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(DATA / "eval_corpus"))
        get_settings.cache_clear()
        yield server


def run_eval(*args: str) -> dict:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--grader",
            "llm",
            "--no-baselines",
            "--no-progress",
            "--resamples",
            "100",
            "--data",
            str(DATA / "eval_small.jsonl"),
            *args,
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_llm_eval_records_errors_caches_and_compares(llm_env, tmp_path):
    # The first request fails (HTTP 500, no retries): that case is an error, never a score or a fallback.
    llm_env.enqueue(Reply(status=500, body={"error": {"message": "overloaded"}}))
    first = run_eval("--concurrency", "1", "--out", str(tmp_path / "one"))
    assert "llm:gpt-4o-mini:grade.v2" in first.output
    record = json.loads((tmp_path / "one" / "result.json").read_text())
    (system,) = record["systems"]
    cases = {c["id"]: c for c in system["result"]["cases"]}
    assert cases["dropout-01"]["predicted"] is None and "HTTP 500" in cases["dropout-01"]["error"]
    assert all(c["fallback_reason"] is None for c in cases.values())
    assert all(c["predicted"] is not None for k, c in cases.items() if k != "dropout-01")
    summary = system["summary"]
    assert (summary["errors"], summary["scored"], summary["cached"]) == (1, 14, 0)
    sent = len(llm_env.received())
    assert sent == 14  # 15 answers, one of them empty and never sent
    (cost,) = summary["costs"]
    assert cost["prompt_tokens"] == 13 * 800 and cost["usd"] == pytest.approx((13 * 800 * 0.15 + 13 * 120 * 0.6) / 1e6)
    body = llm_env.received()[1].json()
    assert body["model"] == "gpt-4o-mini"

    # A re-run is served from the cache, except the case that failed; --compare lists it as moved.
    run_eval("--concurrency", "4", "--out", str(tmp_path / "two"), "--compare", str(tmp_path / "one"))
    assert len(llm_env.received()) == sent + 1
    again = json.loads((tmp_path / "two" / "result.json").read_text())
    assert again["systems"][0]["summary"]["cached"] == 14
    assert again["systems"][0]["summary"]["costs"][0]["usd_this_run"] == pytest.approx((800 * 0.15 + 120 * 0.6) / 1e6)
    assert [m["id"] for m in again["comparison"]["moved"]] == ["dropout-01"]
    assert "## Compared with" in (tmp_path / "two" / "report.md").read_text()

    run_eval("--no-cache", "--out", str(tmp_path / "three"))
    assert len(llm_env.received()) == sent + 1 + 14


def test_price_override_and_unknown_model(llm_env, tmp_path, monkeypatch):
    from mockint.config import get_settings

    monkeypatch.setenv("MOCKINT_MODEL", "my-local-model")
    llm_env.default = graded_by("my-local-model")
    get_settings.cache_clear()
    run_eval("--limit", "2", "--out", str(tmp_path / "a"))
    report = (tmp_path / "a" / "report.md").read_text()
    assert "| my-local-model | 1600 | 240 | n/a | n/a |" in report
    run_eval("--limit", "2", "--no-cache", "--price", "my-local-model=1,2", "--out", str(tmp_path / "b"))
    assert "| my-local-model | 1600 | 240 | 0.0021 | 0.0021 |" in (tmp_path / "b" / "report.md").read_text()


def mockint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_malformed_data_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("question,reference,answer,score\nQ,R,A,lots\n", encoding="utf-8")
    proc = mockint(
        "eval",
        "--grader",
        "offline",
        "--no-baselines",
        "--data",
        str(bad),
        "--question-col",
        "question",
        "--reference-col",
        "reference",
        "--answer-col",
        "answer",
        "--score-col",
        "score",
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "bad.csv row 1 (line 2), column 'score': score 'lots' is not a number" in proc.stderr

    proc = mockint("eval", "--grader", "offline", "--data", str(DATA / "eval_table.csv"), cwd=tmp_path)
    assert proc.returncode == 1 and "--answer-col" in proc.stderr


def test_a_short_row_stops_the_run_instead_of_scoring_as_empty(tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("question,reference_answer,score,student_answer\nQ,R,1,A\nQ,R,0\nQ,R,0.5,B\n", encoding="utf-8")
    columns = ["--question-col", "question", "--reference-col", "reference_answer"]
    columns += ["--answer-col", "student_answer", "--score-col", "score"]
    proc = mockint("eval", "--grader", "offline", "--no-baselines", "--data", str(short), *columns, cwd=tmp_path)
    assert proc.returncode == 1 and "scored" not in proc.stdout
    assert "short.csv row 2 (line 3) has 3 cells; the header has 4" in proc.stderr


def test_a_semicolon_csv_is_graded(tmp_path):
    semi = tmp_path / "semi.csv"
    semi.write_text(
        "question;reference_answer;student_answer;score\n"
        "What is dropout?;Randomly zeroes units during training, a regulariser.;It zeroes units at random.;1\n"
        "What is dropout?;Randomly zeroes units during training, a regulariser.;It is a regulariser.;0,5\n",
        encoding="utf-8",
    )
    columns = ["--question-col", "question", "--reference-col", "reference_answer"]
    columns += ["--answer-col", "student_answer", "--score-col", "score"]
    args = ["eval", "--grader", "offline", "--no-baselines", "--no-progress", "--data", str(semi), *columns]
    proc = mockint(*args, "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "(2/2 scored, 0 errors" in proc.stdout
    record = json.loads((tmp_path / "run" / "result.json").read_text())
    assert [c["gold"] for c in record["systems"][0]["result"]["cases"]] == [5.0, 2.5]


def test_too_few_scored_answers_are_flagged_in_the_summary_and_the_report(tmp_path):
    # A 4-answer run printed "r=0.89 [-1.00, 1.00]" with nothing to say that 4 answers prove little.
    rows = [
        f"What is dropout?,Randomly zeroes units in training.,Answer {n} zeroes units.,{n % 5 / 4}" for n in range(16)
    ]
    table = tmp_path / "t.csv"
    table.write_text("question,reference_answer,student_answer,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    columns = ["--question-col", "question", "--reference-col", "reference_answer"]
    columns += ["--answer-col", "student_answer", "--score-col", "score"]
    args = ["eval", "--grader", "offline", "--no-baselines", "--no-progress", "--data", str(table), *columns]
    note = "Only 4 answers scored: too few for the agreement figures to mean much (under 16"
    few = CliRunner().invoke(app, [*args, "--limit", "4", "--out", str(tmp_path / "few")])
    assert few.exit_code == 0, few.output
    assert note in few.output and note in (tmp_path / "few" / "report.md").read_text()
    enough = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "enough")])
    assert enough.exit_code == 0, enough.output
    assert "too few" not in enough.output and "too few" not in (tmp_path / "enough" / "report.md").read_text()


def test_usage_errors(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--grader", "gpt"])
    assert result.exit_code == 2 and "choose offline or llm" in result.output
    result = CliRunner().invoke(app, ["eval", "--price", "gpt-4o=cheap"])
    assert result.exit_code == 2 and "MODEL=IN,OUT" in result.output
    result = CliRunner().invoke(app, ["eval", "--data", "x.csv", "--answer-col", "a"])
    assert result.exit_code == 2 and "all four" in result.output


@pytest.mark.slow
def test_offline_grader_and_baselines_side_by_side(tmp_path, monkeypatch):
    from mockint.config import get_settings

    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(DATA / "eval_corpus"))
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--grader",
            "offline",
            "--no-progress",
            "--resamples",
            "100",
            "--data",
            str(DATA / "eval_small.jsonl"),
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    record = json.loads((tmp_path / "run" / "result.json").read_text())
    systems = [s["summary"]["system"] for s in record["systems"]]
    assert systems[0].startswith("offline:") and systems[1:] == [
        "baseline:token-overlap",
        "baseline:tfidf-cosine",
        "baseline:embedding-cosine:all-MiniLM-L6-v2",
    ]
    offline = record["systems"][0]
    assert (offline["summary"]["scored"], offline["summary"]["errors"]) == (15, 0)
    empty = next(c for c in offline["result"]["cases"] if c["id"] == "vanish-05")
    assert empty["predicted"] == 0.0
    assert not list((tmp_path / "data" / "cache").rglob("*.json"))  # offline grades are not cached


def test_a_run_where_every_answer_fails_is_reported_and_exits_1(tmp_path):
    # An unreachable LLM left every answer unscored; a CI job reading only the exit code and stderr must see it.
    with socket.socket() as bound:  # bound, never listening: every connection is refused
        bound.bind(("127.0.0.1", 0))
        refused_url = f"http://127.0.0.1:{bound.getsockname()[1]}/v1"
        proc = _eval_against(refused_url, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "METRICS INVALID: 3 of 3 answers got no score" in proc.stdout
    assert "METRICS INVALID for llm:" in proc.stderr and "Fix the first error above" in proc.stderr
    assert (tmp_path / "run" / "report.md").is_file() and (tmp_path / "run" / "result.json").is_file()
    # --grader llm beats MOCKINT_GRADER: the hint names what works on this command line.
    assert "or use --grader offline." in proc.stdout and "MOCKINT_GRADER" not in proc.stdout


def _eval_against(base_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test", "MOCKINT_LLM_MAX_RETRIES": "0"}
    args = ["eval", "--grader", "llm", "--no-baselines", "--no-progress", "--no-cache", "--limit", "3"]
    return subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", *args, "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("concurrency", ["8", "1"])
def test_when_most_answers_time_out_the_advice_is_one_request_at_a_time_and_a_longer_deadline(tmp_path, concurrency):
    # A local server answering one request at a time: the parallel requests of an eval wait past their deadline.
    with ScriptedOpenAIServer(default=Reply(delay=5, body=chat_completion("{}"))) as server:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": server.base_url,
            "MOCKINT_LLM_MAX_RETRIES": "0",
            "MOCKINT_LLM_TIMEOUT": "0.5",
            "MOCKINT_LLM_DEADLINE": "1",
        }
        args = ["eval", "--grader", "llm", "--no-baselines", "--no-progress", "--no-cache", "--limit", "3"]
        proc = subprocess.run(
            [sys.executable, "-m", "mockint.cli.main", *args, "--concurrency", concurrency, "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
    assert proc.returncode == 1
    advice = " ".join(proc.stderr.split())
    assert "3 of 3 answers timed out" in advice and "raise MOCKINT_LLM_DEADLINE (now 1 s)" in advice
    assert ("run with --concurrency 1" in advice) == (concurrency == "8")
    assert "is the grader reachable" not in advice
