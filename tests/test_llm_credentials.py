"""Credentials in OPENAI_BASE_URL (`http://user:KEY@host/v1`, `?api-key=KEY`) never leave the process: not in
CLI errors, the JSON fallback_reason, -v logs, an eval's report.md/result.json, nor the history database.
Configuration errors are one line; with fallback on, the offline grade is labelled with the reason."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mockint.cli.main import app
from mockint.config import get_settings
from mockint.errors import LLMError
from mockint.grading.cache import CachedGrader
from mockint.grading.factory import build_grader
from mockint.grading.grader import Grader
from mockint.history.database import History
from mockint.practice.interview import InterviewSession, PracticeSetup
from mockint.types.grade import Dimensions, DimensionScore, Grade, GraderInfo, GradingItem, Verdict
from scripted_openai import Reply, ScriptedOpenAIServer

KEY = "sk-live-SECRET-5a4b3c2d1e"
DATA = Path(__file__).parent / "data"
ANSWER = "Dropout randomly switches off neurons while training, so units cannot co-adapt and it overfits less."


def with_key(base_url: str) -> str:
    return base_url.replace("http://", f"http://me:{KEY}@")


def mockint(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MOCKINT_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**clean, "MOCKINT_DATA_DIR": str(cwd / "data"), **env},
    )


def test_mistyped_base_url_is_one_line_without_the_key(tmp_path):
    env = {"OPENAI_BASE_URL": f"http://me:{KEY}@localhost:11434x/v1?api-key={KEY}", "MOCKINT_FALLBACK_OFFLINE": "false"}
    proc = mockint("grade", "--grader", "llm", "-q", "what-is-dropout", "-a", ANSWER, env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "is not a valid server address" in proc.stderr and "OPENAI_BASE_URL" in proc.stderr
    assert KEY not in proc.stderr + proc.stdout


@pytest.mark.slow
def test_mistyped_base_url_with_fallback_grades_offline_and_says_why(tmp_path):
    env = {"OPENAI_BASE_URL": f"http://me:{KEY}@localhost:11434x/v1", "MOCKINT_FALLBACK_OFFLINE": "true"}
    proc = mockint("grade", "--grader", "llm", "-q", "what-is-dropout", "-a", ANSWER, "--json", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    grade = Grade.model_validate_json(proc.stdout)
    assert grade.grader.kind == "offline"
    assert "not a valid server address" in grade.grader.fallback_reason
    assert KEY not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_verbose_logs_and_the_json_fallback_reason_hold_no_key(tmp_path):
    failing = Reply(status=500, body={"error": {"message": f"upstream at http://me:{KEY}@10.0.0.1/v1 failed"}})
    with ScriptedOpenAIServer(default=failing) as server:
        env = {
            "OPENAI_BASE_URL": with_key(server.base_url),
            "OPENAI_API_KEY": KEY,
            # No retries, so the first 500 is the reason; a deadline a loaded machine cannot hit first.
            "MOCKINT_LLM_MAX_RETRIES": "0",
            "MOCKINT_LLM_DEADLINE": "60",
            "MOCKINT_FALLBACK_OFFLINE": "true",
        }
        args = ("-v", "grade", "--grader", "llm", "-q", "what-is-dropout", "-a", ANSWER, "--json")
        proc = mockint(*args, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    grade = Grade.model_validate_json(proc.stdout)
    assert grade.grader.fallback_reason and "500" in grade.grader.fallback_reason
    assert "DEBUG" in proc.stderr and "127.0.0.1" in proc.stderr  # the logs were on, and name the server
    assert KEY not in proc.stdout and KEY not in proc.stderr


def test_failed_eval_is_invalid_exits_1_and_its_files_hold_no_key(tmp_path, monkeypatch):
    failing = Reply(status=500, body={"error": {"message": "down"}})
    with ScriptedOpenAIServer(default=failing) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", with_key(server.base_url))
        monkeypatch.setenv("MOCKINT_LLM_DEADLINE", "1")
        monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(DATA / "eval_corpus"))
        get_settings.cache_clear()
        out = tmp_path / "run"
        result = CliRunner().invoke(
            app,
            ["eval", "--grader", "llm", "--no-baselines", "--no-progress", "--resamples", "100", "--no-cache",
             "--data", str(DATA / "eval_small.jsonl"), "--out", str(out)],
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "METRICS INVALID" in result.output and KEY not in result.output
    report = (out / "report.md").read_text()
    assert "METRICS INVALID" in report and KEY not in report
    record = (out / "result.json").read_text()
    assert KEY not in record
    (run,) = json.loads(record)["systems"]
    assert run["summary"]["invalid"] and run["summary"]["errors"] > 0.1 * run["summary"]["n"]


class _OneQuestion:
    def __init__(self) -> None:
        from mockint.doors.bank_files import load_bank

        self.question = load_bank().get("what-is-dropout")

    def get(self, question_id):
        return self.question

    def sample_next(self, *, exclude_ids, **_):
        return None if self.question.id in exclude_ids else self.question


@pytest.mark.parametrize("fallback", [False, True])
def test_history_database_holds_no_key(fallback, monkeypatch):
    failing = Reply(status=401, body={"error": {"message": f"bad key for http://me:{KEY}@host/v1"}})
    with ScriptedOpenAIServer(default=failing) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", with_key(server.base_url))
        monkeypatch.setenv("MOCKINT_FALLBACK_OFFLINE", str(fallback).lower())
        get_settings.cache_clear()
        settings = get_settings()
        grader = build_grader(settings) if not fallback else build_grader(settings, embedder=_embedder())
        history = History.from_settings()
        session = InterviewSession(
            PracticeSetup(length=1),
            source=_OneQuestion(),
            grader=grader,
            history=history,
            follow_up_item=lambda q: GradingItem(question=q.follow_up, reference_answer=q.explanation),
            rng=random.Random(0),
        )
        session.current_question()
        if fallback:
            grade = session.submit_answer(ANSWER)
            assert "refused the credentials" in grade.grader.fallback_reason
        else:
            with pytest.raises(LLMError, match="refused the credentials"):
                session.submit_answer(ANSWER)
    (attempt,) = history.attempts(session_id=session.session_id)
    assert attempt.status == ("graded" if fallback else "failed")
    assert KEY.encode() not in settings.history_db.read_bytes()


def _embedder():
    from mockint.doors.embeddings import shared_local_embedder

    return shared_local_embedder()


class _EndpointGrader(Grader):
    name = "llm:same-model:grade.v1"

    def __init__(self, endpoint: str, mode: str) -> None:
        self.endpoint, self.mode, self.calls = endpoint, mode, 0

    def grade(self, item: GradingItem, answer: str, on_feedback=None) -> Grade:
        self.calls += 1
        dim = DimensionScore(score=3, reason="r")
        return Grade(
            score=3,
            verdict=Verdict.partial,
            dimensions=Dimensions(correctness=dim, completeness=dim, depth=dim, communication=dim),
            feedback="f",
            model_answer="m",
            grader=GraderInfo(kind="llm", model="same-model", endpoint=self.endpoint, output_mode=self.mode),
        )


def test_cache_is_scoped_by_endpoint_and_output_mode(tmp_path):
    item = GradingItem(question="Q?", reference_answer="R.")
    first = _EndpointGrader("http://a:1/v1", "json_schema")
    CachedGrader(first, tmp_path, scopes=lambda: ["http://a:1/v1|json_schema"]).grade(item, "x")
    other_server = _EndpointGrader("http://b:2/v1", "json_schema")
    CachedGrader(other_server, tmp_path, scopes=lambda: ["http://b:2/v1|json_schema"]).grade(item, "x")
    assert other_server.calls == 1  # same model name, another server: a miss
    same = _EndpointGrader("http://a:1/v1", "json_schema")
    _, cached = CachedGrader(same, tmp_path, scopes=lambda: ["http://a:1/v1|json_schema"]).grade_traced(item, "x")
    assert cached and same.calls == 0
    other_mode = _EndpointGrader("http://a:1/v1", "plain")
    CachedGrader(other_mode, tmp_path, scopes=lambda: ["http://a:1/v1|plain"]).grade(item, "x")
    assert other_mode.calls == 1  # asked another way: a miss
