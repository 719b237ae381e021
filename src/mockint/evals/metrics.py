"""Agreement metrics between a grader's scores and human gold scores, on the 0-5 scale. Pure numpy.

Every agreement metric takes arrays whose LAST axis runs over cases, so one call scores a whole
stack of bootstrap resamples at once (shape (B, n)); that is what makes 1,000 resamples cheap.

Conventions (documented in eval/README.md):
- Quadratic weighted kappa, and exact agreement, round both scores to the nearest whole point,
  halves upward (2.5 -> 3), giving 6 bins 0..5. Whole points because human gold is coarse and external
  data rescaled to 0-5 (SAF's 0.625 -> 3.125) does not sit on half points.
- Within-1 agreement compares the unrounded scores: |predicted - gold| <= 1.
- Intervals are percentile bootstrap 95% intervals over cases, seeded, resamples that leave a metric
  undefined (e.g. a constant resample for a correlation) are dropped.
"""

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

SCORE_BINS = 6  # whole points 0..5
ADVERSARIAL_MAX = 1.0
SPOKEN_TOLERANCE = 0.5

# Below this many scored answers the agreement figures say little, and the report says so. With n answers the
# 95% interval of Pearson r spans +-1.96/sqrt(n - 3) in Fisher's z; below this n, even r = 0.5 (moderate agreement,
# the least a useful grader shows) has an interval reaching 0, so the run cannot tell agreement from chance. (A
# bootstrap interval cannot be the test: on 3 or 4 answers most resamples repeat one answer and it comes out narrow.)
MODERATE_R = 0.5
FEW_SCORED = math.ceil(3 + (1.96 / math.atanh(MODERATE_R)) ** 2)

MetricFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _centred(x: np.ndarray) -> np.ndarray:
    return x - x.mean(axis=-1, keepdims=True)


