"""eval/check_point_thresholds.py: which answers' labels stand for a key point's verdict, and the fit."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer
from check_point_thresholds import balanced_accuracy, fit, one_claim, verdicts


def _answer(dataset: str, reference: str) -> Answer:
    return Answer(dataset, "train", "q1", "Why?", reference, "an answer", 5.0, "correct")


def test_only_a_single_claim_or_beetles_alternatives_stand_for_one_point():
    assert one_claim(_answer("scientsbank", "The mass stays the same because nothing was added."))
    two = "The mass stays the same. Nothing was added or taken away from the jar."
    assert not one_claim(_answer("scientsbank", two))
    # Beetle's reference answers are alternatives, one per line: the best one is the point that counts.
    assert one_claim(_answer("beetle", "The bulb is in a closed path.\nThe bulb and the battery form a closed path."))


def test_the_fit_finds_thresholds_that_separate_the_verdicts():
    recall = np.array([0.1, 0.2, 0.3, 0.45, 0.5, 0.55, 0.7, 0.8, 0.9])
    truth = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    covered_at, partly_at = fit(recall, truth)
    assert balanced_accuracy(truth, verdicts(recall, covered_at, partly_at)) == 1.0
    assert 0.55 < covered_at <= 0.7 and 0.3 < partly_at <= 0.45
    assert balanced_accuracy(truth, verdicts(recall, 0.95, 0.9)) < 0.5
