"""The Streamlit app driven through Streamlit's AppTest: real graders, a real SQLite file, the LLM
path against the real scripted HTTP server. The corpus is four real bank questions (two on nlp), so a
test picks its kind of question with the sidebar's topic filter."""

import io
import itertools
import json
import socket
from pathlib import Path

import pytest
import soundfile
from streamlit.testing.v1 import AppTest

import mockint
from conftest import require_system_tool
from mockint.app.feedback_views import md_escape
from mockint.config import get_settings
from mockint.doors.bank_files import dump_questions, load_bank
from mockint.grading.offline.references import clean_reference
from mockint.history.database import History
from mockint.practice.interview import Stage
from mockint.text.fillers import count_fillers
from scripted_openai import Reply, ScriptedOpenAIServer
from test_follow_up_points import fragment_reason

APP = str(Path(mockint.__file__).parent / "app" / "streamlit_app.py")
QUESTIONS = ["nlp-attention-sqrt-dk-scaling", "nlp-causal-mask-leakage", "what-is-dropout", "central-limit-theorem"]
TIMEOUT = 180
DIMENSIONS = ("correctness", "completeness", "depth", "communication")


def write_corpus(folder: Path, question_ids: list[str]) -> Path:
    """A bank of these questions of the shipped one, in `folder`."""
    bank = load_bank(Path(mockint.__file__).resolve().parents[2] / "corpus")
    (folder / "app.yaml").write_text(dump_questions([bank.get(i) for i in question_ids]), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def app_corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("app-corpus"), QUESTIONS)


@pytest.fixture(autouse=True)
def corpus(app_corpus, monkeypatch):
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(app_corpus))
    get_settings.cache_clear()


def start(topic: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    if topic:
        at.selectbox(key="setup-topic").set_value(topic)
        at.button[[b.label for b in at.button].index("Start new session")].click().run()
    return at


def session(at: AppTest):
    return at.session_state["mi-interview"]


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [h.value for h in at.subheader]
    return "\n".join(parts)


def answer(at: AppTest, text: str) -> AppTest:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def attempts() -> list:
    return History.from_settings().attempts()


def test_first_question_is_shown_ready_to_answer():
    at = start()
    q = session(at).current_question()
    assert q is not None and f"**{md_escape(q.question)}**" in shown(at)
    assert at.chat_input and at.audio_input
    labels = [b.label for b in at.button]
    assert "Skip" in labels and "Show me the answer" in labels
    assert "Offline · local embeddings" in shown(at)
    # "Read aloud": Streamlit's own button, spoken by the browser's speech synthesis with the question as a JS string
    assert "Read aloud" in labels
    [script] = [h.proto.body for h in at.get("html") if "speechSynthesis" in h.proto.body]
    assert json.dumps(q.question) in script


def test_an_empty_bank_says_so_instead_of_blaming_the_filters(tmp_path, monkeypatch):
    # With no question in the bank the page said "No question matches this setup. Change the filters".
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(tmp_path))
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert f"No questions in {tmp_path}" in shown(at) and "*.yaml (or *.yml)" in shown(at)
    assert "filters" not in shown(at)


def test_read_aloud_text_cannot_close_its_script():
    at = AppTest.from_string(
        "from mockint.app.feedback_views import read_aloud\nread_aloud('a </script><b>x</b>')"
    ).run()
    [script] = [h.proto.body for h in at.get("html") if "speechSynthesis" in h.proto.body]
    assert "</script><b>" not in script and "\\u003c/script>" in script


def test_typed_answer_gets_feedback_card_then_follow_up_then_next_question():
    at = start("nlp")
    q = session(at).current_question()
    answer(at, q.answer)
    [score] = [m for m in at.metric if m.label == "Score"]
    assert score.value.endswith("/ 5") and float(score.value.split()[0]) >= 3
    text = shown(at)
    assert "What you covered" in text and f"**Follow-up:** {md_escape(q.follow_up)}" in text
    assert "Graded offline" in text
    assert len([e for e in at.expander if "Reference answer" in e.label]) == 1
    [main] = attempts()
    assert (main.status, main.kind, main.answer, main.question_id) == ("graded", "main", q.answer, q.id)

    answer(at, q.follow_up_answer)
    assert [m.label for m in at.metric] == ["Score", "Follow-up score"]
    # The follow-up card lists its rubric points, built from the bank's follow-up answer, as whole clauses.
    follow_up = session(at).turns[-1].follow_up_grade
    assert follow_up.key_points and all(md_escape(k.point) in shown(at) for k in follow_up.key_points)
    source = clean_reference(q.follow_up_answer)
    assert [k.point for k in follow_up.key_points if fragment_reason(k.point, source)] == []
    assert [a.kind for a in attempts()] == ["main", "follow-up"] and attempts()[1].status == "graded"
    at.button(key="next").click().run()
    assert session(at).asked == 2 and session(at).current_question().id != q.id


