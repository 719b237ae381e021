"""eval/grade_splits.py's verdict agreement: a human 0-5 score and a verdict put in the same three bands."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from grade_splits import band, verdict_band

from mockint.types.grade import Verdict


@pytest.mark.parametrize(
    ("gold", "verdict"),
    [
        (5.0, Verdict.excellent),  # SciEntsBank / Beetle `correct`
        (3.5, Verdict.good),
        (2.5, Verdict.partial),  # `partially_correct_incomplete`
        (1.5, Verdict.partial),
        (1.4, Verdict.incorrect),
        (0.0, Verdict.off_topic),  # `irrelevant`: the offline grader never says off topic, the LLM may
        (0.0, Verdict.no_answer),
    ],
)
def test_a_human_score_and_the_verdict_at_its_threshold_agree(gold, verdict):
    assert band(gold) == verdict_band(verdict)


def test_neighbouring_bands_disagree():
    assert band(3.4) != verdict_band(Verdict.good)
    assert band(5.0) != verdict_band(Verdict.partial)
    assert band(1.4) != verdict_band(Verdict.partial)
