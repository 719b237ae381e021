"""eval/review.py: the committed development review set loads, and a comparison of two runs names the review
bar's two breaches (eval/README.md): a right or terse answer gaining a misconception, a wrong one losing its last."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from review import ANSWERS, KINDS, Reviewed, changes, expected, load_answers, summary


def test_the_committed_set_names_bank_questions_and_known_kinds_once_each():
    rows = load_answers(ANSWERS)
    assert rows and {r["kind"] for r in rows} == set(KINDS)
    assert len({r["id"] for r in rows}) == len(rows)


def test_each_kind_is_judged_by_what_it_must_get():
    assert expected(Reviewed("a", "right", 4.0, "good", []))
    assert not expected(Reviewed("a", "right", 4.0, "good", ["says 'x' where the reference says 'y'"]))
    assert expected(Reviewed("a", "terse", 2.0, "partial", []))
    assert not expected(Reviewed("a", "terse", 1.0, "incorrect", []))
    assert expected(Reviewed("a", "wrong", 3.4, "partial", []))
    assert not expected(Reviewed("a", "wrong", 3.5, "good", []))
    counts = summary([Reviewed("a", "wrong", 3.5, "good", []), Reviewed("b", "wrong", 1.0, "incorrect", ["m"])])
    assert counts["wrong"]["as expected"] == 1 and counts["wrong"]["not"] == ["a"]


def test_a_comparison_marks_a_gained_misconception_and_a_lost_last_one():
    before = [
        Reviewed("r", "right", 4.5, "good", []),
        Reviewed("w", "wrong", 2.5, "partial", ["m"]),
        Reviewed("s", "right", 4.5, "good", []),
    ]
    after = [
        Reviewed("r", "right", 2.5, "partial", ["m"]),
        Reviewed("w", "wrong", 3.6, "good", []),
        Reviewed("s", "right", 4.5, "good", []),
    ]
    lines = changes(before, after)
    assert lines == [
        "r: 4.5 -> 2.5, misconceptions 0 -> 1 BREACH: gained a misconception",
        "w: 2.5 -> 3.6, misconceptions 1 -> 0 BREACH: lost its last misconception",
    ]