def test_skip_moves_on_and_is_recorded():
    at = start("nlp")
    first = session(at).current_question()
    at.button(key="skip").click().run()
    assert session(at).current_question().id != first.id
    [skipped] = attempts()
    assert (skipped.status, skipped.question_id) == ("skipped", first.id)
    assert "Skipped." in shown(at)


def test_show_me_the_answer_reveals_the_reference():
    at = start("statistics")
    q = session(at).current_question()
    at.button(key="reveal").click().run()
    [ref] = [e for e in at.expander if "Reference answer" in e.label]
    assert q.answer in "\n".join(m.value for m in ref.markdown)
    assert session(at).turn.revealed


def test_empty_answer_gets_a_message_and_nothing_is_graded():
    at = start()
    answer(at, "   ")
    assert "There is no answer to grade yet" in shown(at)
    assert attempts() == [] and not at.metric


def test_a_reload_resumes_the_session_and_history_shows_on_the_progress_page():
    at = start("nlp")
    q = session(at).current_question()
    answer(at, q.answer)
    reloaded = start()  # a new browser session, same data dir: it goes on where the last one stood
    resumed = session(reloaded)
    assert resumed.session_id == session(at).session_id and resumed.setup.topic == "nlp"
    assert resumed.current_question().id == q.id and resumed.stage.value == "follow-up"
    assert resumed.turn.grade.score == session(at).turn.grade.score
    assert reloaded.selectbox(key="setup-topic").value == "nlp"
    progress = AppTest.from_string(
        "from mockint.app import progress_page\nprogress_page.render()", default_timeout=TIMEOUT
    ).run()
    assert not progress.exception, progress.exception
    metrics = {m.label: m.value for m in progress.metric}
    assert metrics["Sessions"] == "1" and metrics["Questions answered"] == "1"
    assert "follow-up answers are scored apart" in next(m.help for m in progress.metric if m.label == "Mean score")
    assert "Score trend per topic" in shown(progress)
    [download] = progress.get("download_button")
    assert download.proto.label == "Download as Markdown"


def test_progress_page_without_history_says_how_to_start():
    progress = AppTest.from_string(
        "from mockint.app import progress_page\nprogress_page.render()", default_timeout=TIMEOUT
    ).run()
    assert "answer a question on the Practice page" in shown(progress)


def test_end_session_shows_summary():
    at = start("nlp")
    q = session(at).current_question()
    answer(at, q.answer)
    end_session(at)
    text = shown(at)
    assert "Session summary" in text and session(at).finished
    assert {m.label for m in at.metric} >= {"Answered", "Mean score"}
    assert "follow-up answers are scored apart" in next(m.help for m in at.metric if m.label == "Mean score")
    assert History.from_settings().session(session(at).session_id).ended_at is not None


# -- the LLM grader against the real scripted HTTP server -------------------------------------------

GRADE_REPLY = {
    "on_topic": True,
    "key_points": [
        {"n": 1, "status": "covered", "quotes": ["variance grows with the dimension"]},
        # The rest of the rubric (nlp questions have up to six points) judged too: a reply leaving one out is refused.
        *({"n": n, "status": "missed", "quotes": []} for n in range(2, 7)),
    ],
    "misconceptions": [],
    "feedback": "You explained why the variance grows; now say what the softmax does with large logits.",
    "model_answer": "Scaling keeps the logits' variance near one so the softmax does not saturate.",
    "dimensions": {d: {"score": 3, "reason": "scripted"} for d in DIMENSIONS},
    "follow_up": "What breaks without it?",
}


