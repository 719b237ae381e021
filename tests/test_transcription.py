"""Transcription on real speech (espeak-ng), offline and through a real OpenAI-compatible HTTP server."""

import io
from email import policy
from email.parser import BytesParser

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly

from conftest import require_system_tool
from mockint.config import get_settings
from mockint.errors import SpeechError
from mockint.speech.audio import decode_audio, resample, to_wav_bytes, voice_activity
from mockint.speech.transcription import (
    OFFLINE_ENGINE,
    edit_distance,
    speak,
    transcribe,
    transcribe_offline,
    transcription_engine,
    word_error_rate,
    words_of,
)
from scripted_openai import Reply, ScriptedOpenAIServer

SENTENCE = "Overfitting happens when a model memorizes the training data instead of learning general patterns."
DISTINCTIVE = {
    "overfitting",
    "happens",
    "model",
    "memorizes",
    "training",
    "data",
    "instead",
    "learning",
    "general",
    "patterns",
}
SECOND = "Regularization keeps the weights small so the model generalizes."
TRANSCRIPTIONS = "/v1/audio/transcriptions"


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
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def offline_transcript(espeak_wav):
    return transcribe_offline(espeak_wav, "audio.wav")


def true_duration(wav: bytes) -> float:
    info = soundfile.info(io.BytesIO(wav))
    return info.frames / info.samplerate


def recognised(text: str) -> set[str]:
    return set(words_of(text)) & DISTINCTIVE


# -- offline -------------------------------------------------------------------------------------


def test_offline_transcribes_22khz_speech(offline_transcript, espeak_wav):
    t = offline_transcript
    assert t.engine == OFFLINE_ENGINE
    assert len(recognised(t.text)) >= 3, t.text
    assert "rough" in t.note and "correct the transcript" in t.note
    assert not any(tok in t.text for tok in ("<s>", "</s>", "<sil>", "[NOISE]", "(2)"))
    assert t.duration_s == pytest.approx(true_duration(espeak_wav), rel=0.15)
    assert t.words and t.text == " ".join(w.word for w in t.words)
    assert all(0.0 <= w.start < w.end <= t.duration_s + 0.02 for w in t.words)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(t.words, t.words[1:], strict=False))
    # The words cover the voiced part of the recording.
    (voice_start, _), (_, voice_end) = t.speech_segments[0], t.speech_segments[-1]
    span = t.words[-1].end - t.words[0].start
    assert span == pytest.approx(voice_end - voice_start, rel=0.15)


def test_offline_pace_is_plausible(offline_transcript):
    insights = offline_transcript.delivery(SENTENCE, expected_words=140)
    assert insights.words == 14
    assert 110 <= insights.wpm <= 230  # espeak-ng was asked for 160 words per minute
    assert insights.long_pauses == []
    assert insights.length_verdict == "too short"


def test_stereo_44khz_recording_goes_through_the_same_path(stereo_44k_wav, espeak_wav):
    t = transcribe(stereo_44k_wav, "audio.wav", settings=get_settings())  # auto, no endpoint -> offline
    assert t.engine == OFFLINE_ENGINE
    assert len(recognised(t.text)) >= 3, t.text
    assert t.duration_s == pytest.approx(true_duration(espeak_wav), rel=0.15)


def test_inserted_silence_shows_as_a_long_pause(paused_wav):
    t = transcribe_offline(paused_wav, "audio.wav")
    first_end = true_duration(speak(SENTENCE))
    for insights in (t.delivery(), t.model_copy(update={"words": None}).delivery()):  # word timings, then VAD
        assert len(insights.long_pauses) == 1, insights.long_pauses
        start, duration = insights.long_pauses[0]
        assert 1.9 <= duration <= 3.0
        assert first_end - 0.8 <= start <= first_end
        assert any("paused" in tip for tip in insights.tips)
    assert len(voice_activity(decode_audio(paused_wav)).pauses) >= 1


def test_pure_silence_is_refused_before_any_engine_runs():
    silence = io.BytesIO()
    soundfile.write(silence, np.zeros(3 * 16000, dtype=np.float32), 16000, format="WAV", subtype="PCM_16")
    with pytest.raises(SpeechError, match="No speech detected"):
        transcribe(silence.getvalue(), "audio.wav")


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
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    get_settings.cache_clear()
    with pytest.raises(SpeechError, match=message):  # refused before anything is uploaded
        transcribe(data, "audio.wav")


# -- engine choice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "engine"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "sk-test"}, "openai"),
        ({"OPENAI_BASE_URL": "http://x/v1"}, "openai"),
        ({"OPENAI_API_KEY": "sk-test", "MOCKINT_TRANSCRIPTION": "offline"}, "offline"),
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
    assert t.engine == "endpoint:whisper-test" and t.words is None
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
    silence = io.BytesIO()
    soundfile.write(silence, np.zeros(16000, dtype=np.float32), 16000, format="WAV", subtype="PCM_16")
    with pytest.raises(SpeechError, match="No speech detected"):
        transcribe(silence.getvalue(), "audio.wav")
    assert endpoint.received(TRANSCRIPTIONS) == []


# -- word error rate (for the benchmark) ------------------------------------------------------------


def test_word_error_rate():
    assert edit_distance(["a", "b", "c"], ["a", "x", "c", "d"]) == 2
    assert word_error_rate("The model, overfits!", "the model overfits") == 0.0
    assert word_error_rate("one two three four", "one three four five") == pytest.approx(0.5)
    assert word_error_rate("one two", "") == 1.0
