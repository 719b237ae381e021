"""Repeated content counts once; walls of text are told apart from long answers."""

from mockint.grading.repetition import drop_repeats, rambling_reason
from mockint.text.fillers import strip_fillers

PARAGRAPH = "Dropout zeroes random activations during training. At inference it is switched off."


def test_a_pasted_paragraph_counts_once_and_is_mostly_repetition():
    answer = " ".join([PARAGRAPH] * 50)
    rep = drop_repeats(strip_fillers(answer))
    assert rep.kept.text == PARAGRAPH
    assert rep.repeated_sentences == 98
    assert rep.mostly_repeated
    assert "repeats itself" in rep.note()
    # Spans of what is kept still point into the original answer.
    start, end = rep.kept.span_in_original(0, len(rep.kept.text))
    assert answer[start:end] == PARAGRAPH


def test_repeats_ignore_case_and_punctuation_but_not_different_words():
    rep = drop_repeats(strip_fillers("Caching saves time. caching saves time! Caching saves memory."))
    assert rep.kept.text == "Caching saves time. Caching saves memory."
    assert rep.repeated_sentences == 1
    assert not rep.mostly_repeated


def test_an_answer_without_repeats_is_unchanged():
    clean = strip_fillers(PARAGRAPH)
    rep = drop_repeats(clean)
    assert rep.kept == clean
    assert rep.note() is None and rep.share == 0.0


def test_rambling_needs_both_absolute_and_relative_length():
    assert rambling_reason(400, 60)
    assert rambling_reason(400, 200) is None  # the reference is long too
    assert rambling_reason(200, 20) is None  # long relative to the reference, but not a wall of text
