"""Transcription through the real Whisper model (faster-whisper, the bundled tiny.en) on a real human
recording and espeak-ng speech, and through a real OpenAI-compatible HTTP server."""

import io
import itertools
import subprocess
import sys
import tracemalloc
import wave
from email import policy
from email.parser import BytesParser
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly
from typer.testing import CliRunner

from conftest import ROOT, require_system_tool
from mockint.cli.main import app
from mockint.config import get_settings
from mockint.doors.bank_files import load_bank
from mockint.doors.whisper import HeardSegment, whisper_recogniser
from mockint.errors import SpeechError
from mockint.speech.accuracy import word_error_rate
from mockint.speech.audio import MAX_RECORDING_S, decode_audio, resample, to_wav_bytes, voice_activity
from mockint.speech.bias import question_bias, technical_terms
from mockint.speech.transcription import (
    Transcript,
    TranscriptSegment,
    is_confident,
    speak,
    transcribe,
    transcribe_offline,
    transcription_engine,
)
from mockint.text.fillers import count_fillers
from scripted_openai import Reply, ScriptedOpenAIServer

SENTENCE = "Overfitting happens when a model memorizes the training data instead of learning general patterns."
SECOND = "Regularization keeps the weights small so the model generalizes."
TRANSCRIPTIONS = "/v1/audio/transcriptions"
HUMAN_TRANSCRIPT = (
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
)
# Answers from the bank whose technical terms plain decoding of espeak-ng speech gets wrong.
BIASED_QUESTIONS = ("cross-validation-strategy-choice", "drift-detection-methods")


def shared_audio(name: str) -> Path:
    """A file of `../shared/audio/` beside the project (or beside the folder holding this worktree)."""
    for folder in ROOT.parents:
        if (folder / "shared" / "audio" / name).is_file():
            return folder / "shared" / "audio" / name
    pytest.fail(f"../shared/audio/{name} is missing: the human-speech tests need it (see shared/audio/README.md)")


def wav_of(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def espeak_wav() -> bytes:
    """espeak-ng's native output: 22050 Hz mono 16-bit WAV, like a browser recording at another rate."""
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    return speak(SENTENCE)


@pytest.fixture(scope="session")
def stereo_44k_wav(espeak_wav) -> bytes:
    mono, rate = soundfile.read(io.BytesIO(espeak_wav), dtype="float32")
    assert rate == 22050
    upsampled = resample_poly(mono, 2, 1)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([upsampled, 0.8 * upsampled], axis=1), 44100, format="WAV", subtype="PCM_24")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def paused_wav() -> bytes:
    """Two sentences with 2 s of silence between them, at a microphone's noise floor (-60 dBFS)."""
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    first, rate = soundfile.read(io.BytesIO(speak(SENTENCE)), dtype="float32")
    second, _ = soundfile.read(io.BytesIO(speak(SECOND)), dtype="float32")
    samples = np.concatenate([first, np.zeros(2 * rate, dtype=np.float32), second])
    samples += np.random.default_rng(3).normal(0.0, 0.001, len(samples)).astype(np.float32)
    return wav_of(samples, rate)


@pytest.fixture(scope="module")
def offline_transcript(espeak_wav):
    return transcribe_offline(espeak_wav, "audio.wav")


def true_duration(wav: bytes) -> float:
    info = soundfile.info(io.BytesIO(wav))
    return info.frames / info.samplerate


# -- Whisper on real speech --------------------------------------------------------------------------


def test_human_recording_is_heard_almost_word_for_word():
    transcript = transcribe_offline(shared_audio("jfk.flac").read_bytes(), "jfk.flac")
    assert word_error_rate(HUMAN_TRANSCRIPT, transcript.text) <= 0.10, transcript.text
    assert transcript.engine == "whisper:tiny.en"
    assert transcript.duration_s == pytest.approx(11.0, abs=0.1)
    assert transcript.segments and all(s.confident for s in transcript.segments)
    assert not transcript.mostly_unclear and transcript.marked_text() == transcript.text
    words = transcript.words
    assert len(words) == len(transcript.text.split())
    assert all(0.0 <= w.start <= w.end <= transcript.duration_s + 0.05 for w in words)
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))


def test_decoding_stops_at_the_first_segment_that_reaches_the_given_time():
    samples = resample(decode_audio(shared_audio("jfk.flac").read_bytes())).samples
    recogniser = whisper_recogniser()
    full = recogniser.recognise(samples)
    assert len(full) >= 2, full  # two sentences
    assert recogniser.recognise(samples, stop_at_s=full[0].end) == full[:1]