@pytest.fixture
def refused_url():
    """An LLM address nothing answers: the port stays bound, never listening, for the whole test, so every
    connection is refused and no other process (nor a connection's own source port) can take it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def _use_llm(monkeypatch, base_url: str, **extra: str) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-app-secret")
    monkeypatch.setenv("MOCKINT_MODEL", "scripted-model")
    monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("MOCKINT_LLM_TIMEOUT", "20")
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def test_llm_grader_streams_feedback_and_is_labelled(monkeypatch):
    reply = json.dumps(GRADE_REPLY)
    cut = [0, len(reply) // 3, 2 * len(reply) // 3, len(reply)]
    with ScriptedOpenAIServer() as server:
        server.enqueue(Reply(stream_chunks=[reply[a:b] for a, b in itertools.pairwise(cut)]))
        _use_llm(monkeypatch, server.base_url)
        at = start("nlp")
        assert "LLM · `scripted-model` at 127.0.0.1" in shown(at)
        q = session(at).current_question()
        answer(at, "Because the dot product's variance grows with the dimension, so we divide by sqrt(d_k).")
        [request] = server.received()
    body = request.json()
    assert body["stream"] is True and body["model"] == "scripted-model"
    assert "variance grows with the dimension" in json.dumps(body["messages"])
    text = shown(at)
    assert "now say what the softmax does" in text and "Graded by the LLM grader (scripted-model" in text
    assert "variance grows with the dimension" in text  # the evidence quote
    assert "sk-test-app-secret" not in text
    [main] = attempts()
    assert (main.status, main.grader_kind, main.grader_model, main.question_id) == (
        "graded",
        "llm",
        "scripted-model",
        q.id,
    )


def test_unreachable_llm_falls_back_to_offline_and_says_so(monkeypatch, refused_url):
    _use_llm(monkeypatch, refused_url)
    at = start("nlp")
    answer(at, session(at).current_question().answer)
    text = shown(at)
    assert "Graded offline because the LLM could not be reached" in text
    assert "Graded offline (all-MiniLM" in text
    [main] = attempts()
    assert main.status == "graded" and main.grader_kind == "offline" and main.grade.grader.fallback_reason


def test_the_sidebar_says_at_once_when_the_llm_server_cannot_be_reached(monkeypatch, refused_url):
    _use_llm(monkeypatch, refused_url)
    at = start()
    port = refused_url.split(":")[2].split("/")[0]
    [warning] = at.sidebar.warning
    assert f"Cannot reach the LLM server at 127.0.0.1:{port}: could not connect" in warning.value
    assert "graded by the offline grader" in warning.value and "Start the server" in warning.value
    assert "sk-test-app-secret" not in warning.value and "Ready." not in shown(at)


def test_the_sidebar_says_grading_fails_without_the_fallback_and_is_quiet_for_a_server_that_answers(
    monkeypatch, refused_url
):
    with ScriptedOpenAIServer() as server:  # no /models scripted: it answers 500, and answering is enough
        _use_llm(monkeypatch, server.base_url)
        at = start()
        assert not at.sidebar.warning and server.received("/v1/models")
    assert "Falls back to the offline grader if the LLM is unreachable" in shown(at)
    _use_llm(monkeypatch, refused_url, MOCKINT_FALLBACK_OFFLINE="false")
    [warning] = start().sidebar.warning
    assert "grading fails (MOCKINT_FALLBACK_OFFLINE=false)" in warning.value


def test_the_sidebar_says_when_the_llm_server_refuses_the_key(monkeypatch):
    with ScriptedOpenAIServer() as server:
        server.enqueue(Reply(status=401, body={"error": {"message": "Incorrect API key"}}), path="/v1/models")
        _use_llm(monkeypatch, server.base_url)
        [warning] = start().sidebar.warning
    assert "refused the API key (HTTP 401)" in warning.value and "Fix OPENAI_API_KEY" in warning.value
    assert "sk-test-app-secret" not in warning.value


def test_mistyped_base_url_is_one_line_and_the_grade_is_labelled_a_fallback(monkeypatch):
    secret = "sk-app-url-secret"
    _use_llm(monkeypatch, f"http://me:{secret}@localhost:11434x/v1")
    at = start("nlp")
    answer(at, session(at).current_question().answer)
    text = shown(at)
    [reason] = [line for line in text.splitlines() if "Graded offline because the LLM settings do not work" in line]
    assert "11434x" in reason and "Traceback" not in text and "httpx" not in text
    assert secret not in text and not at.exception
    [main] = attempts()
    assert main.status == "graded" and main.grader_kind == "offline"
    assert secret not in main.grade.model_dump_json()


def test_grading_failure_keeps_the_answer_to_grade_again(monkeypatch, refused_url):
    _use_llm(monkeypatch, refused_url, MOCKINT_FALLBACK_OFFLINE="false")
    at = start("nlp")
    answer(at, "My answer that must not be lost.")
    [failed] = attempts()
    assert (failed.status, failed.answer) == ("failed", "My answer that must not be lost."), shown(at)
    [error] = at.error
    assert "could not connect" in error.value and "OPENAI_BASE_URL" in error.value
    # The app reads its settings at start: switching grader takes a restart too (an LLM-path review).
    assert "set MOCKINT_GRADER=offline and restart the app" in error.value
    [draft] = at.text_area
    assert draft.value == "My answer that must not be lost."
    assert at.button(key="grade-draft")


# -- spoken answers: a real espeak-ng recording through AppTest's audio input ----------------------------

SPOKEN = "The dot product grows with the dimension so we divide by the square root of the key size."


@pytest.fixture(scope="module")
def spoken_wav() -> bytes:
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    from mockint.speech.transcription import speak

    return speak(SPOKEN)


def test_spoken_answer_is_an_editable_draft_until_confirmed(spoken_wav):
    at = start("nlp")
    q = session(at).current_question()
    at.audio_input[0].set_value(("answer.wav", spoken_wav, "audio/wav")).run()
    assert not at.exception, at.exception
    [draft] = at.text_area
    heard = draft.value
    assert heard and "Whisper tiny.en" in shown(at)  # the check-the-transcript note
    assert attempts() == [] and not [m for m in at.metric if m.label == "Score"]  # nothing graded yet
    draft.set_value(q.answer)  # the candidate corrects the transcript
    at.button(key="grade-draft").click().run()
    assert not at.exception, at.exception
    [main] = attempts()
    assert (main.status, main.answer, main.transcript) == ("graded", q.answer, heard)
    assert main.recording_s and main.recording_s > 1
    labels = [m.label for m in at.metric]
    assert "Score" in labels and {"Speaking time", "Pace", "Fillers", "Long pauses"} <= set(labels)
    assert "does not change your score" in shown(at)
    reloaded = start()  # a new browser: the Delivery panel comes back with the answer, from the history
    assert {"Speaking time", "Pace", "Fillers", "Long pauses"} <= {m.label for m in reloaded.metric}
    assert "does not change your score" in shown(reloaded)


def test_delivery_counts_the_fillers_heard_not_those_left_after_editing():
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    from mockint.speech.transcription import speak

    filled = (
        "So basically the dot product grows with the dimension, you know, so we actually divide by the square root."
    )
    at = start("nlp")
    at.audio_input[0].set_value(("answer.wav", speak(filled), "audio/wav")).run()
    [draft] = at.text_area
    heard = sum(count_fillers(draft.value).values())
    assert heard >= 2, draft.value  # Whisper keeps these fillers: they are words
    draft.set_value(SPOKEN)  # the candidate tidies the fillers away while fixing misheard words
    at.button(key="grade-draft").click().run()
    assert not at.exception, at.exception
    assert [a.answer for a in attempts()] == [SPOKEN]  # the edited text is what is graded
    [fillers] = [m for m in at.metric if m.label == "Fillers"]
    assert fillers.value == str(heard)


def test_failed_transcription_endpoint_offers_offline_explicitly(monkeypatch, spoken_wav):
    with ScriptedOpenAIServer() as server:  # nothing scripted: the transcription request gets a 500
        _use_llm(monkeypatch, server.base_url, MOCKINT_TRANSCRIPTION="openai")
        at = start("nlp")
        at.audio_input[0].set_value(("answer.wav", spoken_wav, "audio/wav")).run()
        assert server.received("/v1/audio/transcriptions")
    assert "Transcription by the endpoint failed" in shown(at) and not at.text_area
    at.button(key="offline-transcription").click().run()
    assert not at.exception, at.exception
    [draft] = at.text_area
    assert draft.value and "Whisper tiny.en" in shown(at)
    assert attempts() == []


def test_unintelligible_recording_is_not_graded_until_edited_or_confirmed(spoken_wav, tmp_path, monkeypatch):
    """The same answer played backwards: speech-like sound with no words in it."""
    samples, rate = soundfile.read(io.BytesIO(spoken_wav), dtype="float32")
    backwards = io.BytesIO()
    soundfile.write(backwards, samples[::-1].copy(), rate, format="WAV", subtype="PCM_16")
    # Whisper is prompted with the question, and with some prompts it hears garbled speech with confidence
    # (`python -m benchmarks.run speech-gate` measures the gate). This test is about what the app does with
    # a recording the gate flags, so it fixes the question: one whose prompt leaves this recording flagged.
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(write_corpus(tmp_path, ["nlp-causal-mask-leakage"])))
    get_settings.cache_clear()
    at = start("nlp")
    at.audio_input[0].set_value(("answer.wav", backwards.getvalue(), "audio/wav")).run()
    assert not at.exception, at.exception
    if not at.text_area:  # Whisper heard no words at all: said so, and there is nothing to grade
        assert "No words recognised" in shown(at)
        return
    assert "could not be made out" in shown(at) and "orange-background" in shown(at)
    assert at.button(key="grade-draft").disabled
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("confirm-"))).check().run()
    assert not at.button(key="grade-draft").disabled
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("confirm-"))).uncheck().run()
    at.text_area[0].set_value("I would scale the dot product by the square root of the key size.").run()
    assert not at.button(key="grade-draft").disabled
    assert attempts() == []


# -- practice modes from the sidebar -------------------------------------------------------------------


def start_mode(mode: str, **fields: str) -> AppTest:
    at = start()
    at.radio(key="setup-mode").set_value(mode)
    for key, value in fields.items():
        at.text_input(key=f"setup-{key}").set_value(value)
    return press_start(at)


def test_due_for_review_with_nothing_due_says_so():
    at = start_mode("due")
    assert "Nothing is due for review right now" in shown(at)
    assert "nothing to ask" in shown(at) and "finished" not in shown(at)  # nothing was asked, so nothing finished
    assert session(at).finished and at.chat_input[0].proto.disabled


def test_focus_mode_finds_questions_by_meaning():
    at = start_mode("focus", focus="why divide attention logits before the softmax")
    q = session(at).current_question()
    assert q is not None and q.id != "central-limit-theorem"  # the one of four furthest from the focus
    assert session(at).setup.mode == "focus"
    assert "why divide attention logits" in shown(at)


def test_retry_grades_the_question_again_and_keeps_both_attempts():
    at = start("nlp")
    q = session(at).current_question()
    answer(at, "It is about the softmax.")
    first = attempts()[0].score
    at.button(key="retry").click().run()
    assert not at.exception, at.exception
    # A review found the earlier answer and its card gone, to be answered again from memory: kept, folded.
    [last] = [e for e in at.expander if e.label.startswith("Your last attempt")]
    assert f"{first:.1f}/5" in last.label and not last.proto.expanded
    assert "It is about the softmax." in "\n".join(m.value for m in last.markdown)
    assert [m.label for m in last.metric] == ["Score"]
    answer(at, q.answer)
    main = [a for a in attempts() if a.kind == "main"]
    assert len(main) == 2 and main[1].score > main[0].score
    assert [m.label for m in at.metric] == ["Score"]  # only the latest card is shown


def test_a_retry_is_still_open_after_a_reload_and_skipping_it_keeps_the_answer():
    # A reload after 'Retry the question' showed the grade card and the follow-up, not the answer box; skipping a
    # retry then hid the graded answer behind "Skipped." and the summary counted the question answered and skipped.
    at = start("nlp")
    answer(at, "It is about the softmax.")
    at.button(key="retry").click().run()
    reloaded = start()
    assert session(reloaded).stage is Stage.answering
    assert [e for e in reloaded.expander if e.label.startswith("Your last attempt")]
    reloaded.button(key="skip").click().run()
    assert not reloaded.exception, reloaded.exception
    assert "Skipped." not in shown(reloaded) and "It is about the softmax." in shown(reloaded)
    end_session(reloaded)
    assert (session(reloaded).summary().answered, session(reloaded).summary().skipped) == (1, 0)


def test_huge_answer_is_graded_with_a_note():
    at = start("nlp")
    answer(at, session(at).current_question().answer + " And more detail." * 3000)
    assert "only the first 20,000 were kept" in shown(at)
    assert attempts()[0].status == "graded"


def test_misconfigured_grader_is_explained_in_the_sidebar_and_on_answering(monkeypatch):
    monkeypatch.setenv("MOCKINT_GRADER", "llm")  # no endpoint configured
    get_settings.cache_clear()
    at = start("nlp")
    answer(at, "An answer that must be kept.")
    assert "The LLM grader needs an endpoint" in at.error[0].value
    assert at.sidebar.error and "OPENAI_BASE_URL" in at.sidebar.error[0].value
    assert attempts()[0].status == "failed"


def test_weak_spots_mode_brings_back_a_poorly_answered_question():
    at = start("nlp")
    weak = session(at).current_question()
    answer(at, "No idea, sorry.")
    again = start_mode("weak-spots")
    assert session(again).current_question().id == weak.id
    assert session(again).notices == [
        "There are only 2 questions that match your filters, so this session has 2, not 5."
    ]


# -- a new user's review: sessions replaced, reveals kept, shorter sessions said, the summary, progress ------


def press_start(at: AppTest) -> AppTest:
    """Start a new session with the sidebar's setup, confirming the end of a running one with answers."""
    at.button[[b.label for b in at.button].index("Start new session")].click().run()
    if [b for b in at.button if b.key == "confirm-yes"]:
        at.button(key="confirm-yes").click().run()
    assert not at.exception, at.exception
    return at


