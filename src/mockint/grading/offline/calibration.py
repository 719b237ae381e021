"""The offline grader's score mapping over its features, one of two small models:

- `logistic`: score = 5 * sigmoid(bias + sum_i weight_i * (feature_i - mean_i) / scale_i)
- `trees`: score = clip(base + sum of the trees' leaf values, 0, 5), gradient-boosted regression trees
  with monotonic constraints, stored as plain arrays (no pickle: loading runs no code from the file).

Either may be blended with the fine-tuned answer scorer (`scorer_weight` w), its logit read from the
features as `cross`, pooled one of two ways (`pooling`):
- `scores`: score = (1 - w) * model + w * 5 * sigmoid(cross), the two 0-5 scores averaged;
- `log-odds` (logistic models only): score = 5 * sigmoid((1 - w) * the model's logit + w * cross), so the
  half that is surer counts for more and an answer one half reads as plainly off topic is not lifted to the
  middle by the other (eval/README.md, fourteenth session).

The numbers live in `calibration.json`, written by `eval/calibrate_offline.py` (fitted on
human-graded answers; see that script). Weights of features that padding can only lower (precision)
are fitted >= 0 (precision >= 0.2) and those it can only raise (off-topic share) <= 0, and length and
recall count only on-topic content bearing on the rubric, so padding an answer does not raise it.
"""

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from mockint.errors import GradingError
from mockint.grading.offline.answer_scorer import CROSS_FEATURE, score_of_logit
from mockint.types.grade import SCORE_MAX

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


class Tree(BaseModel):
    """One regression tree as parallel arrays over its nodes (node 0 the root)."""

    feature: list[int]
    threshold: list[float]
    left: list[int]
    right: list[int]
    value: list[float]
    leaf: list[bool]
    missing_left: list[bool]

    def predict(self, x: list[float]) -> float:
        node = 0
        while not self.leaf[node]:
            v = x[self.feature[node]]
            go_left = self.missing_left[node] if math.isnan(v) else v <= self.threshold[node]
            node = self.left[node] if go_left else self.right[node]
        return self.value[node]


class Calibration(BaseModel):
    version: str
    features: list[str]
    kind: Literal["logistic", "trees"] = "logistic"
    mean: list[float] = Field(default_factory=list)
    scale: list[float] = Field(default_factory=list)
    weights: list[float] = Field(default_factory=list)
    bias: float = 0.0
    trees: list[Tree] = Field(default_factory=list)
    data: str = ""
    fitted: str = ""
    metrics: dict[str, dict[str, float]] = Field(default_factory=dict)
    settings: dict[str, float] = Field(default_factory=dict, description="Fixed choices the fit was made with.")
    dataset_bias: dict[str, float] = Field(
        default_factory=dict,
        description="The bias fitted for each training dataset's grading scale; `bias` is the one used.",
    )
    scorer_weight: float = Field(
        default=0.0, ge=0.0, le=1.0, description="The answer scorer's share of the score (see the module)."
    )
    pooling: Literal["scores", "log-odds"] = Field(
        default="scores", description="How the model and the answer scorer are pooled (see the module)."
    )

    @property
    def reads_scorer(self) -> bool:
        """Whether a score needs the answer scorer's logit (feature `cross`)."""
        return self.scorer_weight > 0 or CROSS_FEATURE in self.features

    @model_validator(mode="after")
    def _same_lengths(self) -> "Calibration":
        n = len(self.features)
        if self.kind == "trees":
            if self.pooling == "log-odds":
                raise ValueError("log-odds pooling needs the logistic model's logit; a tree model has none")
            if not n or not self.trees or any(f >= n for t in self.trees for f in t.feature):
                raise ValueError("a tree model needs features and trees that use only those features")
            return self
        if not n or any(len(v) != n for v in (self.mean, self.scale, self.weights)):
            raise ValueError("features, mean, scale and weights must be non-empty lists of the same length")
        if any(s <= 0 for s in self.scale):
            raise ValueError("every scale must be positive")
        return self

    def _checked(self, features: Mapping[str, float]) -> list[str]:
        needed = [*self.features, CROSS_FEATURE] if self.scorer_weight > 0 else self.features
        missing = [f for f in dict.fromkeys(needed) if f not in features]
        if missing:
            raise GradingError(
                f"The offline calibration {self.version} needs features this grader does not compute: {missing}.",
                hint="Refit it with `python eval/calibrate_offline.py`.",
            )
        return self.features

    def logit(self, features: Mapping[str, float]) -> float:
        self._checked(features)
        z = self.bias
        for name, mean, scale, weight in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            z += weight * (features[name] - mean) / scale
        return z

    def score(self, features: Mapping[str, float]) -> float:
        return self.blended(features, self.scorer_weight)

    def blended(self, features: Mapping[str, float], scorer_weight: float) -> float:
        """The model's score with the answer scorer's at `scorer_weight` (the module's formula)."""
        if scorer_weight == 0:
            return self._model_score(features)
        if self.pooling == "log-odds":
            return score_of_logit(self.pooled_logit(features, scorer_weight))
        return (1.0 - scorer_weight) * self._model_score(features) + scorer_weight * score_of_logit(
            features[CROSS_FEATURE]
        )

    def pooled_logit(self, features: Mapping[str, float], scorer_weight: float) -> float:
        """The model's and the scorer's logits pooled at `scorer_weight` (the module's `log-odds`)."""
        return (1.0 - scorer_weight) * self.logit(features) + scorer_weight * features[CROSS_FEATURE]

    def _model_score(self, features: Mapping[str, float]) -> float:
        if self.kind == "trees":
            x = [features[name] for name in self._checked(features)]
            return max(0.0, min(SCORE_MAX, self.bias + sum(t.predict(x) for t in self.trees)))
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