def test_espeak_speech_at_22khz_is_transcribed_with_word_timings(offline_transcript, espeak_wav):
    t = offline_transcript
    assert word_error_rate(SENTENCE, t.text) <= 0.3, t.text  # tiny.en hears espeak-ng's "training" as "trading"
    assert t.text.rstrip(".").endswith("general patterns")  # the last words, which Whisper first drops, are there
    assert "correct" not in t.note and "Whisper tiny.en" in t.note
    assert t.duration_s == pytest.approx(true_duration(espeak_wav), rel=0.15)
    (voice_start, _), (_, voice_end) = t.speech_segments[0], t.speech_segments[-1]
    span = t.words[-1].end - t.words[0].start
    assert span == pytest.approx(voice_end - voice_start, rel=0.2)


def test_offline_pace_is_plausible(offline_transcript):
    insights = offline_transcript.delivery(expected_words=140)
    assert 12 <= insights.words <= 16  # the spoken sentence has 14; Whisper may merge or split a word
    assert 110 <= insights.wpm <= 230  # espeak-ng was asked for 160 words per minute
    assert insights.long_pauses == []
    assert insights.length_verdict == "too short"


def test_stereo_44khz_recording_goes_through_the_same_path(stereo_44k_wav, espeak_wav):
    t = transcribe(stereo_44k_wav, "audio.wav", settings=get_settings())  # the default engine: offline Whisper
    assert t.engine.startswith("whisper:")
    assert word_error_rate(SENTENCE, t.text) <= 0.3, t.text
    assert t.duration_s == pytest.approx(true_duration(espeak_wav), rel=0.15)


def test_inserted_silence_shows_as_a_long_pause(paused_wav):
    t = transcribe_offline(paused_wav, "audio.wav")
    first_end = true_duration(speak(SENTENCE))
    for insights in (t.delivery(), t.model_copy(update={"words": None}).delivery()):  # word timings, then VAD
        assert len(insights.long_pauses) == 1, insights.long_pauses
        start, duration = insights.long_pauses[0]
        assert 1.5 <= duration <= 3.0
        # Whisper's word timestamps run the last word before a silence into it: "patterns." ends 0.5 s after the
        # speech does on this audio (faster-whisper 1.2.1, tiny.en, espeak-ng 1.51; 2026-12-07), VAD 0.3 s before.
        assert first_end - 0.8 <= start <= first_end + 0.6
        assert any("paused" in tip for tip in insights.tips)
    assert len(voice_activity(decode_audio(paused_wav)).pauses) >= 1


def test_question_bias_hears_the_rubric_terms():
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    bank = load_bank()
    refs, plain, biased = [], [], []
    for question_id in BIASED_QUESTIONS:
        q = bank.get(question_id)
        said = " ".join(q.answer.split(". ")[:2])
        wav = speak(said)
        refs.append(said)
        plain.append(transcribe_offline(wav, "answer.wav").text)
        biased.append(transcribe_offline(wav, "answer.wav", bias=question_bias(q)).text)
    assert word_error_rate(refs, biased) < word_error_rate(refs, plain), (plain, biased)
    assert word_error_rate(refs, biased) <= 0.15, biased


# Whisper writes about half the fillers it hears (4 of 9 in `python -m benchmarks.run speech`), and which
# half differs between machines: one sentence cannot say whether fillers get through, three can.
FILLER_ANSWERS = (
    ("what-is-dropout", "I think, uh, dropout switches off random units, um, during training."),
    ("decision-tree-splitting", "Um, a tree picks the split that, uh, best separates the classes."),
    ("start-with-a-baseline", "So, uh, I would fit a linear model first and, um, compare against it."),
)


def test_fillers_are_heard_with_the_question_bias():
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    bank = load_bank()
    texts = [
        transcribe_offline(speak(said), "answer.wav", bias=question_bias(bank.get(question_id))).text
        for question_id, said in FILLER_ANSWERS
    ]
    heard = count_fillers(" ".join(texts))
    assert heard.get("um", 0) + heard.get("uh", 0) >= 1, texts
    # The prompt's fillers do not cost the words: the dropout answer's terms are all common ones.
    assert word_error_rate(FILLER_ANSWERS[0][1], texts[0]) <= 0.3, texts[0]


