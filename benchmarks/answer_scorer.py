"""The answer scorer's int8 weights against fp32: `python -m benchmarks.answer_scorer [--limit N]` (also
`python -m benchmarks.run answer-scorer`).

Over bank questions, the shipped (int8) scorer and a fresh fp32 export of the same adapter score three
pairs each: (reference, reference), (reference, its first sentence), (reference, another question's
reference). Reported: milliseconds per pair for each, one pair at a time on one thread as the grader runs
it, and how far the int8 scores (0-5) are from fp32's.
"""

import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bank_args import bank_args
from mockint.doors.bank_files import load_bank
from mockint.doors.cross_encoder import CrossEncoder
from mockint.grading.offline.answer_scorer import ADAPTER_DIR, score_of_logit
from mockint.text.sentences import sentence_spans


def _pairs(corpus: Path | None, limit: int | None) -> list[tuple[str, str]]:
    questions = list(load_bank(corpus).questions)[:limit]
    others = random.Random(0)  # fixed: the same pairs on every run
    pairs = []
    for q in questions:
        s, e = sentence_spans(q.answer)[0]
        pairs += [(q.answer, q.answer), (q.answer, q.answer[s:e]), (q.answer, others.choice(questions).answer)]
    return pairs


def _timed_scores(encoder: CrossEncoder, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, list[float]]:
    encoder.logits(pairs[:1])  # loads (and, the first time, exports) the model outside the timing
    scores, ms = [], []
    for pair in pairs:
        started = time.perf_counter()
        (logit,) = encoder.logits([pair])
        ms.append((time.perf_counter() - started) * 1000.0)
        scores.append(score_of_logit(float(logit)))
    return np.array(scores), ms


def bench_answer_scorer(corpus: Path | None = None, limit: int | None = None) -> dict[str, float]:
    pairs = _pairs(corpus, limit)
    int8, int8_ms = _timed_scores(CrossEncoder(ADAPTER_DIR), pairs)
    # A fresh folder: the fp32 export is made for this comparison only and is not kept.
    with tempfile.TemporaryDirectory(prefix="mockint-fp32-") as folder:
        fp32, fp32_ms = _timed_scores(CrossEncoder(ADAPTER_DIR, model_dir=Path(folder), quantise=False), pairs)
    gap = np.abs(int8 - fp32)
    return {
        "pairs": float(len(pairs)),
        "int8_p50_ms": statistics.median(int8_ms),
        "fp32_p50_ms": statistics.median(fp32_ms),
        "gap_mean": float(gap.mean()),
        "gap_p95": float(np.percentile(gap, 95)),
        "gap_max": float(gap.max()),
        "pearson": float(np.corrcoef(int8, fp32)[0, 1]),
    }


def main(argv: list[str] | None = None) -> int:
    args = bank_args("python -m benchmarks.answer_scorer", __doc__, argv)
    m = bench_answer_scorer(args.corpus, args.limit)
    print(f"answer scorer over {m['pairs']:.0f} bank pairs, one pair at a time on one thread:")
    print(f"  int8 p50 {m['int8_p50_ms']:.1f} ms   fp32 p50 {m['fp32_p50_ms']:.1f} ms")
    print(
        f"  |int8 - fp32| on 0-5: mean {m['gap_mean']:.3f}   p95 {m['gap_p95']:.3f}   max {m['gap_max']:.3f}   "
        f"Pearson r {m['pearson']:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
