"""Naive similarity baselines a real grader has to beat, scored over a whole run at once.

Each baseline gives every answer a raw similarity to its question's reference answer, then maps it to
0-5 by min-max over the run: the least similar answer of the run gets 0, the most similar 5, linearly
in between. That is monotone, so Pearson and Spearman are those of the raw similarity, and it gives the
baselines their best-case calibration for MAE and kappa. A blank answer always scores raw 0.
"""

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from mockint.doors.embeddings import Embedder
from mockint.text.words import content_words
from mockint.types.grade import SCORE_MAX, GradingItem


class Baseline(Protocol):
    name: str

    def raw_scores(self, items: Sequence[GradingItem], answers: Sequence[str]) -> np.ndarray: ...


def rescale_min_max(raw: np.ndarray) -> np.ndarray:
    """Raw similarities to 0-5 over the run; a run where all are equal gets 0 everywhere."""
    raw = np.asarray(raw, float)
    if raw.size == 0:
        return raw
    low, high = raw.min(), raw.max()
    if high - low < 1e-12:
        return np.zeros_like(raw)
    return SCORE_MAX * (raw - low) / (high - low)


class TokenOverlapBaseline:
    """Recall of the reference answer's content words in the answer."""

    name = "baseline:token-overlap"

    def raw_scores(self, items: Sequence[GradingItem], answers: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(answers))
        for i, (item, answer) in enumerate(zip(items, answers, strict=True)):
            reference = set(content_words(item.reference_answer))
            if reference:
                out[i] = len(reference & set(content_words(answer))) / len(reference)
        return out


class TfidfCosineBaseline:
    """Cosine of TF-IDF vectors, the vocabulary and idf fitted on this run's references and answers."""

    name = "baseline:tfidf-cosine"

    def raw_scores(self, items: Sequence[GradingItem], answers: Sequence[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not answers:
            return np.zeros(0)
        references = [item.reference_answer for item in items]
        vectorizer = TfidfVectorizer(analyzer=content_words, sublinear_tf=True)
        try:
            vectorizer.fit(list(dict.fromkeys(references)) + list(answers))
        except ValueError:  # nothing but stop words in the whole run
            return np.zeros(len(answers))
        ref_vecs, ans_vecs = vectorizer.transform(references), vectorizer.transform(answers)
        # Rows are L2-normalised, so the row-wise dot product is the cosine.
        return np.asarray(ref_vecs.multiply(ans_vecs).sum(axis=1)).ravel()


class EmbeddingCosineBaseline:
    """Cosine of sentence embeddings (local MiniLM by default) of the answer and the reference answer."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.name = f"baseline:embedding-cosine:{embedder.name}"

    def raw_scores(self, items: Sequence[GradingItem], answers: Sequence[str]) -> np.ndarray:
        if not answers:
            return np.zeros(0)
        references = list(dict.fromkeys(item.reference_answer for item in items))
        ref_vecs = dict(zip(references, self.embedder.embed(references), strict=True))
        filled = [i for i, a in enumerate(answers) if a.strip()]
        out = np.zeros(len(answers))
        if filled:
            ans_vecs = self.embedder.embed([answers[i] for i in filled])
            for row, i in enumerate(filled):
                out[i] = float(ans_vecs[row] @ ref_vecs[items[i].reference_answer])
        return out


BASELINE_NAMES = ("token-overlap", "tfidf", "embedding")


def build_baselines(names: Sequence[str], embedder: Embedder | None = None) -> list[Baseline]:
    """Baselines by short name; the embedding one uses the process's shared local model unless given one."""
    out: list[Baseline] = []
    for name in names:
        if name == "token-overlap":
            out.append(TokenOverlapBaseline())
        elif name == "tfidf":
            out.append(TfidfCosineBaseline())
        elif name == "embedding":
            if embedder is None:
                from mockint.doors.embeddings import shared_local_embedder

                embedder = shared_local_embedder()
            out.append(EmbeddingCosineBaseline(embedder))
        else:
            raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINE_NAMES)}")
    return out
