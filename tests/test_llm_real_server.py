"""The LLM grader end to end against a real OpenAI-compatible server (llama-cpp-python + Gemma 3 270M,
tests/llama_server.py): the CLI, a streamed feedback through the interview flow the app drives, and an eval.

llama-cpp-python's server answers `response_format: json_schema` with HTTP 500 naming response_format, so
every request here ends in JSON mode with the schema beside it. A 270M model cannot grade: it copied grade.v1's
example reply ("..." everywhere, one key point) and, without one, writes fragments of the prompt. So a grade here
is the LLM's only if its reply judged every rubric point in words; otherwise it is the offline grade labelled
with why (or, in an eval, which has no fallback, an error saying so) - never a transport failure.
"""

import json
import random

import pytest
from typer.testing import CliRunner

from mockint.cli.main import app
from mockint.config import get_settings
from mockint.doors.bank_files import load_bank
from mockint.doors.llm import CAPABILITIES, public_endpoint
from mockint.grading.factory import build_grader
from mockint.history.database import History
from mockint.practice.interview import InterviewSession, PracticeSetup
from mockint.types.grade import Grade, GradingItem

pytestmark = pytest.mark.slow

ANSWER = (
    "Dropout randomly zeroes units during training so the network cannot rely on any single unit; "
    "at inference all units are used and activations are scaled."
)
EXPECTED_MODE = "json_object_schema"
UNUSABLE = "did not return a usable grade"


@pytest.fixture
def real_llm(llama_server_url, monkeypatch):
    from llama_server import CONTEXT_TOKENS, MODEL_ALIAS

    monkeypatch.setenv("OPENAI_BASE_URL", llama_server_url)
    monkeypatch.setenv("MOCKINT_MODEL", MODEL_ALIAS)
    monkeypatch.setenv("MOCKINT_LLM_CONTEXT_TOKENS", str(CONTEXT_TOKENS))
    # A 270M model on two shared CPU cores takes up to a minute or so per grade; the default 45 s deadline is
    # for a user's interactive wait, not for a loaded CI machine.
    monkeypatch.setenv("MOCKINT_LLM_DEADLINE", "600")
    monkeypatch.setenv("MOCKINT_LLM_TIMEOUT", "600")
    # On, so that a grade without the fallback label really came from the LLM.
    monkeypatch.setenv("MOCKINT_FALLBACK_OFFLINE", "true")
    get_settings.cache_clear()
    yield llama_server_url
    get_settings.cache_clear()


def assert_graded_through_the_server(grade: Grade, url: str) -> None:
    """The server was asked in JSON mode with the schema beside it; the grade is the LLM's, or labelled unusable."""
    from llama_server import MODEL_ALIAS

    assert CAPABILITIES.get((public_endpoint(url), MODEL_ALIAS)).output_mode == EXPECTED_MODE
    if grade.grader.fallback_reason is None:
        assert grade.grader.kind == "llm" and grade.grader.output_mode == EXPECTED_MODE and grade.grader.endpoint == url
        assert grade.grader.completion_tokens > 0
    else:
        assert grade.grader.kind == "offline" and UNUSABLE in grade.grader.fallback_reason


def test_cli_grade_against_a_real_server(real_llm):
    result = CliRunner().invoke(app, ["grade", "--grader", "llm", "-q", "what-is-dropout", "-a", ANSWER, "--json"])
    assert result.exit_code == 0, result.output
    grade = Grade.model_validate_json(result.stdout)
    assert_graded_through_the_server(grade, real_llm)


class _OneQuestion:
    """The interview's question source, reduced to one bank question."""

    def __init__(self, question_id: str) -> None:
        self.question = load_bank().get(question_id)

    def get(self, question_id):
        return self.question

    def sample_next(self, *, exclude_ids, **_):
        return None if self.question.id in exclude_ids else self.question


def test_streamed_feedback_through_the_interview_flow(real_llm):
    history = History.from_settings()
    session = InterviewSession(
        PracticeSetup(length=1),
        source=_OneQuestion("what-is-dropout"),
        grader=build_grader(get_settings()),
        history=history,
        follow_up_item=lambda q: GradingItem(question=q.follow_up, reference_answer=q.explanation),
        rng=random.Random(0),
    )
    session.current_question()
    shown: list[str] = []
    grade = session.submit_answer(ANSWER, on_feedback=shown.append)
    assert_graded_through_the_server(grade, real_llm)
    assert shown and shown[-1] == grade.feedback
    attempts = history.attempts(session_id=session.session_id)
    assert [a.status for a in attempts] == ["graded"]


def test_eval_of_four_answers_against_a_real_server(real_llm, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["eval", "--grader", "llm", "--limit", "4", "--no-baselines", "--no-progress", "--concurrency", "1",
         "--resamples", "100", "--no-cache", "--out", str(out)],
    )  # fmt: skip
    record = json.loads((out / "result.json").read_text())
    (run,) = record["systems"]
    assert run["summary"]["n"] == 4 and run["summary"]["fallbacks"] == 0
    # Every case is a grade of the LLM's or an error saying its reply was no grade; the run is invalid (exit 1)
    # exactly when too many are errors.
    for case in run["result"]["cases"]:
        assert (case["predicted"] is not None and case["model"]) or UNUSABLE in case["error"], case
    assert result.exit_code == (0 if run["summary"]["invalid"] is None else 1), result.output
