"""eval/check_negated_claims.py: a claim of the reference negated in its own words."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from check_negated_claims import negated_claim


def test_the_first_sentence_is_negated_after_its_first_auxiliary():
    reference = "Dropout is switched off at inference. It is on during training."
    assert negated_claim(reference) == (
        "Dropout is switched off at inference.",
        "Dropout is not switched off at inference.",
    )


def test_a_sentence_without_an_auxiliary_or_already_negated_is_left_out():
    assert negated_claim("Dropout randomly disables units during training.") is None
    assert negated_claim("Dropout is not used at inference. It is used in training.") is None
    assert negated_claim("") is None


def test_an_auxiliary_inside_a_word_is_not_one():
    # "This" holds "is", "candor" holds "do": only whole words count.
    assert negated_claim("This candor can help.") == ("This candor can help.", "This candor can not help.")
