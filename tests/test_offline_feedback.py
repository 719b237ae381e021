"""The offline grader's feedback words: quoted key points are shortened between words, never inside one."""

from hypothesis import given
from hypothesis import strategies as st

from mockint.grading.offline.feedback import _short

WORDS = st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=30).map(" ".join)


@given(WORDS, st.integers(min_value=15, max_value=90))
def test_a_shortened_point_ends_on_a_whole_word(text, n):
    short = _short(text, n)
    assert len(short) <= n
    if short == text:
        return
    assert short.endswith("…")
    kept = short[:-1]
    assert kept and text.startswith(kept) and text[len(kept)] == " "  # the cut falls between two words


def test_the_examples_from_the_issue_are_not_cut_mid_word():
    assert _short("Dropout needs examples of each class to learn from", 20) == "Dropout needs…"
    assert _short("With a zero bias the forget gate starts around sigmoid = 0.5", 50).endswith("around…")
