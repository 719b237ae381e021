"""A learned signal for "says the opposite of the reference": logistic regression over the pair (reference,
answer text), fitted by `eval/fit_contradiction.py` on the `contradictory` answers of SciEntsBank's and
Beetle's train splits against their `correct` ones.

Features of a pair (`pair_features`): the cues a contradiction leaves in words, which the vectors blur (one
side negated where the other is not, over the whole text and in the clause closest to the claim; an
opposite word, `answer_checks`, where the data cannot decide which words are opposites; a denial frame),
each also weighted by how many of the claim's words the text shares; the cosine of the two texts' mean word
vectors; and their elementwise product and absolute difference (the usual sentence-pair features of NLI
models). The weights live in `contradiction.json`: plain numbers, loaded without running any code from
the file.
"""

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from mockint.errors import GradingError
from mockint.grading.answer_checks import negated, opposite_word
from mockint.text.negations import denied_spans
from mockint.text.sentences import clause_spans, sentence_spans
from mockint.text.stems import stem
from mockint.text.words import content_words

CONTRADICTION_FILE = Path(__file__).with_name("contradiction.json")
# A contradicted key point costs a point: a signal wrong more often than two times in five would cost right
# answers more than it catches in wrong ones, so below this CV precision it only informs the score model.
POINT_LEVEL_PRECISION = 0.6


def _overlap(claim_stems: set[str], text: str) -> float:
    """Share of the claim's content words the text uses: a contradiction reuses them."""
    return len(claim_stems & {stem(w) for w in content_words(text)}) / max(1, len(claim_stems))


def _flipped(claim: str, text: str) -> bool:
    return negated(claim, text) != negated(text, claim)


def pair_features(claim: str, text: str, claim_vec: np.ndarray, text_vec: np.ndarray) -> np.ndarray:
    """How the text stands to the claim: their meaning (cosine of the mean word vectors) and shared words,
    whether one says not where the other does not (over the whole text, and in the clause of the text
    closest to the claim in words), an opposite word, a denial frame, each cue also weighted by the overlap
    (a flip matters only between texts about the same thing), and the text's length against the claim's.
    Each of several alternative claims (one per line) is tried and the closest kept."""
    u = claim_vec / max(float(np.linalg.norm(claim_vec)), 1e-9)
    v = text_vec / max(float(np.linalg.norm(text_vec)), 1e-9)
    claims = [c for c in claim.splitlines() if c.strip()] or [claim]
    best = max(claims, key=lambda c: _overlap({stem(w) for w in content_words(c)}, text))
    stems = {stem(w) for w in content_words(best)}
    overlap = _overlap(stems, text)
    clauses = [text[s:e] for sentence in sentence_spans(text) for s, e in clause_spans(text, sentence)] or [text]
    closest = max(clauses, key=lambda c: _overlap(stems, c))
    flip, clause_flip = float(_flipped(best, text)), float(_flipped(best, closest))
    opposite = float(opposite_word(best, text) is not None)
    denial = float(bool(denied_spans(text)))
    length = float(np.log((len(content_words(text)) + 1.0) / (len(stems) + 1.0)))
    cos = float(u @ v)
    cues = [flip, clause_flip, opposite, denial]
    named = [cos, overlap, _overlap(stems, closest), length, *cues, *(c * overlap for c in cues), clause_flip * cos]
    # The usual sentence-pair features of NLI models too: with them the grouped CV's F1 rose from 0.49 to 0.52
    # (eval/fit_contradiction.py).
    return np.concatenate([np.array(named, dtype=np.float32), u * v, np.abs(u - v)]).astype(np.float32)


class ContradictionModel(BaseModel):
    version: str
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    # Probability from which a pair counts as a contradiction (chosen by grouped CV on the train splits).
    threshold: float
    # Whether key-point verdicts use it too (a key point and the answer clause aligned with it): set by the
    # fit when its cross-validated precision reaches POINT_LEVEL_PRECISION.
    point_level: bool = False
    data: str = ""
    metrics: dict[str, dict[str, float]] = {}

    def probability(self, claim: str, text: str, claim_vec: np.ndarray, text_vec: np.ndarray) -> float:
        x = (pair_features(claim, text, claim_vec, text_vec) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(np.clip(self.bias + x @ np.asarray(self.weights), -30.0, 30.0))
        return 1.0 / (1.0 + np.exp(-z))

    def contradicts(self, claim: str, text: str, claim_vec: np.ndarray, text_vec: np.ndarray) -> bool:
        return self.probability(claim, text, claim_vec, text_vec) >= self.threshold


def load_contradiction_model(path: Path | None = None) -> ContradictionModel:
    path = path or CONTRADICTION_FILE
    try:
        return ContradictionModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError) as exc:
        raise GradingError(
            f"The offline grader's contradiction model {path} is missing or invalid: {exc}",
            hint="Reinstall mockint, or refit it with `python eval/fit_contradiction.py --write`.",
        ) from exc