def test_starting_a_new_session_ends_the_one_it_replaces():
    at = start("nlp")
    first = session(at).session_id
    at.selectbox(key="setup-topic").set_value("statistics")
    second = session(press_start(at)).session_id
    assert second != first and History.from_settings().session(first).ended_at is not None
    reloaded = start()
    assert session(reloaded).session_id == second
    end_session(reloaded)
    fresh = start()  # the replaced session never comes back, not even once its successor ended: that one shows
    assert session(fresh).session_id == second and session(fresh).finished


def test_a_reveal_is_remembered_after_a_reload():
    at = start("statistics")
    q = session(at).current_question()
    at.button(key="reveal").click().run()
    [ref] = [e for e in at.expander if e.label.startswith("Reference answer")]
    assert ref.label == "Reference answer, explanation and key points"  # no model answer before an answer
    reloaded = start()
    assert session(reloaded).turn.revealed
    [ref] = [e for e in reloaded.expander if e.label.startswith("Reference answer")]
    assert q.answer in "\n".join(m.value for m in ref.markdown)
    answer(reloaded, q.answer)
    end_session(reloaded)
    [row] = reloaded.table[0].value.to_dict("records")
    assert row["note"] == "saw the answer first"


def test_a_session_longer_than_the_filters_allow_says_how_long_it_is():
    at = start("nlp")  # two nlp questions, five asked for
    assert "· question 1 of 2" in shown(at)
    assert "only 2 questions that match your filters, so this session has 2, not 5" in shown(at)


