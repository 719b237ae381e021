"""Spoken answers to text: offline (pocketsphinx) or an OpenAI-compatible transcription endpoint.

Both paths start the same way: decode the recording, refuse silence, resample to 16 kHz mono.
The transcript is a draft the candidate checks and edits before grading; the offline engine is
rough, and its `note` says so plainly. An endpoint failure raises SpeechError; the app then
offers `transcribe_offline` as an explicit fallback, never a silent one.
"""

import re
import shutil
import subprocess
import threading
import time
from functools import cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from mockint.config import Settings, get_settings
from mockint.doors.llm import LLMClient
from mockint.errors import LLMError, SpeechError
from mockint.speech.audio import (
    TARGET_RATE,
    Recording,
    decode_audio,
    require_speech,
    resample,
    to_pcm16,
    to_wav_bytes,
)
from mockint.speech.delivery import DeliveryInsights, delivery_insights

OFFLINE_ENGINE = "pocketsphinx"
OFFLINE_NOTE = (
    "Offline transcription (pocketsphinx) is rough — about half the words may be wrong, more for technical "
    "terms. Check and correct the transcript before grading."
)
ENDPOINT_NOTE = "Transcribed by {model}. Check the transcript and fix any misheard terms before grading."
# Tokens pocketsphinx emits for silence and noise, not words.
_NON_WORD = re.compile(r"^(<.*>|\[.*\]|\+.*\+)$")
# Pronunciation variants come back as "word(2)".
_VARIANT = re.compile(r"\(\d+\)$")
# pocketsphinx's acoustic model was trained on recordings that always carry some room noise; exact
# digital silence (muted gaps, synthetic audio) throws off its feature normalisation and costs most of
# the words. A fixed -56 dBFS noise floor, far below any real microphone's own noise, restores it.
_DECODER_NOISE_RMS = 0.0015
_DECODER_NOISE_SEED = 16000

_decoder_lock = threading.Lock()


class TimedWord(BaseModel):
    word: str
    start: float
    end: float


class Transcript(BaseModel):
    """What was said. `words` has timings when the engine gives them (offline does, endpoints do not)."""

    text: str
    words: list[TimedWord] | None = None
    engine: str
    duration_s: float
    note: str | None = None
    # Where the voice is in the recording (energy-based), for delivery insights when `words` is None.
    speech_segments: list[tuple[float, float]] = Field(default_factory=list)

    def delivery(self, text: str | None = None, *, expected_words: int | None = None) -> DeliveryInsights:
        """Delivery insights of this recording for `text` (the transcript as the candidate corrected it)."""
        return delivery_insights(
            self.text if text is None else text,
            word_timings=[(w.start, w.end) for w in self.words] if self.words else None,
            speech_segments=self.speech_segments,
            total_time_s=self.duration_s,
            expected_words=expected_words,
        )


def transcription_engine(settings: Settings) -> Literal["offline", "openai"]:
    """auto: the endpoint when an LLM endpoint is configured, else offline."""
    if settings.transcription == "auto":
        return "openai" if settings.llm_configured else "offline"
    return settings.transcription


def transcribe(
    recording_bytes: bytes,
    filename: str | None = None,
    *,
    settings: Settings | None = None,
    client: LLMClient | None = None,
) -> Transcript:
    """Transcribe a recording with the engine chosen by MOCKINT_TRANSCRIPTION."""
    settings = settings or get_settings()
    if transcription_engine(settings) == "offline":
        return transcribe_offline(recording_bytes, filename)
    if client is None:
        if not settings.llm_configured:
            raise SpeechError(
                "MOCKINT_TRANSCRIPTION=openai, but no transcription endpoint is configured.",
                hint="Set OPENAI_API_KEY (and OPENAI_BASE_URL for a non-OpenAI server), "
                "or set MOCKINT_TRANSCRIPTION=offline.",
            )
        client = LLMClient.from_settings(settings)
    return transcribe_with_endpoint(recording_bytes, filename, client=client, model=settings.transcription_model)


def _prepared(recording_bytes: bytes, filename: str | None) -> tuple[Recording, Recording, list[tuple[float, float]]]:
    """(original, 16 kHz mono, speech segments), or a SpeechError for empty, corrupt or silent audio."""
    original = decode_audio(recording_bytes, filename)
    activity = require_speech(original)
    return original, resample(original, TARGET_RATE), activity.segments


def transcribe_with_endpoint(
    recording_bytes: bytes, filename: str | None = None, *, client: LLMClient, model: str
) -> Transcript:
    """Send the recording (re-encoded as 16 kHz mono 16-bit WAV, to keep uploads small) to the endpoint."""
    original, rec16k, segments = _prepared(recording_bytes, filename)
    try:
        text = client.transcribe(to_wav_bytes(rec16k), "answer.wav", model)
    except LLMError as exc:
        raise SpeechError(
            f"Transcription by the endpoint failed: {exc.problem}",
            hint="Use offline transcription instead (rougher), or type your answer.",
        ) from exc
    text = " ".join((text or "").split())
    if not text:
        raise _no_words(original)
    return Transcript(
        text=text,
        words=None,
        engine=f"endpoint:{model}",
        duration_s=original.duration_s,
        note=ENDPOINT_NOTE.format(model=model),
        speech_segments=segments,
    )


