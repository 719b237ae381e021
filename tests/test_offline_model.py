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
    assert any("unseen_questions" in split for split in cal.metrics)
    for figures in cal.metrics.values():
        assert {"pearson", "rmse", "n"} <= set(figures)


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


def test_the_answer_scorer_blends_in_at_its_share():
    model = Calibration(version="t", features=["recall"], mean=[0.0], scale=[1.0], weights=[1.0], bias=0.0)
    blended = model.model_copy(update={"scorer_weight": 0.25})
    assert not model.reads_scorer and blended.reads_scorer
    features = {"recall": 2.0, "cross": 0.0}  # the scorer's logit 0 is its score 2.5
    assert blended.score(features) == pytest.approx(0.75 * model.score(features) + 0.25 * 2.5)
    assert (
        blended.score({"recall": 2.0, "cross": 30.0})
        > blended.score(features)
        > blended.score({"recall": 2.0, "cross": -30.0})
    )
    with pytest.raises(GradingError, match="cross"):
        blended.score({"recall": 2.0})
    with pytest.raises(ValueError):
        Calibration.model_validate(model.model_dump() | {"scorer_weight": 1.5})


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


def test_a_tree_model_is_plain_arrays_that_score_within_the_scale():
    from mockint.grading.offline.calibration import Tree

    # recall <= 0.3 -> -2, else +2 (one split), on a base of 2.5
    tree = Tree(
        feature=[0, 0, 0],
        threshold=[0.3, 0.0, 0.0],
        left=[1, 0, 0],
        right=[2, 0, 0],
        value=[0.0, -2.0, 2.0],
        leaf=[False, True, True],
        missing_left=[True, False, False],
    )
    cal = Calibration(version="t", features=["recall"], kind="trees", bias=2.5, trees=[tree, tree])
    assert cal.score({"recall": 0.1}) == pytest.approx(0.0)  # 2.5 - 4, clipped at 0
    assert cal.score({"recall": 0.9}) == pytest.approx(5.0)  # 2.5 + 4, clipped at 5
    with pytest.raises(ValueError):
        Calibration(version="t", features=["recall"], kind="trees", trees=[tree.model_copy(update={"feature": [3]})])


def test_the_shipped_contradiction_model_flags_a_negated_claim_more_than_an_agreeing_one():
    import numpy as np

    from mockint.grading.offline.contradiction import load_contradiction_model

    model = load_contradiction_model()
    assert 0.0 < model.threshold < 1.0 and model.data and model.metrics
    vec = np.ones(384, dtype=np.float32)
    claim = "The bulb is in a closed path with the battery"
    agree = model.probability(claim, "the bulb is in a closed path with the battery", vec, vec)
    deny = model.probability(claim, "the bulb is not in a closed path with the battery", vec, vec)
    assert deny > agree


def test_a_missing_contradiction_model_names_its_one_writer(tmp_path):
    from mockint.grading.offline.contradiction import load_contradiction_model

    with pytest.raises(GradingError, match="fit_contradiction"):
        load_contradiction_model(tmp_path / "missing.json")
