"""The fault matrix (tests/llm_faults.py) against real loopback HTTP servers: every case ends as a user
would want (an LLM grade that code checked, or the offline grade labelled as a fallback), within a small
deadline, and no credential of the endpoint shows anywhere."""

import json
import threading

import pytest

from llm_faults import FAULTS, ITEM, KEY, grade_reply, run_fault
from mockint.config import Settings, strip_credentials
from mockint.doors.llm import LLMClient
from mockint.grading.llm.grader import LLMGrader
from scripted_openai import Reply, ScriptedOpenAIServer, chat_completion

DEADLINE = 3.0  # seconds: small, so the slow faults (hang, trickle, 500 forever) finish quickly


@pytest.fixture(scope="module")
def embedder():
    from mockint.doors.embeddings import shared_local_embedder

    return shared_local_embedder()


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_ends_as_the_user_wants(fault, embedder):
    outcome = run_fault(fault, deadline=DEADLINE, embedder=embedder)
    assert outcome.grade is not None, outcome.error
    grade = outcome.grade
    if fault.expect == "llm":
        assert not outcome.fell_back, grade.grader.fallback_reason
        assert grade.grader.kind == "llm" and grade.grader.output_mode == "json_schema"
    else:
        assert outcome.fell_back and grade.grader.fallback_reason.startswith("Graded offline because")
        assert grade.grader.kind == "offline"
        assert fault.says in grade.grader.fallback_reason and "\n" not in grade.grader.fallback_reason
    if fault.max_score is not None:
        assert grade.score <= fault.max_score
    if fault.stream:
        assert outcome.streamed and outcome.streamed[-1] == grade.feedback
    assert "11/5" not in grade.feedback and "Perfect" not in grade.feedback
    assert KEY not in grade.model_dump_json() and KEY not in outcome.seen()


def test_stripping_credentials_from_urls_in_any_text():
    text = (
        "failed at http://bob:hunter2@host:8080/v1/chat (see https://h/v1?api-key=abc&x=1&access_token=t#f) "
        "and postgres://u:p@db/x"
    )
    clean = strip_credentials(text)
    for secret in ("bob", "hunter2", "abc", "=t#", "u:p@"):
        assert secret not in clean
    assert "http://host:8080/v1/chat" in clean and "x=1" in clean and "api-key=[redacted]" in clean


def test_32_threads_share_what_the_endpoint_accepts(monkeypatch):
    """A server that refuses json_schema and the schema beside json_object: every one of 32 concurrent grades
    steps down safely (no thread sends a format another thread already saw refused, after it learnt it),
    and every grade is the LLM's, made in JSON mode."""

    def respond(received):
        fmt = received.json().get("response_format") or {}
        if fmt.get("type") == "json_schema" or "schema" in fmt:
            return Reply(status=500, body={"detail": [{"loc": ["body", "response_format", "type"]}]})
        return Reply(body=chat_completion(grade_reply()))

    with ScriptedOpenAIServer(respond=respond) as server:
        client = LLMClient(server.base_url, None, "scripted-model", timeout=10, max_retries=0, deadline=60)
        grader = LLMGrader(client, settings=Settings())
        grades, errors = [], []
        barrier = threading.Barrier(32)

        def work() -> None:
            barrier.wait()
            try:
                grades.append(grader.grade(ITEM, "Dropout randomly switches off a fraction of the neurons."))
            except Exception as exc:  # collected: the assertion below names it
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[:3]
        assert len(grades) == 32
        assert {g.grader.output_mode for g in grades} == {"json_object"}
        assert client.response_format_mode == "json_object"
        formats = [json.dumps(r.json().get("response_format")) for r in server.received()]
        # Each thread was refused at most once per rung above JSON mode: at most 32 * 2 refusals.
        refused = sum('"json_schema"' in f or '"schema"' in f for f in formats)
        assert refused <= 64 and formats.count('{"type": "json_object"}') == 32
        sent = len(server.received())
        grader.grade(ITEM, "Dropout randomly switches off a fraction of the neurons.")
        assert len(server.received()) == sent + 1  # learnt once, for every later grade
