"""The offline grader's fitted score mapping and its calibration file."""

import json

import pytest

from mockint.errors import GradingError
from mockint.grading.offline.calibration import CALIBRATION_FILE, Calibration, load_calibration
from mockint.grading.offline.features import FEATURE_NAMES


def test_the_shipped_calibration_loads_and_says_where_it_came_from():
    cal = load_calibration()
    assert cal.version
    assert set(cal.features) <= set(FEATURE_NAMES)
    assert "SAF" in cal.data and cal.fitted
    for split in ("training_cv", "unseen_answers", "unseen_questions"):
        assert {"pearson", "rmse", "n"} <= set(cal.metrics[split])


def test_shipped_weights_have_the_safe_signs():
    cal = load_calibration()
    weights = dict(zip(cal.features, cal.weights, strict=True))
    assert weights.get("precision", 0.2) >= 0.2 and weights.get("recall", 0.0) >= 0
    assert weights.get("off_topic", 0.0) <= 0
    assert any(w > 0 for w in weights.values())


def test_score_is_a_bounded_monotone_map():
    cal = Calibration(
        version="t", features=["recall", "off_topic"], mean=[0.2, 0.0], scale=[0.1, 0.2], weights=[1.5, -0.5], bias=1.0
    )
    low = cal.score({"recall": 0.0, "off_topic": 0.0})
    high = cal.score({"recall": 0.5, "off_topic": 0.0})
    padded = cal.score({"recall": 0.5, "off_topic": 0.4})
    assert 0.0 <= low < high <= 5.0
    assert padded < high
    assert cal.score({"recall": 1e6, "off_topic": 0.0}) == pytest.approx(5.0)


def test_a_feature_the_grader_does_not_compute_is_an_error():
    cal = Calibration(version="t", features=["mystery"], mean=[0.0], scale=[1.0], weights=[1.0], bias=0.0)
    with pytest.raises(GradingError, match="calibrate_offline"):
        cal.score({"recall": 0.5})


def test_broken_or_missing_calibration_files_say_how_to_fix(tmp_path):
    with pytest.raises(GradingError, match="missing"):
        load_calibration(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"version": "x", "features": ["recall"], "mean": [], "scale": [1.0], "weights": [1.0], "bias": 0.0})
    )
    with pytest.raises(GradingError, match="invalid"):
        load_calibration(bad)
    assert CALIBRATION_FILE.name == "calibration.json"