def test_the_bias_is_the_question_and_its_rare_rubric_terms():
    q = load_bank().get("nlp-attention-sqrt-dk-scaling")
    bias = question_bias(q)
    assert bias.prompt.startswith(q.question) and "softmax" in bias.terms and "logits" in bias.terms
    assert not {"the", "model", "training", "and"} & {t.lower() for t in bias.terms}
    assert bias.hotwords == ", ".join(bias.terms)
    follow = question_bias(q, follow_up=True)
    assert follow.prompt.startswith(q.follow_up)
    assert technical_terms(q) != technical_terms(q, follow_up=True)


# -- the confidence gate -----------------------------------------------------------------------------


def heard(avg_logprob: float, no_speech_prob: float = 0.1, compression_ratio: float = 1.2) -> HeardSegment:
    return HeardSegment("some words", 0.0, 1.0, avg_logprob, no_speech_prob, compression_ratio, ())


def test_gate_marks_unsure_segments():
    assert is_confident(heard(-0.3))
    assert not is_confident(heard(-1.4))  # Whisper unsure of its words
    assert not is_confident(heard(-0.5, no_speech_prob=0.9))  # probably not speech at all
    assert not is_confident(heard(-0.3, compression_ratio=3.0))  # a decoding loop


def test_mostly_unclear_transcript_says_so_and_marks_its_parts():
    def seg(text: str, confident: bool) -> TranscriptSegment:
        return TranscriptSegment(text=text, start=0, end=1, avg_logprob=-1, no_speech_prob=0, confident=confident)

    t = Transcript(
        text="a b c d e f",
        segments=[seg("a b", True), seg("c d e f", False)],
        engine="whisper:test",
        duration_s=2.0,
    )
    assert t.unclear_share == pytest.approx(4 / 6) and t.mostly_unclear
    assert t.marked_text() == "a b [? c d e f ?]"
    assert t.unclear_parts == ["c d e f"]
    assert not t.model_copy(update={"segments": [seg("a b c d", True), seg("e f", False)]}).mostly_unclear


def test_speech_backwards_is_flagged_as_unintelligible(espeak_wav):
    """Speech-like sound with no words in it: Whisper writes something, and the gate flags it."""
    samples, rate = soundfile.read(io.BytesIO(espeak_wav), dtype="float32")
    t = transcribe_offline(wav_of(samples[::-1].copy(), rate), "backwards.wav")
    assert t.mostly_unclear, t.segments
    assert t.marked_text().startswith("[? ")


def test_a_grade_beside_a_transcription_does_not_change_what_whisper_hears(espeak_wav):
    """Whisper's features are numpy's, and a garbled recording's decoding turns on their last bits: a BLAS
    thread count that a grade changed while it ran (as it did) changed the transcript. Backwards speech with
    this question's prompt was one such recording."""
    import threading

    from mockint.grading.offline.grader import OfflineGrader
    from mockint.types.grade import GradingItem

    samples, rate = soundfile.read(io.BytesIO(espeak_wav), dtype="float32")
    backwards = wav_of(samples[::-1].copy(), rate)
    bank = load_bank()
    question = bank.get("nlp-attention-sqrt-dk-scaling")
    alone = transcribe_offline(backwards, "backwards.wav", bias=question_bias(question))
    grader, items = OfflineGrader(), [GradingItem.from_question(q) for q in list(bank.questions)[:40]]
    done = threading.Event()

    def grade_until_done() -> None:
        for item in itertools.cycle(items):
            if done.is_set():
                return
            grader.grade(item, item.reference_answer)

    worker = threading.Thread(target=grade_until_done)
    worker.start()
    try:
        beside = transcribe_offline(backwards, "backwards.wav", bias=question_bias(question))
    finally:
        done.set()
        worker.join()
    assert beside.segments == alone.segments


def test_noise_bursts_give_no_words_or_an_unclear_transcript():
    rng = np.random.default_rng(7)
    t = np.arange(6 * 16000) / 16000
    bursts = (0.2 * rng.normal(0.0, 1.0, len(t)) * (np.sin(2 * np.pi * 3.0 * t) > 0)).astype(np.float32)
    assert voice_activity(decode_audio(wav_of(bursts, 16000))).has_speech  # past the energy check
    try:
        heard_noise = transcribe_offline(wav_of(bursts, 16000), "noise.wav")
    except SpeechError as exc:
        assert "No words recognised" in str(exc)
    else:
        assert heard_noise.mostly_unclear, heard_noise.segments


