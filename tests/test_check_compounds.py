"""eval/check_compounds.py: CC's exact spelling rule against a rule by stem, on answers' split words."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer
from check_compounds import closings


def test_split_words_close_up_only_into_a_word_spelled_as_the_reference_writes_it():
    answers = [
        Answer("saf", "train", "q1", "What is unicast?", "A unicast goes to one user.", text, 0.0, "correct")
        for text in ("A uni cast goes to one host.", "You use red lights.", "It can not be sent.")
    ]
    exact, by_stem = closings(answers)
    assert exact == {"uni cast": 1}
    # By stem, "use red" would be the reference's "user".
    assert by_stem == {"use red -> user": 1}
