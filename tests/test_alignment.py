"""Token alignment on small synthetic vectors: no model."""

from dataclasses import replace

import numpy as np
import pytest

from mockint.grading.offline.alignment import (
    WordVectors,
    best_match,
    concat,
    demoted_weights,
    lexical_recall,
    merge_word_pieces,
    ordered_fit,
    pooled,
    similarity,
    weighted_mean,
)
from mockint.text.stems import stem


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def wv(words: list[str], vectors: list[np.ndarray], rarity: list[float] | None = None) -> WordVectors:
    spans, pos = [], 0
    for w in words:
        spans.append((pos, pos + len(w)))
        pos += len(w) + 1
    return WordVectors(
        tuple(words),
        tuple(words),
        tuple(spans),
        np.array(vectors, dtype=np.float32),
        np.array(rarity or [1.0] * len(words), dtype=np.float32),
    )


def test_word_pieces_merge_into_words_with_offsets_into_the_longer_text():
    text = "Dropout helps."
    tokens = ["drop", "##out", "helps", "."]
    offsets = [(0, 4), (4, 7), (8, 13), (13, 14)]
    vectors = np.array([unit(1, 0), unit(0, 1), unit(1, 1), unit(1, -1)])
    merged = merge_word_pieces(text, tokens, vectors, offsets, base=100)
    assert merged.words == ("dropout", "helps", ".")
    assert merged.spans == ((100, 107), (108, 113), (113, 114))
    assert np.allclose(merged.vectors[0], unit(1, 1))  # mean of its pieces, renormalised
    assert merged.rarity[2] == 0.0  # punctuation carries no weight
    assert merged.rarity[0] > merged.rarity[1] > 0  # 'dropout' is rarer than 'helps'


def test_similarity_is_clipped_cosine_and_best_match_reads_rows_or_columns():
    ref = wv(["a", "b"], [unit(1, 0), unit(0, 1)])
    ans = wv(["c"], [unit(-1, 0)])
    sims = similarity(ref, ans)
    assert sims.shape == (2, 1)
    assert sims.min() == 0.0  # an opposite vector is no match, not a negative one
    assert best_match(sims[:, []]).tolist() == [0.0, 0.0]  # nothing to match against
    assert best_match(np.array([[0.2, 0.9], [0.5, 0.1]]), axis=0).tolist() == pytest.approx([0.5, 0.9])


def test_an_ordered_fit_matches_rows_in_order_and_equals_the_bag_fit_when_they_are():
    """WO: rows matched at or after their predecessor's column; several rows may share one column."""
    sims = np.array([[0.9, 0.1, 0.2], [0.2, 0.1, 0.8], [0.1, 0.2, 0.7]], dtype=np.float32)
    weights = np.array([1.0, 1.0, 2.0])
    assert ordered_fit(sims, weights) == pytest.approx(weighted_mean(best_match(sims), weights))
    reversed_rows = sims[::-1].copy()
    # Read backwards, the heavy row matching column 2 comes first: the rows after it cannot go back to column 0.
    assert ordered_fit(reversed_rows, weights[::-1].copy()) == pytest.approx((2 * 0.7 + 0.8 + 0.2) / 4)
    assert ordered_fit(sims[:, :0], weights) == 0.0


def test_an_acronym_matches_the_words_it_abbreviates_in_either_direction():
    orthogonal = [unit(*row) for row in np.eye(5)]
    ref = wv(["last", "-", "in", "first", "out"], orthogonal, [0.5, 0.0, 0.0, 0.3, 0.2])
    ans = wv(["lifo"], [unit(1, 1, 1, 1, 1)], [1.0])
    assert similarity(ref, ans)[[0, 2, 3, 4], 0].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert similarity(ans, ref)[0, [0, 2, 3, 4]].tolist() == [1.0, 1.0, 1.0, 1.0]
    common = wv(["lifo"], [unit(1, 1, 1, 1, 1)], [0.2])  # a common word is not taken for an acronym
    assert similarity(ref, common)[0, 0] < 1.0


def stemmed(words: list[str], rarity: list[float], first: int = 0) -> WordVectors:
    """Words with their real stems and vectors orthogonal to each other and to those of another text starting
    from a different `first` axis: only a link can make two of them match."""
    base = wv(words, [unit(*row) for row in np.eye(6)[first : first + len(words)]], rarity)
    return replace(base, stems=tuple(stem(w) for w in words))


@pytest.mark.parametrize(
    ("clipped", "full"), [("vocab", "vocabulary"), ("params", "parameters"), ("conn", "connection")]
)
def test_a_clipped_word_matches_its_full_form_in_either_direction(clipped, full):
    ref = stemmed([full, "size"], [0.8, 0.4])
    ans = stemmed(["the", clipped], [0.0, 0.9], first=3)
    assert similarity(ref, ans)[0, 1] == 1.0
    assert similarity(ans, ref)[1, 0] == 1.0
    assert similarity(ref, ans)[1, 1] == 0.0


@pytest.mark.parametrize(
    ("short", "long", "rarity"),
    [
        ("line", "linear", 0.3),  # a common word is itself, not a clipped form
        ("heats", "heaters", 0.8),  # two letters more is an inflection or a suffix, not a clipping
        ("macs", "machine", 0.9),  # a three-letter stem begins too many words
    ],
)
def test_words_that_only_look_clipped_are_not_matched(short, long, rarity):
    ref = stemmed([long], [0.8])
    ans = stemmed([short], [rarity], first=3)
    assert similarity(ref, ans)[0, 0] == 0.0


def test_question_words_are_demoted_and_weighted_means_use_the_weights():
    ref = wv(["dropout", "inference"], [unit(1, 0), unit(0, 1)], [0.8, 0.6])
    w = demoted_weights(ref, frozenset({"inference"}), factor=0.1)
    assert w.tolist() == pytest.approx([0.8, 0.06])
    assert weighted_mean(np.array([1.0, 0.0]), w) == pytest.approx(0.8 / 0.86)
    assert weighted_mean(np.array([1.0]), np.array([0.0])) == 0.0
    assert lexical_recall(["dropout", "inference"], w, ["dropout"]) == pytest.approx(0.8 / 0.86)


def test_pooled_vectors_are_normalised_and_concat_keeps_order():
    a = wv(["x"], [unit(1, 0)])
    b = wv(["y"], [unit(0, 1)])
    both = concat([a, b])
    assert both.words == ("x", "y")
    assert np.linalg.norm(pooled(both.vectors)) == pytest.approx(1.0)
    assert np.allclose(pooled(both.vectors, np.array([1.0, 0.0])), unit(1, 0))
    two = wv(["x", "y"], [unit(1, 0), unit(0, 1)])
    assert two.within(0, 1).tolist() == [True, False]
    assert two.select(np.array([False, True])).words == ("y",)
