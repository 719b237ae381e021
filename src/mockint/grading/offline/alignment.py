"""Token alignment between a reference and an answer, BERTScore-style, on plain arrays.

Word pieces are merged into words (mean of their contextual vectors), each word carries a rarity
weight (wordfreq Zipf), and words the question itself uses are demoted: restating the question must
not earn credit. Recall = weighted mean over reference words of the best cosine to any answer word;
precision is the same the other way round. Pure functions: no model, no I/O.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mockint.text.rarity import rarity
from mockint.text.stems import stem

QUESTION_WORD_WEIGHT = 0.1
# A word this rare (general English frequency) may stand for a longer one: an acronym ("LIFO") or a clipped
# form ("vocab"); a common word ("line", "mean", "log") is itself, not a short form of "linear" or "logistic".
SHORT_FORM_RARITY = 0.7
# A clipped form's stem keeps at least this many letters, and the full word is at least this many letters
# longer than the clipped word: "vocab" and "vocabulary", "eval" and "evaluation", "params" and "parameters";
# not "repo" and "report", "heats" and "heaters", nor "macs" (stem 'mac') and "machine" (read on train rows).
CLIPPED_MIN_LETTERS = 4
CLIPPED_MIN_CUT = 3


@dataclass(frozen=True)
class WordVectors:
    """Words of one text with contextual vectors (rows, L2-normalised) and character spans."""

    words: tuple[str, ...]
    stems: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    rarity: np.ndarray

    def __len__(self) -> int:
        return len(self.words)

    def select(self, mask: np.ndarray) -> "WordVectors":
        idx = np.flatnonzero(mask)
        return WordVectors(
            tuple(self.words[i] for i in idx),
            tuple(self.stems[i] for i in idx),
            tuple(self.spans[i] for i in idx),
            self.vectors[idx],
            self.rarity[idx],
        )

    @cached_property
    def _bounds(self) -> np.ndarray:
        return np.array(self.spans, dtype=np.int64).reshape(-1, 2)

    def within(self, start: int, end: int) -> np.ndarray:
        """Mask of the words inside the character span [start, end)."""
        return (self._bounds[:, 0] >= start) & (self._bounds[:, 1] <= end)


def empty_words(dim: int = 384) -> WordVectors:
    return WordVectors((), (), (), np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=np.float32))


def merge_word_pieces(
    text: str, tokens: Sequence[str], vectors: np.ndarray, offsets: Sequence[tuple[int, int]], base: int = 0
) -> WordVectors:
    """Group WordPiece tokens ('drop', '##out') into words; `base` shifts offsets when `text` was a
    slice of a longer text. Punctuation becomes its own word with rarity 0."""
    groups: list[list[int]] = []
    for i, tok in enumerate(tokens):
        start = offsets[i][0]
        glued = bool(groups) and offsets[groups[-1][-1]][1] == start and text[start - 1 : start + 1].isalnum()
        joined = bool(groups) and (tok.startswith("##") or glued)
        if joined:
            groups[-1].append(i)
        else:
            groups.append([i])
    dim = vectors.shape[1] if vectors.ndim == 2 else 384
    if not groups:
        return empty_words(dim)
    words, spans, rows = [], [], []
    for g in groups:
        start, end = offsets[g[0]][0], offsets[g[-1]][1]
        words.append(text[start:end].lower())
        spans.append((start + base, end + base))
        rows.append(vectors[g].mean(axis=0))
    mat = np.asarray(rows, dtype=np.float32)
    mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    return WordVectors(
        tuple(words),
        tuple(stem(w) for w in words),
        tuple(spans),
        mat,
        np.array([rarity(w) for w in words], dtype=np.float32),
    )


def concat(parts: Sequence[WordVectors]) -> WordVectors:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_words()
    return WordVectors(
        tuple(w for p in parts for w in p.words),
        tuple(s for p in parts for s in p.stems),
        tuple(s for p in parts for s in p.spans),
        np.vstack([p.vectors for p in parts]),
        np.concatenate([p.rarity for p in parts]),
    )


def demoted_weights(wv: WordVectors, demoted_stems: frozenset[str], factor: float = QUESTION_WORD_WEIGHT) -> np.ndarray:
    """Rarity weights with the question's own words scaled down by `factor`."""
    demote = np.array([s in demoted_stems for s in wv.stems], dtype=bool)
    return np.where(demote, wv.rarity * factor, wv.rarity).astype(np.float32)


