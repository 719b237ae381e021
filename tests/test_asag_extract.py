"""eval/asag.py's feature extraction from an empty cache, with the shipped score model (which blends in the
answer scorer): what every eval script and `calibrate_offline.py` run first on a fresh machine."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer, extract

QUESTION = "What does a voltmeter measure when it is connected across a bulb?"
REFERENCE = "The voltage difference between the two terminals of the bulb."


def _answer(text: str) -> Answer:
    return Answer("scientsbank", "train", "scientsbank:q1", QUESTION, REFERENCE, text, 5.0, "correct")


def test_a_fresh_cache_is_filled_with_features_and_the_ceiling_the_grader_gives(tmp_path):
    right = _answer("It measures the voltage difference across the two terminals of the bulb.")
    restated = _answer("What does a voltmeter measure when it is connected across a bulb")
    extract([right, restated], tmp_path)
    assert right.features is not None and restated.features is not None
    assert right.ceiling is None
    # The restated question is capped at 0 by the rule every grader applies (answer_checks, rule R'').
    assert restated.ceiling == 0.0
    assert list(tmp_path.glob("features-*.pkl"))
