"""Decoding, resampling and voice activity on real audio files (generated here, never downloaded)."""

import io
import wave

import numpy as np
import pytest
import soundfile

from mockint.errors import SpeechError
from mockint.speech.audio import (
    Recording,
    decode_audio,
    decode_wav_with_stdlib,
    require_speech,
    resample,
    to_pcm16,
    to_wav_bytes,
    voice_activity,
)

RNG = np.random.default_rng(7)


def tone(seconds: float, rate: int, freq: float = 220.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(samples: np.ndarray, rate: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def speech_like(rate: int, bursts: list[tuple[float, float]], total: float, noise_db: float = -60.0) -> np.ndarray:
    """Voiced bursts (a vowel-ish harmonic tone, syllable-modulated) in a low noise floor."""
    samples = RNG.normal(0.0, 10 ** (noise_db / 20), round(total * rate)).astype(np.float32)
    for start, end in bursts:
        burst = tone(end - start, rate, 180.0, 0.3) + tone(end - start, rate, 540.0, 0.1)
        envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * np.arange(len(burst)) / rate)
        i = round(start * rate)
        samples[i : i + len(burst)] += burst * envelope
    return samples


@pytest.mark.parametrize(
    ("subtype", "tolerance"),
    [("PCM_U8", 1 / 64), ("PCM_16", 1e-4), ("PCM_24", 1e-6), ("PCM_32", 1e-6), ("FLOAT", 1e-7), ("DOUBLE", 1e-7)],
)
def test_wav_sample_formats_decode_to_the_same_sound(subtype, tolerance):
    original = tone(0.5, 22050)
    rec = decode_audio(encode(original, 22050, "WAV", subtype), "a.wav")
    assert rec.sample_rate == 22050
    assert rec.samples.dtype == np.float32 and rec.samples.ndim == 1
    assert rec.duration_s == pytest.approx(0.5)
    assert np.max(np.abs(rec.samples - original)) < tolerance


@pytest.mark.parametrize(("fmt", "subtype"), [("FLAC", "PCM_16"), ("OGG", "VORBIS")])
def test_flac_and_ogg_decode(fmt, subtype):
    original = tone(1.0, 48000)
    rec = decode_audio(encode(original, 48000, fmt, subtype), f"a.{fmt.lower()}")
    assert rec.sample_rate == 48000
    assert rec.duration_s == pytest.approx(1.0, abs=0.01)
    rms = float(np.sqrt(np.mean(rec.samples**2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_stereo_is_mixed_to_mono():
    left, right = tone(0.5, 44100, 220.0, 0.4), tone(0.5, 44100, 330.0, 0.2)
    rec = decode_audio(encode(np.stack([left, right], axis=1), 44100, "WAV", "PCM_24"))
    assert rec.samples.ndim == 1
    assert np.allclose(rec.samples, (left + right) / 2, atol=1e-5)


def test_float_wav_beyond_full_scale_is_clipped():
    loud = np.array([0.0, 1.5, -2.0, np.nan, 0.25], dtype=np.float32)
    rec = decode_audio(encode(loud, 16000, "WAV", "FLOAT"))
    assert rec.samples.tolist() == [0.0, 1.0, -1.0, 0.0, 0.25]


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_stdlib_wav_fallback_reads_pcm_widths(width):
    original = tone(0.2, 8000, 440.0, 0.5)
    stereo = np.stack([original, -original], axis=1)
    buffer = io.BytesIO()
    scale = 2 ** (8 * width - 1)
    ints = np.round(stereo * (scale - 1)).astype(np.int64)
    if width == 1:
        raw = (ints + 128).astype(np.uint8).tobytes()
    else:
        raw = b"".join(int(v).to_bytes(width, "little", signed=True) for v in ints.ravel())
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(width)
        wav.setframerate(8000)
        wav.writeframes(raw)
    samples, rate = decode_wav_with_stdlib(buffer.getvalue())
    assert rate == 8000 and samples.shape == (len(original), 2)
    assert np.max(np.abs(samples[:, 0] - original)) < 2 / scale + 1e-6
    assert np.max(np.abs(samples[:, 1] + original)) < 2 / scale + 1e-6


def test_stdlib_fallback_refuses_what_is_not_pcm_wav():
    assert decode_wav_with_stdlib(b"RIFF\x00\x00\x00\x00WAVEjunk") == (None, 0)
    assert decode_wav_with_stdlib(encode(tone(0.1, 8000), 8000, "WAV", "FLOAT")) == (None, 0)


def test_resample_keeps_duration_and_pitch():
    rec = Recording(samples=tone(1.0, 44100, 440.0), sample_rate=44100)
    out = resample(rec, 16000)
    assert out.sample_rate == 16000 and len(out.samples) == 16000
    assert out.samples.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(out.samples))
    assert np.argmax(spectrum) * 16000 / len(out.samples) == pytest.approx(440.0, abs=2.0)
    assert resample(out, 16000) is out


def test_resample_from_22050_removes_what_16k_cannot_hold():
    rec = Recording(samples=tone(1.0, 22050, 10000.0), sample_rate=22050)  # above 16 kHz's 8 kHz Nyquist
    middle = resample(rec, 16000).samples[800:-800]  # the tone's abrupt start and end are broadband
    assert float(np.max(np.abs(middle))) < 0.01


def test_pcm16_and_wav_bytes_round_trip():
    rec = Recording(samples=np.array([0.0, 0.5, -0.5, 1.0, -1.0], dtype=np.float32), sample_rate=16000)
    assert np.frombuffer(to_pcm16(rec), dtype="<i2").tolist() == [0, 16384, -16384, 32767, -32767]
    back = decode_audio(to_wav_bytes(rec))
    assert back.sample_rate == 16000
    assert np.allclose(back.samples, rec.samples, atol=1e-4)
    with wave.open(io.BytesIO(to_wav_bytes(rec))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)


def test_empty_recording_says_to_check_the_microphone():
    with pytest.raises(SpeechError, match=r"empty.*may use your microphone.*if it is a file, check that it holds"):
        decode_audio(b"", "audio.wav")
    header_only = encode(np.zeros(0, dtype=np.float32), 16000, "WAV", "PCM_16")
    with pytest.raises(SpeechError, match="empty"):
        decode_audio(header_only, "audio.wav")


@pytest.mark.parametrize(
    "data",
    [b"this is not audio at all" * 20, b"RIFF\x24\x00\x00\x00WAVEfmt ", bytes(range(256)) * 8],
    ids=["text", "truncated-header", "garbage"],
)
def test_corrupt_recording_cannot_be_decoded(data):
    with pytest.raises(
        SpeechError, match=r"'audio.wav' could not be decoded.*Use another recording, in WAV, FLAC or OGG\.$"
    ):
        decode_audio(data, "audio.wav")


def test_truncated_recording_keeps_what_arrived():
    full = encode(tone(2.0, 16000), 16000, "WAV", "PCM_16")
    rec = decode_audio(full[: len(full) // 2])
    assert rec.duration_s == pytest.approx(1.0, abs=0.01)


def test_voice_activity_finds_bursts_and_the_pause_between():
    rate = 16000
    rec = Recording(speech_like(rate, [(0.5, 1.7), (3.9, 5.0)], 6.0), rate)
    activity = voice_activity(rec)
    assert len(activity.segments) == 2
    (s1, e1), (s2, e2) = activity.segments
    assert s1 == pytest.approx(0.5, abs=0.05) and e1 == pytest.approx(1.7, abs=0.05)
    assert s2 == pytest.approx(3.9, abs=0.05) and e2 == pytest.approx(5.0, abs=0.05)
    assert activity.pauses == [(e1, s2)]
    assert activity.has_speech


def test_voice_activity_bridges_gaps_between_words():
    rate = 16000
    rec = Recording(speech_like(rate, [(0.5, 1.0), (1.15, 1.6), (1.75, 2.4)], 3.0, noise_db=-45.0), rate)
    activity = voice_activity(rec)
    assert len(activity.segments) == 1 and activity.pauses == []


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(32000, dtype=np.float32),
        RNG.normal(0.0, 0.0005, 32000).astype(np.float32),
        (0.3 * np.sin(2 * np.pi * 50 * np.arange(32000) / 16000)).astype(np.float32),
    ],
    ids=["digital-silence", "quiet-room", "steady-hum"],
)
def test_silence_has_no_speech(samples):
    rec = decode_audio(encode(samples, 16000, "WAV", "PCM_16"), "audio.wav")
    assert not voice_activity(rec).has_speech
    with pytest.raises(SpeechError, match=r"No speech detected in the 2.0 s recording.*microphone"):
        require_speech(rec)


def test_without_libsndfile_pcm_wav_still_decodes(monkeypatch):
    import mockint.speech.audio

    monkeypatch.setattr(mockint.speech.audio, "soundfile", None)
    original = tone(0.5, 22050)
    rec = decode_audio(encode(np.stack([original, original], axis=1), 22050, "WAV", "PCM_16"))
    assert rec.sample_rate == 22050 and np.max(np.abs(rec.samples - original)) < 1e-4
    with pytest.raises(SpeechError, match="could not be decoded"):
        decode_audio(encode(original, 22050, "FLAC", "PCM_16"), "a.flac")