def _acronym_links(source: WordVectors, target: WordVectors) -> list[tuple[list[int], int]]:
    """Target words that abbreviate a run of source words ('LIFO' for 'last-in-first-out'); the
    embeddings do not see that the two say the same thing."""
    alnum = [i for i, w in enumerate(source.words) if w[:1].isalnum()]
    initials = "".join(source.words[i][0] for i in alnum)
    links = []
    for j, word in enumerate(target.words):
        if not (2 <= len(word) <= 6 and word.isalpha() and target.rarity[j] >= SHORT_FORM_RARITY):
            continue
        start = initials.find(word)
        while start >= 0:
            links.append((alnum[start : start + len(word)], j))
            start = initials.find(word, start + 1)
    return links


def _clipping_links(source: WordVectors, target: WordVectors) -> list[tuple[int, int]]:
    """(source word, target word) where the target word is a clipped form of the source word ('vocab' for
    'vocabulary', 'params' for 'parameters'): MiniLM's word pieces of a clipped form land far from the word."""
    links = []
    for j, word in enumerate(target.words):
        base = target.stems[j]
        if not (len(base) >= CLIPPED_MIN_LETTERS and word.isalpha() and target.rarity[j] >= SHORT_FORM_RARITY):
            continue
        for i, full in enumerate(source.words):
            if len(full) >= len(word) + CLIPPED_MIN_CUT and full.startswith(base) and source.stems[i] != base:
                links.append((i, j))
    return links


def similarity(source: WordVectors, target: WordVectors) -> np.ndarray:
    """Cosines between every source and target word, clipped to [0, 1]; an acronym or a clipped form in either
    text counts as a perfect match for the words it abbreviates in the other."""
    sims = (
        np.clip(source.vectors @ target.vectors.T, 0.0, 1.0)
        if len(source) and len(target)
        else (np.zeros((len(source), len(target)), dtype=np.float32))
    )
    for rows, col in _acronym_links(source, target):
        sims[rows, col] = 1.0
    for cols, row in _acronym_links(target, source):
        sims[row, cols] = 1.0
    for row, col in _clipping_links(source, target):
        sims[row, col] = 1.0
    for col, row in _clipping_links(target, source):
        sims[row, col] = 1.0
    return sims


def best_match(sims: np.ndarray, axis: int = 1) -> np.ndarray:
    """Best similarity of each row (axis=1) or column (axis=0); 0 when there is nothing to match."""
    if sims.shape[axis] == 0:
        return np.zeros(sims.shape[1 - axis], dtype=np.float32)
    return sims.max(axis=axis)


def ordered_fit(sims: np.ndarray, weights: np.ndarray) -> float:
    """`weighted_mean(best_match(sims), weights)` with the rows matched in order: each row's column at or after the
    one its predecessor matched (several rows may share a column: "context words" and "context"), the best such
    alignment found by dynamic programming. "predicts the centre word from the context" fits "predicts the centre
    word from the averaged context words" as before, and "predicts context words from the centre word" less."""
    total = float(weights.sum())
    if sims.shape[1] == 0 or total <= 0:
        return 0.0
    best = np.zeros(sims.shape[1], dtype=np.float64)
    for row, weight in zip(sims, weights, strict=True):
        best = np.maximum.accumulate(best) + weight * row
    return float(best.max() / total)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else 0.0


def lexical_recall(source_stems: Sequence[str], weights: np.ndarray, target_stems: Sequence[str]) -> float:
    """Share of the source's weighted words whose stem occurs in the target."""
    present = set(target_stems)
    hits = np.array([s in present for s in source_stems], dtype=np.float32)
    return weighted_mean(hits, weights)


def pooled(vectors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Normalised (optionally weighted) mean of rows: a sentence vector from word vectors."""
    if len(vectors) == 0:
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 384, dtype=np.float32)
    v = vectors.mean(axis=0) if weights is None or weights.sum() <= 0 else (vectors * weights[:, None]).sum(axis=0)
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0
