"""eval/fit_topic_gate.py --rivals: the rival features and which questions are an answer's rivals."""

import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer
from fit_topic_gate import add_rival_features, rival_features


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_an_answer_nearer_another_reference_has_a_negative_margin():
    own, other = _unit(1, 0, 0), _unit(0, 1, 0)
    rivals = np.stack([other, _unit(0, 0, 1)])
    written_for_other = rival_features(_unit(0.2, 1, 0), own, rivals)
    written_for_own = rival_features(_unit(1, 0.2, 0), own, rivals)
    assert written_for_other["rival_margin"] < 0 < written_for_own["rival_margin"]
    assert written_for_other["rival_best"] > written_for_own["rival_best"]


def _row(question_id: str, reference: str, text: str, split: str = "train") -> Answer:
    return Answer("saf", split, question_id, "Why?", reference, text, 5.0, "correct", features={})


def test_rivals_are_the_other_questions_of_the_split_and_an_off_question_row_meets_its_source(tmp_path: Path):
    # Texts stand for their vectors: a cache the embedder would have written, so no model is loaded.
    vectors = {"ref a": _unit(1, 0, 0), "ref b": _unit(0, 1, 0), "ref c": _unit(0, 0, 1)}
    vectors |= {"about a": _unit(1, 0.1, 0), "about b": _unit(0.1, 1, 0)}
    (tmp_path / "sentence-embeddings.pkl").write_bytes(
        pickle.dumps({k: v.astype(np.float16) for k, v in vectors.items()})
    )
    own = _row("a", "ref a", "about a")
    test_row = _row("c", "ref c", "about b", split="unseen_questions")
    # "about b" was written for question b; given to question a, b is among its rivals.
    off_question = _row("a", "ref a", "about b", split="anchor")
    rows = [own, _row("b", "ref b", "about b"), test_row, off_question]
    add_rival_features(rows, tmp_path)
    assert own.features["rival_margin"] > 0
    assert off_question.features["rival_margin"] < 0
    # The unseen split's only question has no rival from train (its pool is its own split): none competes.
    assert test_row.features["rival_best"] == -1.0
