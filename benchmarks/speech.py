"""Offline transcription (Whisper) measured on real and synthetic speech.

- The real human recording `../shared/audio/jfk.flac`: word error rate against its published transcript.
- Technical answers spoken by espeak-ng: the bank's reference answers (their first two sentences, plain
  words only), decoded without and with the question bias. The bank is split in two by a hash of the
  question id: the "dev" half is where the prompt's form and the gate were looked at, the "test" half is
  the one reported, so the figure is not tuned to the sentences that measure it.
- Fillers: espeak-ng sentences with "um" and "uh" in them; recall = fillers found / fillers spoken.
- The confidence gate: Whisper's confidence on clean speech, speech under noise, and noise alone.
"""

import hashlib
import re
import time
from pathlib import Path

import numpy as np

from mockint.doors.bank_files import load_bank
from mockint.doors.whisper import WhisperRecogniser, whisper_recogniser
from mockint.speech.accuracy import word_error_rate
from mockint.speech.audio import decode_audio, resample
from mockint.speech.bias import question_bias
from mockint.speech.transcription import is_confident, speak, transcribe_offline
from mockint.text.fillers import count_fillers
from mockint.types.question import Question

ROOT = Path(__file__).resolve().parents[1]
# `../shared/audio/` beside the project, or beside the folder holding a git worktree of it.
HUMAN_RECORDING = next(
    (p / "shared" / "audio" / "jfk.flac" for p in ROOT.parents if (p / "shared" / "audio" / "jfk.flac").is_file()),
    ROOT.parent / "shared" / "audio" / "jfk.flac",
)
HUMAN_TRANSCRIPT = (
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
)
# espeak-ng reads symbols and formulas oddly, and a reference with them is ambiguous: plain words only.
_PLAIN = re.compile(r"^[A-Za-z ,.'-]+$")
# Long enough to carry technical terms, short enough to be one spoken answer's opening (10-20 s).
MIN_WORDS, MAX_WORDS = 12, 60
CASES_PER_SPLIT = 10

# Each with a bank question it could answer, for the app's path (the question bias).
FILLER_SENTENCES = (
    ("decision-tree-splitting", "Um, so the model overfits when it memorises the training set."),
    ("start-with-a-baseline", "I would, uh, start with a simple baseline and then, um, add features."),
    ("dl-batch-size-effects", "Uh, the learning rate controls the step size, um, of each update."),
    ("precision-recall-f1", "So, um, precision is about false positives and, uh, recall about false negatives."),
    ("high-cardinality-categorical-encoding", "Um, I think, uh, a hash map gives constant time lookups."),
)
HESITATIONS = ("um", "uh")
# The gate is looked at on sentences that are neither the bank's nor the tests'.
GATE_SENTENCES = (
    "A decision tree splits the data on the feature that best separates the classes.",
    "We monitor the model in production and retrain it when the inputs drift.",
    "Caching the embeddings saves most of the cost of a second request.",
    "Cross entropy compares the predicted distribution with the true labels.",
    "A larger batch gives smoother gradients but needs more memory.",
    "The index answers nearest neighbour queries in a few milliseconds.",
)


def split_of(question_id: str) -> str:
    return "dev" if int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def spoken_answer_cases(split: str, corpus: Path | None = None, n: int = CASES_PER_SPLIT) -> list[tuple[Question, str]]:
    cases = []
    for q in sorted(load_bank(corpus).questions, key=lambda q: q.id):
        text = " ".join(re.split(r"(?<=[.])\s+", q.answer)[:2])
        if split_of(q.id) == split and _PLAIN.match(text) and MIN_WORDS <= len(text.split()) <= MAX_WORDS:
            cases.append((q, text))
    return cases[:n]


def samples_of(wav: bytes) -> np.ndarray:
    return resample(decode_audio(wav)).samples


