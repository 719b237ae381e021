"""Feature extraction and the score rules on a fake embedder: each word gets a fixed random vector
(synonyms share one), so alignment is exact-or-nothing and every number can be reasoned about."""

import re
import zlib

import numpy as np
import pytest

from mockint.embeddings import TokenEmbeddings
from mockint.errors import GradingError
from mockint.grade import GradingItem
from mockint.offline_features import analyse
from mockint.offline_grader import CAPPED_SCORE, CONTRADICTED_MAX, final_score, prepare_answer, prepare_item
from mockint.offline_model import Calibration


class FakeEmbedder:
    def __init__(self, synonyms: dict[str, str] | None = None) -> None:
        self.synonyms = synonyms or {}
        self.calls = 0

    def vector(self, word: str) -> np.ndarray:
        rng = np.random.default_rng(zlib.crc32(self.synonyms.get(word, word).encode()))
        v = rng.normal(size=64)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]:
        self.calls += 1
        out = []
        for text in texts:
            matches = list(re.finditer(r"\w+|[^\w\s]", text))
            out.append(TokenEmbeddings(
                tokens=[m.group().lower() for m in matches],
                vectors=np.array([self.vector(m.group().lower()) for m in matches]).reshape(-1, 64),
                offsets=[(m.start(), m.end()) for m in matches],
            ))
        return out


ITEM = GradingItem(
    question="What does dropout do in a neural network?",
    reference_answer="Dropout randomly zeroes activations during training, which prevents co-adaptation. "
                     "It is disabled at inference.",
    key_points=["randomly zeroes activations during training", "prevents co-adaptation", "disabled at inference"],
)


@pytest.fixture(scope="module")
def fake():
    return FakeEmbedder({"deactivated": "disabled", "switched": "disabled"})


@pytest.fixture(scope="module")
def item(fake):
    return prepare_item(fake, ITEM)


def features(fake, item, text):
    return analyse(item, prepare_answer(fake, text))


def test_each_side_is_embedded_in_one_batch(fake):
    before = fake.calls
    prepare_answer(fake, "One sentence. Another sentence. A third one.")
    assert fake.calls == before + 1


def test_the_reference_itself_gains_most_and_the_question_gains_nothing(fake, item):
    full = features(fake, item, ITEM.reference_answer)
    copied = features(fake, item, ITEM.question)
    assert full.features["recall"] > 0.5 and full.features["lexical"] > 0.5
    assert copied.features["recall"] == pytest.approx(0.0, abs=1e-6)
    assert copied.features["lexical"] == pytest.approx(0.0, abs=1e-6)
    assert copied.question_novelty < 0.1


def test_padding_lowers_precision_and_leaves_recall_alone(fake, item):
    clean = "Dropout randomly zeroes activations during training. It is disabled at inference."
    padded = clean + " My favourite holiday was hiking in the mountains with friends."
    a, b = features(fake, item, clean), features(fake, item, padded)
    assert b.features["recall"] == pytest.approx(a.features["recall"])
    assert b.features["length"] == pytest.approx(a.features["length"])
    assert b.features["precision"] < a.features["precision"]
    assert b.features["off_topic"] > a.features["off_topic"] == 0.0
    assert len(b.off_topic) == 1


def test_key_points_get_coverage_and_their_best_clause(fake, item):
    text = "During training it randomly zeroes activations, but at inference it is deactivated."
    result = features(fake, item, text)
    by_point = {p.point: p for p in result.points}
    assert by_point["randomly zeroes activations during training"].recall > 0.8
    assert by_point["prevents co-adaptation"].recall < 0.3
    s, e = by_point["disabled at inference"].clause
    assert "deactivated" in text[s:e]
    assert result.contradicted == 0


def test_a_contradicted_key_point_is_flagged(fake, item):
    result = features(fake, item, "Dropout randomly zeroes activations during training and it is used at inference.")
    flagged = [p for p in result.points if p.contradiction]
    assert [p.point for p in flagged] == ["disabled at inference"]
    assert "used" in flagged[0].contradiction


def test_an_opposite_word_that_another_key_point_says_is_no_contradiction(fake):
    item = prepare_item(fake, GradingItem(
        question="How do you tell overfitting from underfitting?",
        reference_answer="Compare training and validation error.",
        key_points=["underfitting shows as high training error and similar validation error",
                    "overfitting shows as low training error and much higher validation error"],
    ))
    result = features(fake, item, "Low training error and much higher validation error shows overfitting.")
    assert result.contradicted == 0


def test_an_item_without_a_reference_cannot_be_graded(fake):
    with pytest.raises(GradingError, match="no reference answer"):
        prepare_item(fake, GradingItem(question="What is X?", reference_answer="  "))


def test_rules_on_top_of_the_model_cap_and_penalise():
    cal = Calibration(version="t", features=["recall"], mean=[0.0], scale=[1.0], weights=[10.0], bias=0.0)
    good = {"recall": 1.0}
    assert final_score(cal, good, 0, False) == pytest.approx(5.0, abs=1e-3)
    assert final_score(cal, good, 1, False) == CONTRADICTED_MAX
    assert final_score(cal, good, 0, True) == CAPPED_SCORE
    assert final_score(cal, {"recall": -1.0}, 3, False) == 0.0
