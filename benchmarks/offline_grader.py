"""Latency of the offline grader over the question bank: `python -m benchmarks.offline_grader [--limit N]`
(also `python -m benchmarks.run offline-grader`).

Per bank question, four answers are graded (the reference answer, its first sentence, that sentence
in spoken style with fillers, an off-topic answer). The first grade of an item also embeds the item
(reference, explanation, key points) and is reported apart; the target concerns answers to an item
already seen, which is what a candidate's session is, with the model loaded.
"""

import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.bank_args import bank_args
from mockint.doors.bank_files import load_bank
from mockint.grading.offline.grader import OfflineGrader
from mockint.text.sentences import sentence_spans
from mockint.types.grade import GradingItem

OFF_TOPIC = "I enjoyed the conference dinner last night; the food was great and the band played until late."


def _answers(reference: str) -> list[str]:
    s, e = sentence_spans(reference)[0]
    first = reference[s:e]
    spoken = f"Um, so basically, {first[:1].lower()}{first[1:]} you know, I mean, that's the the main idea."
    return [reference, first, spoken, OFF_TOPIC]


def bench_offline(corpus: Path | None = None, limit: int | None = None) -> dict[str, float]:
    """Grade answers to every bank question; milliseconds per answer (warm item) and per first grade."""
    questions = list(load_bank(corpus).questions)[:limit]
    grader = OfflineGrader()
    grader.grade(GradingItem.from_question(questions[0]), "warm-up: load the model")
    warm, cold, ratios = [], [], []
    for q in questions:
        item = GradingItem.from_question(q)
        for i, answer in enumerate(_answers(q.answer)):
            started = time.perf_counter()
            grader.grade(item, answer)
            (cold if i == 0 else warm).append((time.perf_counter() - started) * 1000.0)
            if i:
                # The cost the issue measures grading against: one embedding pass of the answer alone.
                started = time.perf_counter()
                grader.embedder.token_embeddings([answer])
                ratios.append(warm[-1] / ((time.perf_counter() - started) * 1000.0))
    return {
        "questions": float(len(questions)),
        "answers": float(len(warm)),
        "p50_ms": float(statistics.median(warm)),
        "p95_ms": float(np.percentile(warm, 95)),
        "first_grade_p50_ms": float(statistics.median(cold)),
        "first_grade_p95_ms": float(np.percentile(cold, 95)),
        "cost_vs_embedding_p50": float(statistics.median(ratios)),
    }


def main(argv: list[str] | None = None) -> int:
    args = bank_args("python -m benchmarks.offline_grader", __doc__, argv)
    m = bench_offline(args.corpus, args.limit)
    print(f"offline grader over {m['questions']:.0f} bank questions, {m['answers']:.0f} answers to seen items:")
    print(f"  p50 {m['p50_ms']:.1f} ms   p95 {m['p95_ms']:.1f} ms   (target p95 <= 50 ms)")
    print(f"  a grade costs {m['cost_vs_embedding_p50']:.1f}x one embedding pass of the answer (median; target <= 3)")
    print(
        f"  first grade of an item (embeds the item too): p50 {m['first_grade_p50_ms']:.1f} ms   "
        f"p95 {m['first_grade_p95_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