def bench_transcription(corpus: Path | None = None, split: str = "test") -> dict:
    started = time.perf_counter()
    recogniser = whisper_recogniser()
    load_s = time.perf_counter() - started
    human = samples_of(HUMAN_RECORDING.read_bytes())
    started = time.perf_counter()
    human_text = " ".join(s.text for s in recogniser.recognise(human))
    human_s = time.perf_counter() - started
    # The app's path (transcribe_offline: decoding, the dropped-tail check, made-up segments removed) without
    # and with the question bias; and the bias's two halves alone, straight through the model.
    variants = {
        "plain": lambda wav, b: transcribe_offline(wav, "answer.wav").text,
        "question prompt only": lambda wav, b: _decoded(recogniser, wav, prompt=b.prompt),
        "key terms as hotwords only": lambda wav, b: _decoded(recogniser, wav, hotwords=b.hotwords),
        "question bias (the app)": lambda wav, b: transcribe_offline(wav, "answer.wav", bias=b).text,
    }
    refs: list[str] = []
    heard: dict[str, list[str]] = {v: [] for v in variants}
    spent = dict.fromkeys(variants, 0.0)
    # CPU time of the process (Whisper's threads included) as well as wall time: on a machine shared with
    # other jobs the wall time says more about them than about the decoding.
    cpu = dict.fromkeys(variants, 0.0)
    audio_s = 0.0
    for question, text in spoken_answer_cases(split, corpus):
        wav = speak(text)
        audio_s += decode_audio(wav).duration_s
        refs.append(text)
        bias = question_bias(question)
        for name, transcribe in variants.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            heard[name].append(transcribe(wav, bias))
            spent[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - started_cpu
    return {
        "model_load_s": load_s,
        "human_wer": word_error_rate(HUMAN_TRANSCRIPT, human_text),
        "human_text": human_text,
        "human_speed": (len(human) / 16000) / human_s,
        "cases": len(refs),
        "audio_s": audio_s,
        "accuracy": {name: 1.0 - word_error_rate(refs, hyps) for name, hyps in heard.items()},
        # The answers have no fillers: any "um" or "uh" heard in them was made up.
        "fillers_made_up": {name: sum(_hesitations(h) for h in hyps) for name, hyps in heard.items()},
        "speed": {name: audio_s / spent[name] for name in variants},
        "cpu_per_audio_s": {name: cpu[name] / audio_s for name in variants},
    }


def _hesitations(text: str) -> int:
    counts = count_fillers(text)
    return sum(counts.get(kind, 0) for kind in HESITATIONS)


def _decoded(recogniser: WhisperRecogniser, wav: bytes, **bias: str) -> str:
    return " ".join(s.text for s in recogniser.recognise(samples_of(wav), **bias))


def bench_fillers(corpus: Path | None = None) -> dict:
    """Recall of "um" and "uh" on espeak-ng sentences with them, the app's way (with the question bias) and
    without any prompt."""
    bank = load_bank(corpus)
    spoken = 0
    found = {"question bias (the app)": 0, "plain": 0}
    heard: dict[str, list[str]] = {name: [] for name in found}
    for question_id, sentence in FILLER_SENTENCES:
        wav, said = speak(sentence), count_fillers(sentence)
        spoken += sum(said.get(kind, 0) for kind in HESITATIONS)
        for name, bias in (("question bias (the app)", question_bias(bank.get(question_id))), ("plain", None)):
            text = transcribe_offline(wav, "answer.wav", bias=bias).text
            got = count_fillers(text)
            found[name] += sum(min(said.get(kind, 0), got.get(kind, 0)) for kind in HESITATIONS)
            heard[name].append(text)
    return {"spoken": spoken, "found": found, "heard": heard}


def _noisy(samples: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0.0, 1.0, len(samples)).astype(np.float32)
    power = float(np.mean(samples**2))
    return samples + noise * np.sqrt(power / 10 ** (snr_db / 10))


def _noise_bursts(seconds: float, seed: int) -> np.ndarray:
    """White noise switched on and off like syllables, so the energy-based voice check lets it through."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    envelope = (np.sin(2 * np.pi * 3.0 * t) > 0).astype(np.float32)
    return (0.2 * rng.normal(0.0, 1.0, len(t)) * envelope).astype(np.float32)


def gate_conditions() -> dict[str, list[np.ndarray]]:
    clean = [samples_of(speak(s)) for s in GATE_SENTENCES]
    return {
        "clean speech": clean,
        "speech, SNR 10 dB": [_noisy(s, 10, i) for i, s in enumerate(clean)],
        "speech, SNR 5 dB": [_noisy(s, 5, i) for i, s in enumerate(clean)],
        "speech, SNR 0 dB": [_noisy(s, 0, i) for i, s in enumerate(clean)],
        "speech, SNR -5 dB": [_noisy(s, -5, i) for i, s in enumerate(clean)],
        "speech, SNR -10 dB": [_noisy(s, -10, i) for i, s in enumerate(clean)],
        # Speech-like sound with no words in it: the same sentences played backwards.
        "reversed speech": [s[::-1].copy() for s in clean],
        "noise bursts": [_noise_bursts(6.0, i) for i in range(3)],
    }


SPOKEN = ("clean", "speech,")


def bench_gate(prompt: str | None = None) -> dict:
    """Per condition: the segments' confidence figures, the word accuracy, and how many segments the gate passes."""
    recogniser = whisper_recogniser()
    out = {}
    for name, clips in gate_conditions().items():
        decoded = [recogniser.recognise(clip, prompt=prompt) for clip in clips]
        segments = [s for clip in decoded for s in clip]
        heard = [" ".join(s.text for s in clip) for clip in decoded]
        out[name] = {
            "accuracy": 1.0 - word_error_rate(list(GATE_SENTENCES), heard) if name.startswith(SPOKEN) else None,
            "segments": len(segments),
            "passed": sum(is_confident(s) for s in segments),
            "avg_logprob": [round(s.avg_logprob, 2) for s in segments],
            "no_speech_prob": [round(s.no_speech_prob, 2) for s in segments],
            "compression_ratio": [round(s.compression_ratio, 2) for s in segments],
            "text": heard,
        }
    return out