def test_a_focus_that_matches_nothing_says_so():
    at = start_mode("focus", focus="asdkjh qwpoe zzzz")
    assert "No question is about “asdkjh qwpoe zzzz”" in shown(at)
    at = start_mode("focus", focus="why divide attention logits before the softmax")
    assert "so the questions asked may be unrelated" not in shown(at)


def test_the_summary_counts_a_question_shown_but_not_answered():
    at = start("nlp")
    answer(at, session(at).current_question().answer)
    at.button(key="skip").click().run()  # the follow-up skipped: on to the second question
    end_session(at)
    answered = next(m for m in at.metric if m.label == "Answered")
    assert answered.value == "1 of 2 shown"
    assert [r["note"] for r in at.table[0].value.to_dict("records")] == ["", "not answered"]


def _progress() -> AppTest:
    progress = AppTest.from_string(
        "from mockint.app import progress_page\nprogress_page.render()", default_timeout=TIMEOUT
    ).run()
    assert not progress.exception, progress.exception
    return progress


def test_progress_lists_no_good_topic_as_weak_and_no_one_off_miss_as_a_pattern():
    from mockint.types.grade import Coverage, KeyPointResult
    from test_history import make_grade

    history = History.from_settings()
    sid = history.start_session("filters", {"length": 5})
    for qid, topic, score in (("q1", "nlp", 4.9), ("q2", "statistics", 2.0)):
        attempt = history.add_attempt(
            session_id=sid, question_id=qid, question="Q?", topic=topic, kind="main", answer="my answer"
        )
        missed = [KeyPointResult(point=f"point of {qid}", status=Coverage.missed)]
        history.mark_graded(attempt, make_grade(score).model_copy(update={"key_points": missed}))
    progress = _progress()
    [weak] = [d for d in progress.dataframe if "topic" in d.value.columns]
    assert weak.value["topic"].tolist() == ["Statistics"]
    assert "No key point missed twice yet" in shown(progress)
    assert "point of q1" not in shown(progress)
    sessions = next(d for d in progress.dataframe if "mode" in d.value.columns)
    assert sessions.value["mode"].tolist() == ["Browse by topic / difficulty / type"]


