"""The fine-tuned answer scorer the offline grader's score model reads as its `cross` feature: the MiniLM
cross-encoder (doors/cross_encoder.py) with the adapter shipped beside this module, fitted on the train
splits of three human-graded datasets by `eval/fit_cross_encoder.py`."""

import math
import threading
from pathlib import Path

import numpy as np

from mockint.doors.cross_encoder import CrossEncoder
from mockint.types.grade import SCORE_MAX

ADAPTER_DIR = Path(__file__).with_name("cross_encoder")
# The score model's feature: the scorer's logit for (reference answer, answer as graded).
CROSS_FEATURE = "cross"


class AnswerScorer:
    def __init__(self, encoder: CrossEncoder) -> None:
        self.encoder = encoder

    @property
    def name(self) -> str:
        return self.encoder.name

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return self.encoder.logits(pairs)

    def scores(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """The scorer alone on 0-5 (what it was fitted to predict)."""
        return np.array([score_of_logit(float(v)) for v in self.logits(pairs)])


def score_of_logit(logit: float) -> float:
    """The scorer's 0-5 score from its logit (it was fitted to 5 * sigmoid)."""
    return SCORE_MAX / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


_shipped: AnswerScorer | None = None
_lock = threading.Lock()


def shipped_scorer() -> AnswerScorer:
    """One scorer per process over the shipped adapter (the model loads on first use)."""
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = AnswerScorer(CrossEncoder(ADAPTER_DIR))
        return _shipped
