"""Spoken answers to text: offline (Whisper via faster-whisper) or an OpenAI-compatible transcription endpoint.

Both paths start the same way: decode the recording, refuse silence and over-long files, resample to
16 kHz mono. Offline decoding is biased by the question (its text and the rubric's technical terms as
Whisper's prompt, see `bias.py`), and every segment carries Whisper's confidence: a segment that is
probably misheard is marked for the candidate, and a recording that is mostly unintelligible says so
(`Transcript.mostly_unclear`) and is never graded without the candidate confirming or editing it.
The transcript is always a draft the candidate checks; an endpoint failure raises SpeechError and the
app offers offline transcription as an explicit choice, never a silent one.
"""

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from mockint.config import Settings, get_settings
from mockint.doors.llm import LLMClient
from mockint.doors.whisper import HeardSegment, WhisperRecogniser, whisper_recogniser
from mockint.errors import LLMError, SpeechError
from mockint.speech.audio import (
    TARGET_RATE,
    Recording,
    decode_audio,
    require_speech,
    resample,
    to_wav_bytes,
)
from mockint.speech.bias import SpeechBias
from mockint.speech.delivery import DeliveryInsights, delivery_insights

OFFLINE_NOTE = "Transcribed offline by Whisper {model}. Check the transcript and fix any misheard terms before grading."
ENDPOINT_NOTE = "Transcribed by {model}. Check the transcript and fix any misheard terms before grading."
# The confidence gate, from `python -m benchmarks.run speech-gate`: six espeak-ng sentences that are neither
# the bank's nor the tests', clean, under white noise, played backwards, and noise bursts (plain decoding).
# - avg_logprob: clean segments -0.28 to -0.87 (the one under -0.8 was misheard: "In that sense, there is"
#   for "The index answers"); at 0 dB SNR, where no word was right, -0.81 to -1.15. -0.8 marks 5 of those 6
#   and 1 clean one; Whisper's own -1.0 would pass half of the 0 dB ones and of the speech played backwards.
# - no_speech_prob: clean at most 0.24; text made up from noise or from the silence after an answer 0.6 to
#   0.97. 0.6 is Whisper's own threshold.
# With the question prompt Whisper is surer of everything, garbled speech included (0 dB SNR segments reach
# -0.5): about half of those pass. The gate helps the candidate look; the transcript is always shown.
LOW_LOGPROB = -0.8
HIGH_NO_SPEECH = 0.6
# Whisper's own sign of a decoding loop ("thank you thank you thank you"): text that compresses this well.
HIGH_COMPRESSION_RATIO = 2.4
# Voice this long after the last word heard is words Whisper dropped, not the fade of the last one (word
# ends from Whisper's alignment sit within 0.2 s of the energy-based voice end on espeak-ng and jfk.flac).
DROPPED_TAIL_S = 0.5
# More than half the words unclear: the recording as a whole cannot be trusted.
MOSTLY_UNCLEAR_SHARE = 0.5


class TimedWord(BaseModel):
    word: str
    start: float
    end: float
    probability: float | None = None


class TranscriptSegment(BaseModel):
    """A stretch of the transcript with Whisper's confidence in it."""

    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float
    confident: bool


class Transcript(BaseModel):
    """What was said. `words` and `segments` come from Whisper; an endpoint gives the text alone."""

    text: str
    words: list[TimedWord] | None = None
    segments: list[TranscriptSegment] = Field(default_factory=list)
    engine: str
    duration_s: float
    note: str | None = None
    # Where the voice is in the recording (energy-based), for delivery insights when `words` is None.
    speech_segments: list[tuple[float, float]] = Field(default_factory=list)

    @computed_field
    @property
    def unclear_share(self) -> float:
        """The share of the words that sit in low-confidence segments (0 without segments)."""
        total = sum(len(s.text.split()) for s in self.segments)
        unclear = sum(len(s.text.split()) for s in self.segments if not s.confident)
        return unclear / total if total else 0.0

    @property
    def mostly_unclear(self) -> bool:
        return self.unclear_share > MOSTLY_UNCLEAR_SHARE

    @property
    def unclear_parts(self) -> list[str]:
        return [s.text for s in self.segments if not s.confident]

    def marked_text(self, open_mark: str = "[? ", close_mark: str = " ?]", escape: Callable[[str], str] = str) -> str:
        """The transcript with each low-confidence segment between the marks (`escape` applied to the text)."""
        if not self.segments:
            return escape(self.text)
        return " ".join(
            escape(s.text) if s.confident else f"{open_mark}{escape(s.text)}{close_mark}" for s in self.segments
        )

    def delivery(self, *, expected_words: int | None = None) -> DeliveryInsights:
        """Delivery insights of this recording, from what Whisper heard: fillers and pace are about how the
        candidate spoke, so the corrections made before grading do not change them."""
        return delivery_insights(
            self.text,
            word_timings=[(w.start, w.end) for w in self.words] if self.words else None,
            speech_segments=self.speech_segments,
            total_time_s=self.duration_s,
            expected_words=expected_words,
        )


def transcription_engine(settings: Settings) -> Literal["offline", "openai"]:
    return settings.transcription


def transcribe(
    recording_bytes: bytes,
    filename: str | None = None,
    *,
    settings: Settings | None = None,
    client: LLMClient | None = None,
    bias: SpeechBias | None = None,
) -> Transcript:
    """Transcribe a recording with the engine chosen by MOCKINT_TRANSCRIPTION (offline Whisper by default)."""
    settings = settings or get_settings()
    if transcription_engine(settings) == "offline":
        return transcribe_offline(recording_bytes, filename, bias=bias, settings=settings)
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
    """(original, 16 kHz mono, speech segments), or a SpeechError for empty, corrupt, over-long or silent audio."""
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
            hint="Use offline transcription instead, or type your answer.",
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