def test_no_recorder_is_offered_once_the_follow_up_is_graded():
    # A review recorded an answer under "Next question": it could not be graded, and the error named an internal step.
    at = start("nlp")
    q = session(at).current_question()
    answer(at, q.answer)
    assert at.audio_input  # the follow-up can be answered out loud
    answer(at, q.follow_up_answer)
    assert session(at).stage.value == "reviewed"
    assert not at.audio_input and at.chat_input[0].proto.disabled


def test_typing_while_a_spoken_draft_waits_keeps_the_draft_and_says_so(spoken_wav):
    # A review typed into the chat box while a transcript waited to be checked: the transcript vanished unsaid.
    at = start("nlp")
    at.audio_input[0].set_value(("answer.wav", spoken_wav, "audio/wav")).run()
    [draft] = at.text_area
    edited = draft.value + " Without it the softmax saturates."  # corrected by the candidate, not yet graded
    draft.set_value(edited)
    answer(at, "Typed: it keeps the variance of the logits near one.")
    assert attempts() == []  # neither answer graded behind the candidate's back
    [draft] = at.text_area
    both = draft.value
    assert edited in both and "Typed: it keeps the variance of the logits near one." in both
    assert "spoken answer is waiting" in shown(at)
    at.button(key="grade-draft").click().run()
    [main] = attempts()
    assert main.answer == both and main.transcript is not None


