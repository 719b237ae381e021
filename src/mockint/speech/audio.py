"""Recordings: decode any common audio file to mono float samples, resample, find where the voice is.

A browser recording (Streamlit `st.audio_input`) arrives as WAV bytes; uploads may be FLAC or OGG.
`soundfile` (libsndfile) decodes them; the stdlib `wave` module is the fallback for PCM WAV when
libsndfile is missing or refuses a file. Every failure becomes a SpeechError that says what to do.

The voice-activity analysis is deliberately simple (frame RMS against an adaptive threshold): it
only has to tell speech from pauses for delivery insights, not separate speakers or music.
"""

import io
import itertools
import math
import wave
from dataclasses import dataclass

import numpy as np
from scipy.signal import resample_poly

from mockint.errors import SpeechError

try:
    import soundfile
except OSError:  # the wheel bundles libsndfile, but a source install may lack the system library
    soundfile = None

TARGET_RATE = 16000

# Voice activity: 30 ms frames every 10 ms, the framing speech recognisers use.
FRAME_S = 0.030
HOP_S = 0.010
# Below this level a frame is silence whatever the recording (about a quiet room through a laptop mic).
NOISE_FLOOR_DB = -70.0
# A recording whose loudest frames stay under this is silent (muted or unplugged microphone).
SILENT_PEAK_DB = -50.0
# Speech stands out from the noise floor by more than this; a steady hum does not.
MIN_DYNAMIC_RANGE_DB = 10.0
# The threshold sits this far up from the noise floor towards the loud frames.
THRESHOLD_FRACTION = 0.35
# Gaps shorter than this are the dips between words and syllables, not pauses.
MIN_GAP_S = 0.25
# Bursts shorter than this are clicks and pops, not speech.
MIN_SPEECH_S = 0.08
# Less voiced time than this in a whole recording is not an answer.
MIN_TOTAL_SPEECH_S = 0.3
# The longest recording taken. A full answer to a hard question runs 75-120 s (delivery.py); 5 minutes is
# well past any answer, and bounds the work: about 50 s of offline transcription on 2 cores, and under
# 120 MB of samples even for 48 kHz stereo. A longer file is refused from its header, before decoding.
MAX_RECORDING_S = 300.0


@dataclass(frozen=True)
class Recording:
    """Mono samples in [-1, 1] at `sample_rate` Hz."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True)
class VoiceActivity:
    """Where the voice is: speech segments and the pauses between them, as (start, end) seconds."""

    segments: list[tuple[float, float]]
    pauses: list[tuple[float, float]]
    threshold_db: float
    noise_db: float
    peak_db: float

    @property
    def speech_s(self) -> float:
        return sum(end - start for start, end in self.segments)

    @property
    def has_speech(self) -> bool:
        return self.speech_s >= MIN_TOTAL_SPEECH_S


def _empty_error() -> SpeechError:
    return SpeechError(
        "The recording is empty.",
        # Said both ways: a browser recording and a file on the command line reach here alike.
        hint="If you recorded it, check the browser may use your microphone and record again; "
        "if it is a file, check that it holds sound.",
    )


def decode_audio(data: bytes, filename: str | None = None) -> Recording:
    """Decode WAV/FLAC/OGG bytes (any rate, 8/16/24/32-bit or float, any channel count) to mono."""
    if not data:
        raise _empty_error()
    _refuse_over_long(data, filename)
    samples, rate = _decode_with_soundfile(data) if soundfile is not None else (None, 0)
    if samples is None and data[:4] == b"RIFF":
        samples, rate = decode_wav_with_stdlib(data)
    if samples is None:
        what = f"'{filename}'" if filename else "The recording"
        raise SpeechError(
            f"{what} could not be decoded as audio (corrupt, truncated or an unsupported format).",
            # Said so it fits both faces: the app records in the browser, the CLI is given a file.
            hint="Use another recording, in WAV, FLAC or OGG.",
        )
    if samples.size == 0 or rate <= 0:
        raise _empty_error()
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.clip(np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0).astype(np.float32)
    return Recording(samples=mono, sample_rate=int(rate))


def _refuse_over_long(data: bytes, filename: str | None) -> None:
    """A SpeechError for a recording over MAX_RECORDING_S, read from the file's header alone."""
    duration_s = header_duration_s(data)
    if duration_s is not None and duration_s > MAX_RECORDING_S:
        what = f"'{filename}'" if filename else "The recording"
        raise SpeechError(
            f"{what} is {duration_s / 60:.1f} minutes long; answers are limited to {MAX_RECORDING_S / 60:.0f} minutes.",
            hint="Record a shorter answer, or cut the file to the answer itself.",
        )