def whisper_for(settings: Settings) -> WhisperRecogniser:
    """The shared Whisper model of these settings (MOCKINT_WHISPER_MODEL, else the bundled tiny.en)."""
    return whisper_recogniser(settings.whisper_model)


def transcribe_offline(
    recording_bytes: bytes,
    filename: str | None = None,
    *,
    bias: SpeechBias | None = None,
    settings: Settings | None = None,
) -> Transcript:
    """Whisper on this machine: no network, word timings, a confidence figure for every segment."""
    original, rec16k, segments = _prepared(recording_bytes, filename)
    recogniser = whisper_for(settings or get_settings())
    prompt, hotwords = (bias.prompt, bias.hotwords) if bias else (None, None)
    voice_end = segments[-1][1]
    # Heard up to DROPPED_TAIL_S before the voice ends is heard in full: what follows is silence. On the
    # bank's spoken answers and jfk.flac this stop left out only made-up segments that `_voiced` drops anyway,
    # and saved a third of the CPU time (`python -m benchmarks.run speech`).
    heard = recogniser.recognise(rec16k.samples, prompt=prompt, hotwords=hotwords, stop_at_s=voice_end - DROPPED_TAIL_S)
    heard = _voiced(heard, segments)
    if not heard:
        raise _no_words(original)
    tail = _dropped_tail(recogniser, rec16k, heard, voice_end=voice_end, prompt=prompt, hotwords=hotwords)
    heard += _voiced(tail, segments)
    return Transcript(
        text=" ".join(s.text for s in heard),
        words=[
            TimedWord(word=w.word, start=w.start, end=w.end, probability=w.probability) for s in heard for w in s.words
        ],
        segments=[
            TranscriptSegment(
                text=s.text,
                start=s.start,
                end=s.end,
                avg_logprob=s.avg_logprob,
                no_speech_prob=s.no_speech_prob,
                confident=is_confident(s),
            )
            for s in heard
        ],
        engine=f"whisper:{recogniser.name}",
        duration_s=original.duration_s,
        note=OFFLINE_NOTE.format(model=recogniser.name),
        speech_segments=segments,
    )


def _voiced(heard: list[HeardSegment], voice: list[tuple[float, float]]) -> list[HeardSegment]:
    """The segments with words that are not made up from silence.

    Whisper decodes 30 s windows, padding a shorter recording with silence, and from that silence it may
    write text of its own ("Thank you very much."), more so when prompted; such a segment has a high
    no-speech probability and lies mostly (over half its span) outside the voice the energy check found. Dropping it
    loses none of the candidate's words; a made-up segment over voice stays, for the gate to mark.
    """
    return [s for s in heard if s.text and not (s.no_speech_prob > HIGH_NO_SPEECH and _voiced_share(s, voice) < 0.5)]


def _voiced_share(segment: HeardSegment, voice: list[tuple[float, float]]) -> float:
    span = max(segment.end - segment.start, 1e-6)
    overlap = sum(max(0.0, min(end, segment.end) - max(start, segment.start)) for start, end in voice)
    return overlap / span


def _dropped_tail(
    recogniser: WhisperRecogniser,
    rec16k: Recording,
    heard: list[HeardSegment],
    *,
    voice_end: float,
    prompt: str | None,
    hotwords: str | None,
) -> list[HeardSegment]:
    """The last words, when Whisper stopped before the voice did.

    Decoding with timestamps, Whisper sometimes predicts the end of the text before the last words of a
    recording that ends right after them ("...instead of learning" for "...instead of learning general
    patterns"). When the voice goes on past the last word heard, the rest is decoded on its own, with what
    was heard so far as the prompt, so the candidate's last words are shown (and gated) rather than lost.
    """
    last = heard[-1].words[-1].end if heard[-1].words else heard[-1].end
    if voice_end - last < DROPPED_TAIL_S:
        return []
    context = " ".join(filter(None, [prompt, *(s.text for s in heard)]))
    rest = rec16k.samples[int(last * TARGET_RATE) :]
    tail = recogniser.recognise(rest, prompt=context, hotwords=hotwords, stop_at_s=voice_end - last - DROPPED_TAIL_S)
    return [_shifted(s, last) for s in tail if s.text]


def _shifted(segment: HeardSegment, offset: float) -> HeardSegment:
    words = tuple(replace(w, start=w.start + offset, end=w.end + offset) for w in segment.words)
    return replace(segment, start=segment.start + offset, end=segment.end + offset, words=words)


def is_confident(segment: HeardSegment) -> bool:
    """Whisper was sure enough of this segment to show it without a mark."""
    return (
        segment.avg_logprob >= LOW_LOGPROB
        and segment.no_speech_prob <= HIGH_NO_SPEECH
        and segment.compression_ratio <= HIGH_COMPRESSION_RATIO
    )


def _no_words(rec: Recording) -> SpeechError:
    return SpeechError(
        f"No words recognised in the {rec.duration_s:.1f} s recording.",
        hint="Speak clearly, close to the microphone, and record again — or type your answer.",
    )


def speak(text: str, *, espeak: str = "espeak-ng", voice: str = "en-us", words_per_minute: int = 160) -> bytes:
    """WAV bytes (22050 Hz mono) of `text` spoken by espeak-ng."""
    exe = shutil.which(espeak)
    if exe is None:
        raise SpeechError("espeak-ng is not installed.", hint="Install it with `sudo apt-get install espeak-ng`.")
    done = subprocess.run(
        [exe, "-v", voice, "-s", str(words_per_minute), "--stdout", text], capture_output=True, check=True, timeout=60
    )
    return done.stdout