MOVED_ON = "This session moved on in another tab; here is where it is now."


def test_a_tab_whose_session_moved_on_in_another_shows_where_it_is_instead_of_acting():
    # A review drove one session from two tabs: the stale tab answered a follow-up already answered in the other
    # and drew a different second question, and a third tab then showed only one of the two.
    a = start("nlp")
    q = session(a).current_question()
    answer(a, q.answer)
    b = start()  # a second tab resumes the session
    answer(b, q.follow_up_answer)
    answer(a, "A second answer to the same follow-up.")  # the stale tab
    assert MOVED_ON in shown(a) and "kept" in shown(a)
    assert session(a).stage.value == "reviewed" and session(a).turn.follow_up_answer == q.follow_up_answer
    [kept] = [x for x in attempts() if x.status == "failed"]
    assert kept.answer == "A second answer to the same follow-up."
    b.button(key="next").click().run()
    a.button(key="next").click().run()
    assert MOVED_ON in shown(a) and session(a).current_question().id == session(b).current_question().id
    assert len(History.from_settings().session(session(a).session_id).asked) == 2
    answer(b, "The second question answered in tab b.")
    answer(a, "The second question answered in tab a.")  # stale again: kept, and in the box to grade here
    assert MOVED_ON in shown(a) and session(a).stage.value == "follow-up"
    [draft] = a.text_area
    assert draft.value == "The second question answered in tab a."


def test_a_stale_answer_offered_in_another_questions_box_says_which_question_it_answers():
    # A review's stale answer to the main question came back in the follow-up's box unlabelled, one click from being
    # graded against the follow-up.
    a = start("nlp")
    q = session(a).current_question()
    b = start()  # a second tab resumes the session
    answer(b, q.answer)
    answer(a, "Written for the main question in tab a.")
    assert MOVED_ON in shown(a) and session(a).stage.value == "follow-up"
    [draft] = a.text_area
    assert draft.value == "Written for the main question in tab a."
    assert f"Your answer to “{md_escape(q.question)}”, not graded" in shown(a)


def test_a_reload_after_the_session_ended_shows_its_summary_and_keeps_the_setup_instead_of_starting_anew():
    # A review finished an nlp session, reloaded, and found the summary gone and a 5-question "Any topic" session
    # started with the sidebar back to its defaults.
    at = start()
    at.selectbox(key="setup-topic").set_value("nlp")
    at.slider(key="setup-length").set_value(2)
    press_start(at)
    ended = session(at).session_id
    answer(at, session(at).current_question().answer)
    end_session(at)
    reloaded = start()
    assert session(reloaded).session_id == ended and session(reloaded).finished
    assert "Session summary" in shown(reloaded) and reloaded.get("download_button")
    assert reloaded.selectbox(key="setup-topic").value == "nlp" and reloaded.slider(key="setup-length").value == 2
    assert len(History.from_settings().sessions()) == 2  # the first load's and the nlp one: none started since
    # A setup nothing matches leaves no session to show: the reload waits for the candidate, with that setup.
    reloaded.selectbox(key="setup-type").set_value("behavioral")
    press_start(reloaded)
    again = start()
    assert "mi-interview" not in again.session_state and len(History.from_settings().sessions()) == 3
    assert again.selectbox(key="setup-type").value == "behavioral" and "Start new session" in shown(again)


def end_session(at: AppTest) -> AppTest:
    """Press "End session now", and confirm when the session has answers."""
    at.button(key="end-session").click().run()
    if [b for b in at.button if b.key == "confirm-yes"]:
        at.button(key="confirm-yes").click().run()
    assert not at.exception, at.exception
    return at


