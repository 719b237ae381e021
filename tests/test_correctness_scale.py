"""eval/check_correctness_scale.py: the card's correctness scale from human-judged answers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer
from check_correctness_scale import scale_from


def _answer(dataset: str, label: str, precision: float) -> Answer:
    return Answer(dataset, "train", "q1", "Why?", "ref", "an answer", 0.0, label, features={"precision": precision})


def test_the_scale_runs_from_the_typical_wrong_answer_to_the_typical_right_one():
    answers = [
        _answer("saf", "incorrect", 0.30),
        _answer("saf", "incorrect", 0.42),
        _answer("saf", "incorrect", 0.50),
        _answer("saf", "correct", 0.70),
        _answer("beetle", "contradictory", 0.40),
        _answer("beetle", "irrelevant", 0.44),
        _answer("beetle", "correct", 0.60),
        # Partly right answers are neither wrong nor right: they do not move the scale.
        _answer("beetle", "partially_correct_incomplete", 0.99),
    ]
    fitted, medians = scale_from(answers)
    assert medians == {"beetle": {"wrong": 0.42, "right": 0.6}, "saf": {"wrong": 0.42, "right": 0.7}}
    # Each dataset weighs alike (means 0.42 and 0.65), rounded to SCALE_STEP.
    assert fitted == [0.4, 0.65]
