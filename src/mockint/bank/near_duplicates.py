"""Near-duplicate questions: pairs whose question+answer embeddings are almost the same, or whose question
texts alone are (the same question asked twice with different answers).

Pure over vectors; the caller embeds (`duplicate_text` says what), so any embedder or a fake works.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

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

# Cosine of the question texts alone. Question and answer together miss the same question asked twice with
# other answers ("What does label smoothing do?" over a gradient-clipping answer scored 0.70), so the question
# text is compared on its own too. A question is a handful of words, so one changed term moves its cosine far
# and the 0.77 above would flag distinct questions. On hand-written pairs (not the bank's questions): the same
# question reworded without changing a term it asks about (case, punctuation, "label-smoothing", "What's",
# "when do you need it" -> "when is it needed") scored 0.966-1.0; distinct questions differing in one term
# ("type I"/"type II error" 0.87, "L1"/"L2 regularization" 0.88, "overfitting"/"underfitting" 0.84) at most
# 0.88. 0.92 is the middle of that gap.
QUESTION_THRESHOLD = 0.92


@dataclass(frozen=True)
class NearDuplicate:
    first: str
    second: str
    similarity: float
    threshold: float = DEFAULT_THRESHOLD
    # True when the question texts alone matched: worth saying, as their answers may well differ.
    same_question: bool = False

    def __str__(self) -> str:
        measured = "question text " if self.same_question else ""
        return f"near-duplicate ({measured}{self.similarity:.2f} >= {self.threshold:.2f}): {self.first} ~ {self.second}"


def duplicate_text(q: Question) -> str:
    """What is compared: the question and its reference answer (the rubric may be absent or still growing)."""
    return f"{q.question}\n{q.answer}"


def find_near_duplicates(
    ids: Sequence[str], vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD, *, same_question: bool = False
) -> list[NearDuplicate]:
    """Every pair with cosine similarity >= threshold, most similar first. Rows need not be normalised."""
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
    if len(ids) < 2:
        return []
    sims = _cosine_matrix(vectors)
    rows, cols = np.where(np.triu(sims >= threshold, k=1))
    pairs = [
        NearDuplicate(ids[i], ids[j], float(sims[i, j]), threshold, same_question)
        for i, j in zip(rows, cols, strict=True)
    ]
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
    """Embed each question's `duplicate_text` and its question alone with `embedder`, and return the pairs near
    on either (`threshold` is for question and answer): those whose question texts match first, as the same
    question asked twice, then the rest, most similar first."""
    if len(questions) < 2:
        return []
    texts = [duplicate_text(q) for q in questions] + [q.question for q in questions]
    vectors = embedder.embed(texts, progress=True) if progress else embedder.embed(texts)
    ids = [q.id for q in questions]
    both, alone = vectors[: len(ids)], vectors[len(ids) :]
    same_question = find_near_duplicates(ids, alone, QUESTION_THRESHOLD, same_question=True)
    named = {(p.first, p.second) for p in same_question}
    return same_question + [p for p in find_near_duplicates(ids, both, threshold) if (p.first, p.second) not in named]


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
        pair if pair.first in new_ids else replace(pair, first=pair.second, second=pair.first)
        for pair in pairs
        if pair.first in new_ids or pair.second in new_ids
    ]
