"""The offline grader's score mapping: a small logistic-link linear model over standardised features.

score = 5 * sigmoid(bias + sum_i weight_i * (feature_i - mean_i) / scale_i)

The numbers live in `calibration.json`, written by `eval/calibrate_offline.py` (fitted on
human-graded answers; see that script). Weights of features that padding can only lower (precision)
are fitted >= 0 (precision >= 0.2) and those it can only raise (off-topic share) <= 0, and length and
recall count only on-topic content bearing on the rubric, so padding an answer does not raise it.
"""

import json
import math
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from mockint.errors import GradingError
from mockint.types.grade import SCORE_MAX

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


class Calibration(BaseModel):
    version: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    data: str = ""
    fitted: str = ""
    metrics: dict[str, dict[str, float]] = Field(default_factory=dict)
    settings: dict[str, float] = Field(default_factory=dict, description="Fixed choices the fit was made with.")

    @model_validator(mode="after")
    def _same_lengths(self) -> "Calibration":
        n = len(self.features)
        if not n or any(len(v) != n for v in (self.mean, self.scale, self.weights)):
            raise ValueError("features, mean, scale and weights must be non-empty lists of the same length")
        if any(s <= 0 for s in self.scale):
            raise ValueError("every scale must be positive")
        return self

    def logit(self, features: Mapping[str, float]) -> float:
        missing = [f for f in self.features if f not in features]
        if missing:
            raise GradingError(
                f"The offline calibration {self.version} needs features this grader does not compute: {missing}.",
                hint="Refit it with `python eval/calibrate_offline.py`.",
            )
        z = self.bias
        for name, mean, scale, weight in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            z += weight * (features[name] - mean) / scale
        return z

    def score(self, features: Mapping[str, float]) -> float:
        z = max(-30.0, min(30.0, self.logit(features)))
        return SCORE_MAX / (1.0 + math.exp(-z))


def load_calibration(path: Path | None = None) -> Calibration:
    path = path or CALIBRATION_FILE
    try:
        return Calibration.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise GradingError(
            f"The offline grader's calibration file {path} is missing.",
            hint="Reinstall mockint, or refit it with `python eval/calibrate_offline.py`.",
        ) from exc
    except ValueError as exc:
        raise GradingError(
            f"The offline grader's calibration file {path} is invalid: {exc}",
            hint="Refit it with `python eval/calibrate_offline.py`.",
        ) from exc
