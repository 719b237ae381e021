"""Near-duplicate questions: pairs whose question+answer embeddings are almost the same.

Pure over vectors; the caller embeds (`duplicate_text` says what), so any embedder or a fake works.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from mockint.types.question import Question

# Cosine of all-MiniLM-L6-v2 embeddings of question + answer; measured by `python -m benchmarks.run dupes`
# (rerun it when the bank grows). On 20 hand-written paraphrases of one question (reworded question and
# answer) and 12 hand-written pairs of distinct questions on one subject, the two distributions overlap:
# paraphrases 0.36-0.92 (median 0.81; the misses lean on abbreviations like "CLT", "SRM" the model does not
# know), distinct pairs 0.43-0.79. Recall minus false-flag rate is best for any threshold in (0.747, 0.786]:
# 14/20 paraphrases caught, 1/12 distinct pairs flagged ("What is backpropagation?" vs "How does
# backpropagation relate to gradient descent?", 0.79, close enough to deserve a look). 0.77 is the middle
# of that range; in the 374-question bank the closest pair of distinct questions scored 0.73, so nothing in
# the bank is flagged.
DEFAULT_THRESHOLD = 0.77


@dataclass(frozen=True)
class NearDuplicate:
    first: str
    second: str
    similarity: float


def duplicate_text(q: Question) -> str:
    """What is compared: the question and its reference answer (the rubric may be absent or still growing)."""
    return f"{q.question}\n{q.answer}"


def find_near_duplicates(
    ids: Sequence[str], vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD
) -> list[NearDuplicate]:
    """Every pair with cosine similarity >= threshold, most similar first. Rows need not be normalised."""
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
    if len(ids) < 2:
        return []
    sims = _cosine_matrix(vectors)
    rows, cols = np.where(np.triu(sims >= threshold, k=1))
    pairs = [NearDuplicate(ids[i], ids[j], float(sims[i, j])) for i, j in zip(rows, cols, strict=True)]
    return sorted(pairs, key=lambda p: -p.similarity)


def nearest_neighbour_similarities(vectors: np.ndarray) -> np.ndarray:
    """For each row, the cosine of its most similar other row (the distribution the threshold is set from)."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.float32)
    sims = _cosine_matrix(vectors)
    np.fill_diagonal(sims, -np.inf)
    return sims.max(axis=1)


def _cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    mat = np.asarray(vectors, dtype=np.float32)
    mat = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    return mat @ mat.T


def check_bank(
    questions: Sequence[Question], embedder, threshold: float = DEFAULT_THRESHOLD, *, progress: bool = False
) -> list[NearDuplicate]:
    """Embed each question's `duplicate_text` with `embedder` and return the near-duplicate pairs."""
    if len(questions) < 2:
        return []
    texts = [duplicate_text(q) for q in questions]
    vectors = embedder.embed(texts, progress=True) if progress else embedder.embed(texts)
    return find_near_duplicates([q.id for q in questions], vectors, threshold)


def near_duplicates_of(
    new_ids: Collection[str],
    questions: Sequence[Question],
    embedder,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    progress: bool = False,
) -> list[NearDuplicate]:
    """The near-duplicate pairs of `questions` (a whole bank) that involve a question in `new_ids` (the
    ones an import adds or changes), the new one first: what an import should warn about, where
    `check_bank` also lists the pairs the bank already had."""
    pairs = check_bank(questions, embedder, threshold, progress=progress)
    return [
        pair if pair.first in new_ids else NearDuplicate(pair.second, pair.first, pair.similarity)
        for pair in pairs
        if pair.first in new_ids or pair.second in new_ids
    ]
