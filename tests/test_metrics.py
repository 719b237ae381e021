import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from mockint.evals import metrics

GOLD = np.array([0, 1, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5, 1, 0])
PRED = np.array([0.5, 1, 1.5, 3, 3.2, 3.4, 4.9, 3, 4, 5, 2.6, 0])

scores = st.lists(st.floats(0, 5, allow_nan=False).map(lambda x: round(x * 2) / 2), min_size=3, max_size=40)


def test_correlations_match_scipy():
    assert metrics.pearson(GOLD, PRED) == pytest.approx(stats.pearsonr(GOLD, PRED).statistic)
    assert metrics.spearman(GOLD, PRED) == pytest.approx(stats.spearmanr(GOLD, PRED).statistic)


def test_errors_and_agreement_by_hand():
    gold, pred = np.array([0, 2, 4, 5]), np.array([1, 2, 2.5, 5])
    assert metrics.mae(gold, pred) == pytest.approx((1 + 0 + 1.5 + 0) / 4)
    assert metrics.rmse(gold, pred) == pytest.approx(math.sqrt((1 + 0 + 2.25 + 0) / 4))
    # 2.5 rounds UP to 3, not to 2 as banker's rounding would: only 2 and 5 agree exactly.
    assert metrics.exact_agreement(gold, pred) == pytest.approx(0.5)
    assert metrics.within_one(gold, pred) == pytest.approx(0.75)


def test_halves_round_up():
    assert metrics.to_bins(np.array([0.49, 0.5, 2.5, 4.5, 5.0])).tolist() == [0, 1, 3, 5, 5]


def test_qwk_matches_sklearn_on_whole_point_bins():
    expected = cohen_kappa_score(
        metrics.to_bins(GOLD), metrics.to_bins(PRED), weights="quadratic", labels=list(range(6))
    )
    assert metrics.quadratic_weighted_kappa(GOLD, PRED) == pytest.approx(expected)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_qwk_agrees_with_sklearn_on_random_scores(data):
    gold = np.array(data.draw(scores))
    pred = np.array(data.draw(st.lists(st.floats(0, 5), min_size=gold.size, max_size=gold.size)))
    ours = metrics.quadratic_weighted_kappa(gold, pred)
    theirs = cohen_kappa_score(metrics.to_bins(gold), metrics.to_bins(pred), weights="quadratic", labels=list(range(6)))
    if np.isnan(theirs):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_vectorised_over_resamples_equals_row_by_row():
    rng = np.random.default_rng(1)
    g, p = rng.uniform(0, 5, (7, 30)), rng.uniform(0, 5, (7, 30))
    for name, fn in metrics.AGREEMENT_METRICS.items():
        stacked = fn(g, p)
        assert stacked.shape == (7,), name
        np.testing.assert_allclose(stacked, [fn(g[i], p[i]) for i in range(7)], err_msg=name)


def test_constant_scores_leave_correlation_undefined():
    gold = np.array([1.0, 2.0, 3.0])
    assert np.isnan(metrics.pearson(gold, np.array([2.0, 2.0, 2.0])))
    assert np.isnan(metrics.quadratic_weighted_kappa(np.ones(3), np.ones(3)))


def test_bootstrap_interval_brackets_value_and_is_seeded():
    rng = np.random.default_rng(3)
    gold = rng.uniform(0, 5, 200)
    pred = np.clip(gold + rng.normal(0, 0.8, 200), 0, 5)
    first = metrics.bootstrap(gold, pred, resamples=500, seed=7)
    again = metrics.bootstrap(gold, pred, resamples=500, seed=7)
    other = metrics.bootstrap(gold, pred, resamples=500, seed=8)
    assert first == again
    assert first["pearson"] != other["pearson"]
    for name, est in first.items():
        assert est.low <= est.value <= est.high, name
    # The spread of r for n=200 and r~0.85 is about +-0.05: a sanity check on the resampling itself.
    assert 0.02 < first["pearson"].high - first["pearson"].low < 0.15


def test_bootstrap_with_no_cases_is_all_undefined():
    out = metrics.bootstrap([], [])
    assert set(out) == set(metrics.AGREEMENT_METRICS)
    assert all(e == metrics.Estimate(None, None, None) for e in out.values())


def test_bootstrap_drops_undefined_resamples():
    # Two distinct values: some resamples are constant and have no correlation; the interval still exists.
    est = metrics.bootstrap([0, 5, 0, 5], [0, 5, 0, 5], resamples=200, seed=0)["pearson"]
    assert est.value == pytest.approx(1.0)
    assert est.low == pytest.approx(1.0) and est.high == pytest.approx(1.0)


def test_mean_by_skips_unlabelled():
    out = metrics.mean_by(["a", "b", None, "a"], [1.0, 2.0, 9.0, 3.0])
    assert out == {"a": (2, 2.0), "b": (1, 2.0)}


def test_pass_rate_at_threshold():
    assert metrics.pass_rate([0.0, 1.0, 1.5, 4.0]) == pytest.approx(0.5)
    assert metrics.pass_rate([]) is None


def test_twin_checks():
    checks = metrics.twin_checks(
        [
            ("spoken", 3.0, 3.5),
            ("spoken", 3.0, 2.4),
            ("padded", 3.0, 3.0),
            ("padded", 3.0, 3.1),
        ]
    )
    padded, spoken = checks
    assert (spoken.variant, spoken.pairs, spoken.passed) == ("spoken", 2, 1)
    assert spoken.mean_delta == pytest.approx((0.5 - 0.6) / 2)
    assert (padded.variant, padded.passed, padded.rate) == ("padded", 1, 0.5)
    assert padded.mean_delta == pytest.approx(0.05)


def test_cost_known_dated_and_unknown_models():
    assert metrics.estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert metrics.estimate_cost("gpt-4o-mini-2024-07-18", 2_000_000, 0) == pytest.approx(0.30)
    assert metrics.estimate_cost("llama3.1:8b", 1000, 1000) is None
    assert metrics.estimate_cost("llama3.1:8b", 1_000_000, 0, {"llama3.1:8b": (0.0, 0.0)}) == 0.0