def pearson(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    g, p = _centred(np.asarray(gold, float)), _centred(np.asarray(pred, float))
    denom = np.sqrt((g * g).sum(axis=-1) * (p * p).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (g * p).sum(axis=-1) / denom
    return np.where(denom > 1e-12, np.clip(r, -1.0, 1.0), np.nan)


def spearman(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return pearson(rankdata(gold, axis=-1), rankdata(pred, axis=-1))


def mae(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(pred, float) - gold).mean(axis=-1)


def rmse(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return np.sqrt(((np.asarray(pred, float) - gold) ** 2).mean(axis=-1))


def to_bins(scores: np.ndarray) -> np.ndarray:
    """0-5 scores to whole points, halves rounded up (np.round would send 2.5 to 2)."""
    return np.clip(np.floor(np.asarray(scores, float) + 0.5), 0, SCORE_BINS - 1).astype(np.int64)


def exact_agreement(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return (to_bins(gold) == to_bins(pred)).mean(axis=-1)


def within_one(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return (np.abs(np.asarray(pred, float) - gold) <= 1.0 + 1e-9).mean(axis=-1)


def quadratic_weighted_kappa(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Cohen's kappa with quadratic weights over the 6 whole-point bins; vectorised over leading axes."""
    g, p = to_bins(gold), to_bins(pred)
    lead = g.shape[:-1]
    g2, p2 = g.reshape(-1, g.shape[-1]), p.reshape(-1, p.shape[-1])
    rows, n = g2.shape
    k = SCORE_BINS
    flat = (np.arange(rows)[:, None] * k * k + g2 * k + p2).ravel()
    observed = np.bincount(flat, minlength=rows * k * k).reshape(rows, k, k).astype(float)
    expected = observed.sum(axis=2)[:, :, None] * observed.sum(axis=1)[:, None, :] / n
    i, j = np.indices((k, k))
    weights = (i - j) ** 2 / (k - 1) ** 2
    num = (weights * observed).sum(axis=(1, 2))
    den = (weights * expected).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = np.where(den > 0, 1.0 - num / den, np.nan)
    return kappa.reshape(lead)


AGREEMENT_METRICS: dict[str, MetricFn] = {
    "pearson": pearson,
    "spearman": spearman,
    "qwk": quadratic_weighted_kappa,
    "mae": mae,
    "rmse": rmse,
    "exact": exact_agreement,
    "within_1": within_one,
}


@dataclass(frozen=True)
class Estimate:
    """A metric's value on all cases with its bootstrap 95% interval. None where undefined."""

    value: float | None
    low: float | None
    high: float | None


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def bootstrap(
    gold: Iterable[float],
    pred: Iterable[float],
    metrics: dict[str, MetricFn] | None = None,
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Estimate]:
    """Every metric on the cases, each with a percentile bootstrap interval from the SAME resamples."""
    metrics = AGREEMENT_METRICS if metrics is None else metrics
    g, p = np.asarray(list(gold), float), np.asarray(list(pred), float)
    if g.shape != p.shape:
        raise ValueError(f"gold has {g.size} scores but pred has {p.size}")
    if g.size == 0:
        return {name: Estimate(None, None, None) for name in metrics}
    idx = np.random.default_rng(seed).integers(0, g.size, size=(resamples, g.size))
    gb, pb = g[idx], p[idx]
    tail = (1.0 - level) / 2 * 100
    out = {}
    for name, fn in metrics.items():
        point = _finite(fn(g, p))
        samples = fn(gb, pb)
        samples = samples[np.isfinite(samples)]
        if samples.size == 0:
            out[name] = Estimate(point, None, None)
            continue
        low, high = np.percentile(samples, [tail, 100 - tail])
        out[name] = Estimate(point, float(low), float(high))
    return out


def percentile(values: Iterable[float], q: float) -> float | None:
    arr = np.asarray(list(values), float)
    return float(np.percentile(arr, q)) if arr.size else None


def mean_by(groups: Iterable[str | None], values: Iterable[float]) -> dict[str, tuple[int, float]]:
    """Group label -> (count, mean value); cases without a label are left out."""
    sums: dict[str, list[float]] = {}
    for group, value in zip(groups, values, strict=True):
        if group is not None:
            sums.setdefault(group, []).append(value)
    return {k: (len(v), float(np.mean(v))) for k, v in sorted(sums.items())}


def pass_rate(values: Iterable[float], threshold: float = ADVERSARIAL_MAX) -> float | None:
    """Share of values at or below `threshold` (adversarial answers must score <= 1)."""
    arr = np.asarray(list(values), float)
    return float((arr <= threshold + 1e-9).mean()) if arr.size else None


@dataclass(frozen=True)
class TwinCheck:
    """How twins of one variant moved against their clean twin. delta = twin - clean."""

    variant: str
    pairs: int
    passed: int
    mean_delta: float | None

    @property
    def rate(self) -> float | None:
        return self.passed / self.pairs if self.pairs else None


def twin_passes(variant: str, clean: float, twin: float) -> bool:
    """Spoken twins say the same thing less tidily: within 0.5. Padding must never earn points."""
    if variant == "spoken":
        return abs(twin - clean) <= SPOKEN_TOLERANCE + 1e-9
    if variant == "padded":
        return twin <= clean + 1e-9
    raise ValueError(f"unknown twin variant {variant!r}")


def twin_checks(twins: Iterable[tuple[str, float, float]]) -> list[TwinCheck]:
    """`twins` = (variant, clean score, twin score) per pair; one check per variant, sorted."""
    by_variant: dict[str, list[tuple[float, float]]] = {}
    for variant, clean, twin in twins:
        by_variant.setdefault(variant, []).append((clean, twin))
    checks = []
    for variant, pairs in sorted(by_variant.items()):
        passed = sum(twin_passes(variant, c, t) for c, t in pairs)
        delta = float(np.mean([t - c for c, t in pairs]))
        checks.append(TwinCheck(variant, len(pairs), passed, delta))
    return checks


# USD per 1M tokens (input, output), list prices of mid-2025. Override with `mockint eval --price`.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o4-mini": (1.10, 4.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def price_for(model: str, prices: dict[str, tuple[float, float]] | None = None) -> tuple[float, float] | None:
    """The model's price, also for dated snapshots (gpt-4o-mini-2024-07-18); None if unknown."""
    table = PRICES_PER_MTOK if prices is None else prices
    if model in table:
        return table[model]
    return table.get(_DATED.sub("", model))


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    prices: dict[str, tuple[float, float]] | None = None,
) -> float | None:
    """Estimated USD for the tokens, or None when the model's price is unknown (reported as n/a)."""
    price = price_for(model, prices)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


def parse_price(text: str) -> tuple[str, tuple[float, float]]:
    """`MODEL=IN,OUT` (USD per 1M input and output tokens) -> (model, (in, out))."""
    model, sep, numbers = text.partition("=")
    parts = numbers.split(",")
    try:
        if not sep or not model.strip() or len(parts) != 2:
            raise ValueError
        price = (float(parts[0]), float(parts[1]))
    except ValueError:
        raise ValueError(f"'{text}' is not MODEL=IN,OUT, e.g. gpt-4o-mini=0.15,0.60 (USD per 1M tokens)") from None
    return model.strip(), price