# -- bad input ------------------------------------------------------------------------------------


def test_pure_silence_is_refused_before_any_engine_runs():
    with pytest.raises(SpeechError, match="No speech detected"):
        transcribe(wav_of(np.zeros(3 * 16000, dtype=np.float32), 16000), "audio.wav")


def test_steady_noise_is_refused_as_no_speech():
    noise = np.random.default_rng(1).normal(0.0, 0.1, 3 * 16000).astype(np.float32)
    with pytest.raises(SpeechError, match="No speech detected"):
        transcribe(wav_of(noise, 16000), "audio.wav")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"RIFF\x24\x00\x00\x00WAVE", "could not be decoded"),
        (b"\x00\xff" * 500, "could not be decoded"),
    ],
    ids=["empty", "truncated", "corrupt"],
)
def test_broken_recordings_get_clear_errors(data, message, monkeypatch):
    with pytest.raises(SpeechError, match=message):
        transcribe(data, "audio.wav")
    monkeypatch.setenv("MOCKINT_TRANSCRIPTION", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    get_settings.cache_clear()
    with pytest.raises(SpeechError, match=message):  # refused before anything is uploaded
        transcribe(data, "audio.wav")


def test_ten_minute_recording_is_refused_from_its_header_in_bounded_memory():
    minutes = 10
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        one_second = (np.sin(np.arange(16000) * 0.05) * 8000).astype("<i2").tobytes()
        wav.writeframes(one_second * 60 * minutes)
    data = buffer.getvalue()
    assert 60 * minutes > MAX_RECORDING_S
    tracemalloc.start()
    try:
        with pytest.raises(SpeechError, match=r"'long.wav' is 10.0 minutes long; answers are limited to 5 minutes"):
            transcribe(data, "long.wav")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(data) / 4  # the samples were never decoded (they would take twice the file as float32)


# -- the command line ----------------------------------------------------------------------------------


def test_cli_transcribes_with_confidence_and_timing_in_json():
    result = CliRunner().invoke(app, ["transcribe", str(shared_audio("jfk.flac")), "--json"])
    assert result.exit_code == 0, result.output
    out = Transcript.model_validate_json(result.stdout)
    assert word_error_rate(HUMAN_TRANSCRIPT, out.text) <= 0.10
    assert out.segments and {"avg_logprob", "no_speech_prob", "confident", "start", "end"} <= set(
        out.segments[0].model_dump()
    )
    assert out.words and out.words[0].probability is not None


def test_cli_transcribe_with_question_bias_prints_the_text(tmp_path):
    require_system_tool("/usr/bin/espeak-ng", "espeak-ng")
    q = load_bank().get(BIASED_QUESTIONS[0])
    path = tmp_path / "answer.wav"
    path.write_bytes(speak(q.answer.split(". ")[0]))
    result = CliRunner().invoke(app, ["transcribe", str(path), "--question", q.id])
    assert result.exit_code == 0, result.output
    assert "k-fold" in result.stdout.lower()


def test_cli_transcribe_of_a_corrupt_file_is_one_line(tmp_path):
    path = tmp_path / "broken.wav"
    path.write_bytes(b"\x00\xff" * 500)
    done = subprocess.run(
        [sys.executable, "-c", "from mockint.cli.main import main; main()", "transcribe", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "could not be decoded" in done.stderr
    # The CLI's user has a file, not the app's record and upload buttons.
    assert "Use another recording, in WAV, FLAC or OGG." in done.stderr and "upload" not in done.stderr


def test_cli_transcribe_of_an_empty_file_says_the_file_is_empty(tmp_path):
    path = tmp_path / "answer.wav"
    path.write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-c", "from mockint.cli.main import main; main()", "transcribe", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0
    assert f"mockint: {path} is empty (0 bytes)." in done.stderr
    assert "microphone" not in done.stderr and "browser" not in done.stderr
    missing = subprocess.run(
        [sys.executable, "-c", "from mockint.cli.main import main; main()", "transcribe", str(tmp_path / "nope.wav")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and f"No such file: {tmp_path / 'nope.wav'}." in missing.stderr


# -- engine choice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "engine"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "sk-test"}, "offline"),  # an LLM for grading does not move speech off the machine
        ({"MOCKINT_TRANSCRIPTION": "openai"}, "openai"),
    ],
)
def test_engine_choice(env, engine, monkeypatch):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    assert transcription_engine(get_settings()) == engine


def test_endpoint_engine_without_endpoint_says_how_to_configure(espeak_wav, monkeypatch):
    monkeypatch.setenv("MOCKINT_TRANSCRIPTION", "openai")
    get_settings.cache_clear()
    with pytest.raises(SpeechError, match=r"no transcription endpoint.*MOCKINT_TRANSCRIPTION=offline"):
        transcribe(espeak_wav, "audio.wav")


def test_a_whisper_folder_without_a_model_says_what_to_do(espeak_wav, monkeypatch, tmp_path):
    monkeypatch.setenv("MOCKINT_WHISPER_MODEL", str(tmp_path))
    get_settings.cache_clear()
    with pytest.raises(SpeechError, match=r"not a CTranslate2 Whisper model folder.*MOCKINT_WHISPER_MODEL"):
        transcribe(espeak_wav, "audio.wav")


# -- endpoint --------------------------------------------------------------------------------------


def multipart_fields(received) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, bytes) of each part of a multipart/form-data request."""
    content_type = next(v for k, v in received.headers.items() if k.lower() == "content-type")
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + received.body)
    assert message.is_multipart()
    return {
        part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
        for part in message.iter_parts()
    }


@pytest.fixture
def endpoint(monkeypatch):
    with ScriptedOpenAIServer() as server:
        monkeypatch.setenv("MOCKINT_TRANSCRIPTION", "openai")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-transcription")
        monkeypatch.setenv("MOCKINT_TRANSCRIPTION_MODEL", "whisper-test")
        monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "0")
        get_settings.cache_clear()
        yield server


def test_endpoint_receives_the_whole_recording_and_its_text_comes_back(endpoint, stereo_44k_wav):
    endpoint.enqueue({"text": "  Overfitting happens when a model memorizes the training data.  "}, path=TRANSCRIPTIONS)
    t = transcribe(stereo_44k_wav, "audio.wav")
    assert t.text == "Overfitting happens when a model memorizes the training data."
    assert t.engine == "endpoint:whisper-test" and t.words is None and t.segments == []
    assert t.duration_s == pytest.approx(true_duration(stereo_44k_wav))
    assert t.speech_segments
    [request] = endpoint.received(TRANSCRIPTIONS)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["authorization"] == "Bearer sk-test-transcription"
    fields = multipart_fields(request)
    assert fields["model"][1] == b"whisper-test"
    filename, upload = fields["file"]
    assert filename == "answer.wav"
    assert upload == to_wav_bytes(resample(decode_audio(stereo_44k_wav), 16000))
    sent = decode_audio(upload)
    assert sent.sample_rate == 16000 and sent.duration_s == pytest.approx(t.duration_s, abs=0.01)
    assert len(upload) < len(stereo_44k_wav) / 4


def test_endpoint_failure_raises_and_offers_offline(endpoint, espeak_wav):
    endpoint.enqueue(Reply(status=503, body={"error": {"message": "model is loading"}}), path=TRANSCRIPTIONS)
    with pytest.raises(SpeechError, match=r"Transcription by the endpoint failed.*offline transcription") as err:
        transcribe(espeak_wav, "audio.wav")
    assert "sk-test-transcription" not in str(err.value)
    assert len(endpoint.received(TRANSCRIPTIONS)) == 1


def test_endpoint_empty_text_is_no_words(endpoint, espeak_wav):
    endpoint.enqueue({"text": "   "}, path=TRANSCRIPTIONS)
    with pytest.raises(SpeechError, match="No words recognised"):
        transcribe(espeak_wav, "audio.wav")


def test_silence_is_never_uploaded(endpoint):
    with pytest.raises(SpeechError, match="No speech detected"):
        transcribe(wav_of(np.zeros(16000, dtype=np.float32), 16000), "audio.wav")
    assert endpoint.received(TRANSCRIPTIONS) == []


# -- word error rate -----------------------------------------------------------------------------------


def test_word_error_rate():
    assert word_error_rate("The model, overfits!", "the model overfits") == 0.0
    assert word_error_rate("k-fold cross validation", "k fold cross-validation") == 0.0
    assert word_error_rate("one two three four", "one three four five") == pytest.approx(0.5)
    assert word_error_rate("one two", "") == 1.0
    assert word_error_rate(["a b", "c d"], ["a b", "c x"]) == pytest.approx(0.25)