def header_duration_s(data: bytes) -> float | None:
    """The duration a file's header declares, without decoding the samples; None when it cannot tell."""
    if soundfile is not None:
        try:
            info = soundfile.info(io.BytesIO(data))
        except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError):
            info = None
        if info is not None and info.samplerate > 0 and info.frames > 0:
            return info.frames / info.samplerate
    if data[:4] == b"RIFF":
        try:
            with wave.open(io.BytesIO(data)) as wav:
                return wav.getnframes() / wav.getframerate() if wav.getframerate() else None
        except (wave.Error, EOFError, ValueError):
            return None
    return None


def _decode_with_soundfile(data: bytes) -> tuple[np.ndarray | None, int]:
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError):
        return None, 0
    return samples, int(rate)


def decode_wav_with_stdlib(data: bytes) -> tuple[np.ndarray | None, int]:
    """PCM WAV (8-bit unsigned, 16/24/32-bit signed) with the stdlib; (None, 0) when it is not one."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, ValueError):
        return None, 0
    usable = len(raw) - len(raw) % (width * channels) if width and channels else 0
    raw = raw[:usable]
    if width == 1:
        ints = np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0
    elif width == 2:
        ints = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif width == 3:
        # Little-endian 24-bit: put the three bytes in the top of an int32, then shift back down with sign.
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = ((triples[:, 0] << 8 | triples[:, 1] << 16 | triples[:, 2] << 24) >> 8).astype(np.float32)
    elif width == 4:
        ints = np.frombuffer(raw, dtype="<i4").astype(np.float32)
    else:
        return None, 0
    scale = float(2 ** (8 * width - 1))
    return (ints / scale).reshape(-1, channels), rate


def resample(rec: Recording, rate: int = TARGET_RATE) -> Recording:
    """The same sound at `rate` Hz (polyphase filtering, so no aliasing when going down)."""
    if rec.sample_rate == rate:
        return rec
    factor = math.gcd(rec.sample_rate, rate)
    out = resample_poly(rec.samples, rate // factor, rec.sample_rate // factor)
    return Recording(samples=np.clip(out, -1.0, 1.0).astype(np.float32), sample_rate=rate)


def to_pcm16(rec: Recording) -> bytes:
    """Raw little-endian 16-bit samples, what speech recognisers eat."""
    return (np.clip(rec.samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def to_wav_bytes(rec: Recording) -> bytes:
    """A mono 16-bit PCM WAV file of the recording."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rec.sample_rate)
        wav.writeframes(to_pcm16(rec))
    return buffer.getvalue()


def frame_levels_db(rec: Recording) -> np.ndarray:
    """RMS level of each 30 ms frame (hop 10 ms) in dBFS."""
    frame = max(1, round(FRAME_S * rec.sample_rate))
    hop = max(1, round(HOP_S * rec.sample_rate))
    samples = rec.samples.astype(np.float64)
    if len(samples) < frame:
        samples = np.pad(samples, (0, frame - len(samples)))
    # Running sums of squares, not a frames x samples matrix: minutes of 48 kHz audio stay a few MB.
    energy = np.concatenate([[0.0], np.cumsum(samples**2)])
    starts = np.arange(0, len(samples) - frame + 1, hop)
    rms = np.sqrt(np.maximum(energy[starts + frame] - energy[starts], 0.0) / frame)
    return 20.0 * np.log10(np.maximum(rms, 1e-10))


def voice_activity(rec: Recording) -> VoiceActivity:
    """Speech segments and pauses (between segments; leading and trailing silence is not a pause)."""
    levels = frame_levels_db(rec)
    noise_db = max(float(np.percentile(levels, 10)), NOISE_FLOOR_DB)
    peak_db = float(np.percentile(levels, 99))
    threshold = noise_db + THRESHOLD_FRACTION * (peak_db - noise_db)
    if peak_db < SILENT_PEAK_DB or peak_db - noise_db < MIN_DYNAMIC_RANGE_DB:
        return VoiceActivity([], [], threshold, noise_db, peak_db)
    segments = _runs(levels >= threshold)
    merged: list[tuple[float, float]] = []
    for start, end in segments:
        if merged and start - merged[-1][1] < MIN_GAP_S:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    speech = [(s, e) for s, e in merged if e - s >= MIN_SPEECH_S]
    pauses = [(a_end, b_start) for (_, a_end), (b_start, _) in itertools.pairwise(speech)]
    return VoiceActivity(speech, pauses, threshold, noise_db, peak_db)


def _runs(voiced: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of each run of voiced frames; a frame covers [i*hop, i*hop + frame)."""
    edges = np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        (round(float(s) * HOP_S, 3), round(float(e - 1) * HOP_S + FRAME_S, 3))
        for s, e in zip(starts, ends, strict=True)
    ]


def require_speech(rec: Recording) -> VoiceActivity:
    """The voice activity of a recording that has speech in it; a SpeechError when it has none."""
    activity = voice_activity(rec)
    if not activity.has_speech:
        raise SpeechError(
            f"No speech detected in the {rec.duration_s:.1f} s recording.",
            hint="Check that the right microphone is selected and not muted, speak closer to it, and record again.",
        )
    return activity
