"""A learned signal for "says the opposite of the reference": logistic regression over the pair (claim,
answer text), fitted by `eval/calibrate_offline.py` on the `contradictory` answers of SciEntsBank's and
Beetle's train splits against all their other answers.

Features of a pair: the elementwise product and absolute difference of the two texts' mean word vectors
(the usual sentence-pair features of NLI models), their cosine, and two cues the vectors blur: whether
exactly one side is negated, and whether the answer uses the opposite of a word of the claim
(`answer_checks`, where the data cannot decide which words are opposites). The weights live in
`contradiction.json`: plain numbers, loaded without running any code from the file.
"""

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from mockint.errors import GradingError
from mockint.grading.answer_checks import negated, opposite_word

CONTRADICTION_FILE = Path(__file__).with_name("contradiction.json")
# A contradicted key point costs a point: a signal wrong more often than two times in five would cost right
# answers more than it catches in wrong ones, so below this CV precision it only informs the score model.
POINT_LEVEL_PRECISION = 0.6


def pair_features(claim: str, text: str, claim_vec: np.ndarray, text_vec: np.ndarray) -> np.ndarray:
    u = claim_vec / max(float(np.linalg.norm(claim_vec)), 1e-9)
    v = text_vec / max(float(np.linalg.norm(text_vec)), 1e-9)
    cues = [
        float(negated(claim, text) != negated(text, claim)),
        float(opposite_word(claim, text) is not None),
        float(u @ v),
    ]
    return np.concatenate([u * v, np.abs(u - v), cues]).astype(np.float32)


class ContradictionModel(BaseModel):
    version: str
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    # Probability from which a pair counts as a contradiction (chosen by grouped CV on the train splits).
    threshold: float
    # Whether key-point verdicts use it too (a key point and the answer clause aligned with it): set by the
    # fit when its cross-validated precision reaches POINT_LEVEL_PRECISION.
    point_level: bool = False
    data: str = ""
    metrics: dict[str, dict[str, float]] = {}

    def probability(self, claim: str, text: str, claim_vec: np.ndarray, text_vec: np.ndarray) -> float:
        x = (pair_features(claim, text, claim_vec, text_vec) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(np.clip(self.bias + x @ np.asarray(self.weights), -30.0, 30.0))
        return 1.0 / (1.0 + np.exp(-z))

    def contradicts(self, claim: str, text: str, claim_vec: np.ndarray, text_vec: np.ndarray) -> bool:
        return self.probability(claim, text, claim_vec, text_vec) >= self.threshold


def load_contradiction_model(path: Path | None = None) -> ContradictionModel:
    path = path or CONTRADICTION_FILE
    try:
        return ContradictionModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError) as exc:
        raise GradingError(
            f"The offline grader's contradiction model {path} is missing or invalid: {exc}",
            hint="Reinstall mockint, or refit it with `python eval/calibrate_offline.py`.",
        ) from exc
