"""`mockint grade` end to end: a small bank on disk, the LLM grader against the scripted HTTP server."""

import json
import os
import subprocess
import sys

import pytest
import soundfile
from typer.testing import CliRunner

from conftest import require_system_tool
from mockint.cli.main import app
from mockint.config import get_settings
from mockint.doors.bank_files import dump_questions, load_bank
from mockint.speech.transcription import speak
from mockint.types.grade import Grade, Verdict
from mockint.types.question import Question
from scripted_openai import Reply, ScriptedOpenAIServer

QUESTION = Question(
    id="what-is-dropout",
    question="What is dropout?",
    answer="Dropout randomly disables units during training to reduce overfitting.",
    explanation="It stops neurons from co-adapting, much like training an ensemble of thinner networks.",
    follow_up="Is dropout used during inference?",
    key_points=["Randomly disables units during training", "Reduces overfitting by preventing co-adaptation"],
    topic="deep-learning",
    type="conceptual",
    difficulty="easy",
)
ANSWER = "Dropout randomly switches off neurons while training, so units cannot co-adapt and it overfits less."
REPLY = json.dumps(
    {
        "on_topic": True,
        "key_points": [
            {"n": 1, "status": "covered", "quotes": ["randomly switches off neurons while training"]},
            {"n": 2, "status": "partly", "quotes": ["units cannot co-adapt and it overfits less"]},
        ],
        "misconceptions": [],
        "feedback": "You named the mechanism; say why co-adaptation hurts generalisation.",
        "model_answer": "Dropout randomly switches off neurons while training so they cannot co-adapt.",
        "dimensions": {
            k: {"score": 4, "reason": f"{k} is fine"} for k in ("correctness", "completeness", "depth", "communication")
        },
        "follow_up": "What happens to dropout at inference?",
    }
)


@pytest.fixture
def server(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "deep-learning.yaml").write_text(dump_questions([QUESTION]), encoding="utf-8")
    with ScriptedOpenAIServer() as s:
        monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(corpus))
        monkeypatch.setenv("OPENAI_BASE_URL", s.base_url)
        monkeypatch.setenv("MOCKINT_FALLBACK_OFFLINE", "false")
        monkeypatch.setenv("MOCKINT_LLM_TIMEOUT", "2")
        get_settings.cache_clear()
        yield s


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["grade", *args], input=input, catch_exceptions=False)


def test_prints_the_rubric_feedback(server):
    server.enqueue(REPLY)
    result = run("--question", "what-is-dropout", "--answer", ANSWER, "--grader", "llm")
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "Score 3.8/5",
        "GOOD",
        "completeness",
        'you said: "randomly switches off neurons while training"',
        "Feedback",
        "say why co-adaptation hurts",
        "Model answer",
        "Follow-up: What happens to dropout",
        "llm grader",
        "prompt grade.v2",
    ):
        assert expected in out, expected


def test_json_output_is_the_grade(server):
    server.enqueue(REPLY)
    result = run("-q", "what-is-dropout", "-a", ANSWER, "--json")
    grade = Grade.model_validate_json(result.output)
    assert grade.verdict is Verdict.good and grade.score == 3.8
    assert grade.key_points[0].evidence == "randomly switches off neurons while training"


def test_answer_from_stdin(server):
    server.enqueue(REPLY)
    result = run("-q", "what-is-dropout", "-a", "-", "--json", input=ANSWER + "\n")
    assert Grade.model_validate_json(result.output).score == 3.8
    assert ANSWER in server.received()[0].json()["messages"][1]["content"]


def test_unknown_grader_is_a_usage_error(server):
    result = CliRunner().invoke(app, ["grade", "-q", "what-is-dropout", "-a", ANSWER, "--grader", "gpt"])
    assert result.exit_code == 2 and "choose offline or llm" in result.output


def test_empty_answer_and_unknown_question_are_one_line_errors(server):
    env = {**os.environ}
    empty = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "-a", "-"],
        input="  \n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert empty.returncode == 1
    assert "Nothing to grade: stdin was empty" in empty.stderr and "--answer -" in empty.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropot", "-a", ANSWER],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 1
    assert "No question with id 'what-is-dropot'" in unknown.stderr and "what-is-dropout" in unknown.stderr
    assert "Traceback" not in empty.stderr + unknown.stderr
    assert server.received() == []


def test_a_question_id_is_found_in_any_case_and_a_near_miss_in_capitals_gets_a_guess(server):
    server.enqueue(REPLY)
    found = run("-q", "WHAT-IS-Dropout", "-a", ANSWER, "--json")
    assert found.exit_code == 0 and Grade.model_validate_json(found.output).score == 3.8
    for near_miss in ("what-is-dropuot", "WHAT-IS-DROPUOT"):
        missed = CliRunner().invoke(app, ["grade", "-q", near_miss, "-a", ANSWER])
        assert missed.exit_code == 1 and "Did you mean: what-is-dropout?" in str(missed.exception), near_miss