def transcribe_offline(recording_bytes: bytes, filename: str | None = None) -> Transcript:
    """pocketsphinx with its bundled US-English model: no network, word timings, rough accuracy."""
    original, rec16k, segments = _prepared(recording_bytes, filename)
    words = recognise(rec16k)
    if not words:
        raise _no_words(original)
    return Transcript(
        text=" ".join(w.word for w in words),
        words=words,
        engine=OFFLINE_ENGINE,
        duration_s=original.duration_s,
        note=OFFLINE_NOTE,
        speech_segments=segments,
    )


def _no_words(rec: Recording) -> SpeechError:
    return SpeechError(
        f"No words recognised in the {rec.duration_s:.1f} s recording.",
        hint="Speak clearly, close to the microphone, and record again — or type your answer.",
    )


@cache
def _decoder() -> Any:
    """One pocketsphinx decoder per process: loading the model takes about half a second."""
    try:
        from pocketsphinx import Decoder
    except ImportError as exc:
        raise SpeechError(
            "Offline transcription needs the pocketsphinx package, which is not installed.",
            hint="Run `pip install pocketsphinx`, or configure a transcription endpoint (see .env.example).",
        ) from exc
    return Decoder(samprate=TARGET_RATE, loglevel="FATAL")


def recognise(rec16k: Recording) -> list[TimedWord]:
    """Words with start/end seconds from 16 kHz mono audio (pocketsphinx frames are 10 ms)."""
    if rec16k.sample_rate != TARGET_RATE:
        raise ValueError(f"recognise() needs {TARGET_RATE} Hz audio, got {rec16k.sample_rate} Hz")
    noise = np.random.default_rng(_DECODER_NOISE_SEED).normal(0.0, _DECODER_NOISE_RMS, len(rec16k.samples))
    pcm = to_pcm16(Recording(samples=rec16k.samples + noise.astype(np.float32), sample_rate=TARGET_RATE))
    with _decoder_lock:  # a decoder is not thread-safe, and Streamlit serves sessions from threads
        decoder = _decoder()
        frame_rate = int(decoder.config["frate"])
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        segments = [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]
    words = []
    for token, start, end in segments:
        if _NON_WORD.match(token):
            continue
        words.append(TimedWord(word=_VARIANT.sub("", token), start=start / frame_rate, end=(end + 1) / frame_rate))
    return words


# -- benchmark ------------------------------------------------------------------------------------

BENCH_SENTENCES = (
    "Gradient descent updates the model weights to reduce the training loss.",
    "Overfitting happens when a model memorizes the training data instead of learning general patterns.",
    "I would use a hash table because lookups take constant time on average.",
)


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by word-level edit distance."""
    return edit_distance(words_of(reference), words_of(hypothesis)) / max(1, len(words_of(reference)))


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h))
    return row[-1]


def speak(text: str, *, espeak: str = "espeak-ng", voice: str = "en-us", words_per_minute: int = 160) -> bytes:
    """WAV bytes (22050 Hz mono) of `text` spoken by espeak-ng."""
    exe = shutil.which(espeak)
    if exe is None:
        raise SpeechError("espeak-ng is not installed.", hint="Install it with `sudo apt-get install espeak-ng`.")
    done = subprocess.run(
        [exe, "-v", voice, "-s", str(words_per_minute), "--stdout", text], capture_output=True, check=True, timeout=60
    )
    return done.stdout


def bench_transcription(sentences: tuple[str, ...] = BENCH_SENTENCES) -> dict[str, Any]:
    """Offline word accuracy (1 - WER over all words) and speed on espeak-ng speech of known sentences."""
    started = time.perf_counter()
    _decoder()
    load_s = time.perf_counter() - started
    edits = ref_words = 0
    audio_s = decode_s = 0.0
    cases = []
    for sentence in sentences:
        wav = speak(sentence)
        started = time.perf_counter()
        transcript = transcribe_offline(wav, "bench.wav")
        elapsed = time.perf_counter() - started
        n_edits = edit_distance(words_of(sentence), words_of(transcript.text))
        edits += n_edits
        ref_words += len(words_of(sentence))
        audio_s += transcript.duration_s
        decode_s += elapsed
        cases.append(
            {
                "reference": sentence,
                "hypothesis": transcript.text,
                "wer": n_edits / len(words_of(sentence)),
                "audio_s": transcript.duration_s,
                "transcribe_s": elapsed,
            }
        )
    return {
        "word_accuracy": 1.0 - edits / ref_words,
        "audio_s": audio_s,
        "transcribe_s": decode_s,
        "real_time_factor": decode_s / audio_s,
        "model_load_s": load_s,
        "cases": cases,
    }