def test_ending_or_replacing_a_session_with_answers_is_confirmed_and_the_sidebar_shows_the_mode_in_use():
    # A review ended a session with one click beside "Start new session", and replaced one by pressing Enter in
    # the Focus box, after which the header said "Focus on..." and the Mode radio still "Browse".
    at = start("nlp")
    running = session(at).session_id
    answer(at, session(at).current_question().answer)
    at.button(key="end-session").click().run()
    assert "End this session?" in shown(at) and not session(at).finished
    at.button(key="confirm-no").click().run()
    assert not session(at).finished and at.button(key="end-session")
    at.text_input(key="setup-focus").set_value("why divide attention logits")
    at.button[[b.label for b in at.button].index("Start new session")].click().run()
    assert "Start a new session?" in shown(at) and session(at).session_id == running
    at.button(key="confirm-yes").click().run()
    assert not at.exception, at.exception
    assert session(at).session_id != running and session(at).setup.mode == "focus"
    assert at.radio(key="setup-mode").value == "focus"  # the mode in use, not the one the radio had
    assert not at.get("form")[0].proto.form.enter_to_submit  # Enter in the focus box starts nothing
    at.button(key="end-session").click().run()  # nothing answered yet: nothing to confirm
    assert session(at).finished


def test_on_the_last_question_the_placeholder_names_the_finish_button():
    # A review read 'Press "Next question" to go on' above a lone "Finish" button.
    at = start()
    at.selectbox(key="setup-topic").set_value("statistics")  # one question: the first is the last
    press_start(at)
    q = session(at).current_question()
    answer(at, q.answer)
    answer(at, q.follow_up_answer)
    assert at.button(key="next").label == "Finish"
    assert at.chat_input[0].proto.placeholder == "Press “Finish” to go on…"


@pytest.mark.parametrize("below_page_controls", [True, False])
def test_the_grader_panel_draws_a_divider_only_below_the_pages_own_controls(below_page_controls):
    """On Progress nothing of the page stands in the sidebar, so the divider drew a second line around an
    empty section under the page list (a browser review)."""
    at = AppTest.from_string(
        "from mockint.app import sidebar\nfrom mockint.config import Settings\n"
        f"sidebar.grader_panel(Settings(), below_page_controls={below_page_controls})",
        default_timeout=TIMEOUT,
    ).run()
    assert not at.exception, at.exception
    assert bool(at.get("divider")) is below_page_controls


def test_the_setup_names_topics_as_written():
    at = start()
    box = at.selectbox(key="setup-topic")
    assert "NLP" in box.options and "nlp" not in box.options


def test_an_answer_left_ungraded_by_a_closed_page_is_offered_again_after_a_reload():
    # A review closed the tab while "Grading your answer…" was on screen: the answer was saved but never graded, and
    # the reopened page showed the question unanswered with the answer nowhere on it.
    at = start("nlp")
    s = session(at)
    q = s.current_question()
    # What a run stopped mid-grade leaves in the history: the attempt saved, never graded.
    s.history.add_attempt(
        session_id=s.session_id, question_id=q.id, question=q.question, topic=q.topic, kind="main", answer="Kept."
    )
    reloaded = start()
    [draft] = reloaded.text_area
    assert draft.value == "Kept." and "Saved but not graded" in shown(reloaded)
    reloaded.button(key="discard-draft").click().run()
    assert not start().text_area  # discarded: not offered again on the next reload
    [discarded] = attempts()
    assert discarded.status == "failed"


def test_an_answer_sent_while_the_last_one_was_graded_is_not_graded_against_the_follow_up():
    # A review pressed Enter on a second message while "Grading your answer…" was on screen: it was graded as the
    # answer to the follow-up, a question the candidate had not been shown.
    at = start("nlp")
    s = session(at)
    q = s.current_question()
    s.submit_answer(q.answer)  # the first answer's grade lands while the page still shows the main question
    answer(at, "And one more thing about the softmax.")
    assert s.turn.follow_up_grade is None and len(attempts()) == 1
    [draft] = at.text_area
    assert draft.value == "And one more thing about the softmax."
    assert f"Your answer to “{md_escape(q.question)}”, not graded" in shown(at)
    at.button(key="grade-draft").click().run()  # the candidate's call: it answers the follow-up too
    assert s.turn.follow_up_answer == "And one more thing about the softmax."


def test_the_answer_box_is_off_from_enter_until_the_answer_is_graded():
    # A review pressed Enter twice: a second message sent while the follow-up was graded reached a run that drew the
    # box disabled and vanished unsaved. The browser turns the box off once a message is sent, until the run ends.
    from streamlit.proto.ChatInput_pb2 import ChatInput

    at = start()
    assert at.chat_input[0].proto.submit_mode == ChatInput.SubmitMode.SUBMIT_MODE_DISABLE