def test_grader_llm_without_an_endpoint_fails_before_the_recording_is_transcribed(server, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    # Not a recording at all: transcribing it first would fail on it instead of on the missing endpoint.
    never_heard = tmp_path / "missing.wav"
    result = CliRunner().invoke(app, ["grade", "-q", "what-is-dropout", "--audio", str(never_heard), "--grader", "llm"])
    assert result.exit_code == 1 and "none is configured" in str(result.exception)


def test_an_unreachable_llm_is_a_clear_error_without_fallback(server):
    server.enqueue(Reply(status=500, body={"error": {"message": "boom"}}), times=10)
    env = {**os.environ, "MOCKINT_LLM_MAX_RETRIES": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "-a", ANSWER],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "HTTP 500: boom" in result.stderr and "OPENAI_BASE_URL" in result.stderr


@pytest.mark.slow
def test_offline_grader_and_the_fallback_line(server, monkeypatch):
    offline = run("-q", "what-is-dropout", "-a", ANSWER, "--grader", "offline")
    assert offline.exit_code == 0, offline.output
    assert "offline grader" in offline.output and "Score " in offline.output
    monkeypatch.setenv("MOCKINT_FALLBACK_OFFLINE", "true")
    monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "0")
    get_settings.cache_clear()
    server.enqueue(Reply(status=500, body={"error": {"message": "boom"}}))
    fallback = run("-q", "what-is-dropout", "-a", ANSWER, "--grader", "llm")
    assert fallback.exit_code == 0, fallback.output
    # Said first, on stderr, and in the card's title: the offline score is not read as the LLM's.
    assert fallback.output.startswith("mockint: Graded offline because the LLM")
    assert fallback.stderr.startswith("mockint: Graded offline because the LLM") and "Score" not in fallback.stderr
    title = next(line for line in fallback.stdout.splitlines() if "Score" in line)
    assert "offline grader: the LLM failed" in title


