import numpy as np
import pytest

from mockint.evals.baselines import (
    EmbeddingCosineBaseline,
    TfidfCosineBaseline,
    TokenOverlapBaseline,
    build_baselines,
    rescale_min_max,
)
from mockint.types.grade import GradingItem

ITEM = GradingItem(question="What is dropout?", reference_answer="Dropout randomly zeroes units during training.")
ANSWERS = [
    "During training, dropout zeroes random units.",
    "Units are zeroed.",
    "I like random forests for tabular data.",
    "",
]


def test_token_overlap_is_reference_recall():
    raw = TokenOverlapBaseline().raw_scores([ITEM] * 4, ANSWERS)
    # reference content words: dropout randomly zeroes units training
    np.testing.assert_allclose(raw, [4 / 5, 1 / 5, 0.0, 0.0])  # "units" only


def test_tfidf_ranks_the_paraphrase_first_and_blank_last():
    raw = TfidfCosineBaseline().raw_scores([ITEM] * 4, ANSWERS)
    assert raw[0] > raw[1] >= raw[2] >= raw[3] == 0
    assert raw.max() <= 1 + 1e-9


def test_rescale_is_min_max_over_the_run():
    np.testing.assert_allclose(rescale_min_max(np.array([0.2, 0.4, 0.6])), [0, 2.5, 5])
    np.testing.assert_allclose(rescale_min_max(np.array([0.3, 0.3])), [0, 0])


def test_unknown_baseline_name():
    with pytest.raises(ValueError, match="unknown baseline"):
        build_baselines(["bm25"])


@pytest.mark.slow
def test_embedding_cosine_with_the_local_model():
    from mockint.doors.embeddings import shared_local_embedder

    raw = EmbeddingCosineBaseline(shared_local_embedder()).raw_scores([ITEM] * 4, ANSWERS)
    assert raw[0] > 0.6
    assert raw[0] > raw[1] > raw[2]
    assert raw[3] == 0.0