def test_estimated_token_counts_are_said_once_in_plain_words(server, tmp_path):
    # No tables in the cache and no way to download them (an unreachable proxy), as on an offline machine.
    server.enqueue(REPLY)
    env = {
        **os.environ,
        "TIKTOKEN_CACHE_DIR": str(tmp_path / "no-tables"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    (tmp_path / "no-tables").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "-a", ANSWER, "--grader", "llm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("mockint: Token counts are estimates (about 4 characters a token)")
    assert result.stderr.count("\n") == 1 and "WARNING" not in result.stderr and "mockint.doors" not in result.stderr


@pytest.mark.slow
def test_the_one_time_answer_scorer_export_is_a_plain_progress_line(server, tmp_path, models_dir):
    # A models folder holding the embedding model's export but not the answer scorer's, as on the first
    # offline grade after `make run` (which exports only the embedding model).
    from mockint.doors.embeddings import shared_local_embedder

    shared_local_embedder().embed(["makes the embedding model's export, if this session has not yet"])
    fresh = tmp_path / "models"
    fresh.mkdir()
    for kept in [*models_dir.glob("all-MiniLM-L6-v2-*.onnx"), models_dir / "weights-sha256.json"]:
        (fresh / kept.name).symlink_to(kept)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockint.cli.main",
            "grade",
            "-q",
            "what-is-dropout",
            "-a",
            ANSWER,
            "--grader",
            "offline",
        ],
        env={**os.environ, "MOCKINT_MODELS_DIR": str(fresh)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "mockint: Preparing the answer scorer once (about 15 s)…\n"
    assert list(fresh.glob("cross-encoder-*.onnx"))


# -- a recorded answer: --audio ---------------------------------------------------------------------------


@pytest.fixture
def spoken_answer(tmp_path):
    """ANSWER as espeak-ng says it, in a WAV file."""
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    path = tmp_path / "answer.wav"
    path.write_bytes(speak(ANSWER))
    return path


def test_a_recording_is_transcribed_graded_and_its_delivery_shown_apart(server, spoken_answer):
    server.enqueue(REPLY)
    result = run("-q", "what-is-dropout", "--audio", str(spoken_answer), "--grader", "llm")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    heard = out[out.index("Transcript") : out.index("whisper:")]
    assert "co-adapt" in heard and "training" in heard
    # What was heard is what is graded, and the delivery comes after the content score, apart from it.
    graded = server.received()[0].json()["messages"][1]["content"]
    assert "co-adapt" in graded and ANSWER not in graded
    assert out.index("Transcript") < out.index("Score ") < out.index("llm grader") < out.index("Delivery")
    delivery = out[out.index("Delivery") :]
    for expected in ("pace 1", " wpm", "fillers 0", "long pauses 0", "too short", "does not change the score"):
        assert expected in delivery, expected


def test_answer_and_audio_are_one_or_the_other(server, spoken_answer):
    both = CliRunner().invoke(app, ["grade", "-q", "what-is-dropout", "-a", ANSWER, "--audio", str(spoken_answer)])
    neither = CliRunner().invoke(app, ["grade", "-q", "what-is-dropout"])
    for result in (both, neither):
        assert result.exit_code == 2 and "--answer TEXT or as --audio FILE" in result.output
    assert server.received() == []


def test_a_mostly_unclear_recording_is_not_graded(server, spoken_answer, tmp_path):
    samples, rate = soundfile.read(spoken_answer, dtype="float32")
    backwards = tmp_path / "backwards.wav"
    soundfile.write(backwards, samples[::-1].copy(), rate)
    done = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "--audio", str(backwards)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0
    assert "could not be made out" in done.stderr and "so it is not graded" in done.stderr
    assert "--answer - < answer.txt" in done.stderr
    assert server.received() == []


@pytest.mark.slow
def test_a_recording_is_heard_with_the_question_as_whispers_prompt(tmp_path):
    # The bank's question whose rubric term plain decoding of espeak-ng gets wrong ("k-fold").
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    q = load_bank().get("cross-validation-strategy-choice")
    path = tmp_path / "answer.wav"
    path.write_bytes(speak(q.answer.split(". ")[0]))
    result = CliRunner().invoke(app, ["grade", "-q", q.id, "--audio", str(path), "--grader", "offline", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert "k-fold" in out["transcript"]["text"].lower()
    assert Grade.model_validate(out["grade"]).score > 0
    assert out["delivery"]["wpm"] is not None and out["delivery"]["length_verdict"] == "too short"
    assert "speech_segments" not in out["transcript"]


def test_a_reply_cut_off_mid_json_is_a_one_line_error_not_a_traceback(server):
    from llm_faults import CUT_OFF_BODY

    server.enqueue(Reply(raw=CUT_OFF_BODY), times=4)
    env = {**os.environ, "MOCKINT_LLM_MAX_RETRIES": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "-a", ANSWER, "--grader", "llm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "JSONDecodeError" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("mockint:")]
    assert "answered 2 times, but its reply was unusable; last: not valid JSON (Unterminated string" in line


def test_with_grader_llm_on_the_command_line_the_hints_say_use_grader_offline_not_the_setting(server, monkeypatch):
    # MOCKINT_GRADER=offline changes nothing while --grader llm is given: advice to set it would not help.
    monkeypatch.setenv("MOCKINT_GRADER", "offline")
    monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "0")
    get_settings.cache_clear()
    server.enqueue(Reply(status=500, body={"error": {"message": "boom"}}))
    failed = CliRunner().invoke(app, ["grade", "-q", "what-is-dropout", "-a", ANSWER, "--grader", "llm"])
    assert failed.exit_code == 1
    assert "or use --grader offline." in str(failed.exception) and "MOCKINT_GRADER" not in str(failed.exception)
    monkeypatch.delenv("OPENAI_BASE_URL")
    get_settings.cache_clear()
    unset = CliRunner().invoke(app, ["grade", "-q", "what-is-dropout", "-a", ANSWER, "--grader", "llm"])
    assert "none is configured" in str(unset.exception) and "or use --grader offline." in str(unset.exception)


def test_a_terminal_is_told_who_grades_while_it_waits(server):
    import pty

    server.enqueue(REPLY, times=2)
    command = [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "-a", ANSWER, "--json"]
    main, terminal = pty.openpty()
    try:
        shown = subprocess.run(command, stderr=terminal, stdout=subprocess.PIPE, timeout=120)
        os.close(terminal)
        said = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal's other end is closed: all of it was read
                break
            if not chunk:
                break
            said += chunk
    finally:
        os.close(main)
    assert shown.returncode == 0
    port = server.base_url.split(":")[2].split("/")[0]
    assert f"Grading with gpt-4o-mini at 127.0.0.1:{port}…" in said.decode()
    piped = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "Grading with" not in piped.stderr  # a script reads no chatter


def _grade_process(*args: str | bytes, input: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", *args],
        input=input,
        capture_output=True,
        timeout=120,
    )


def test_an_answer_that_is_not_utf8_is_a_one_line_error_saying_to_save_it_as_utf8(server):
    # A Windows-1252 answer file from an editor, and the same byte typed into the shell's argument.
    for proc in (
        _grade_process("--answer", "-", input=b"Dropout zeroes caf\xe9 units during training."),
        _grade_process("--answer", b"Dropout zeroes \xe9 units during training", input=b""),
    ):
        err = proc.stderr.decode()
        assert proc.returncode == 1, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert "not UTF-8 text" in err and "0xe9" in err and "save it as utf-8" in err.lower()
    assert server.received() == []


def test_an_empty_stdin_is_said_to_be_empty_not_to_be_piped_in(server):
    proc = _grade_process("--answer", "-", input=b"")
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err
    assert "stdin was empty" in err and "pipe it in" not in err


def test_the_readme_says_grade_keeps_no_history_and_where_to_practise_the_follow_up(server, isolated_env):
    # A new user looked for the session, the history and a way to answer the card's follow-up on the command line.
    from conftest import ROOT

    server.enqueue(REPLY)
    result = run("-q", "what-is-dropout", "-a", ANSWER, "--grader", "llm")
    assert result.exit_code == 0 and "Follow-up:" in result.output
    assert not (isolated_env / "history.sqlite3").exists()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### On the command line", 1)[1].split("```", 1)[0]
    for said in ("is in the app (`mockint app` or `make run`)", "saves nothing to your history", "`Follow-up:` line"):
        assert said in section
