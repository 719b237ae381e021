"""How the offline grader takes a claim of the reference negated in the reference's own words: "L1 ... can push
coefficients exactly to zero" against "L1 ... can not push coefficients exactly to zero". A known limit,
measured over the whole bank; no threshold is set from it.

    python eval/check_negated_claims.py [--corpus corpus] [--json]

For every bank question whose reference answer opens with a sentence that has an auxiliary verb (is, are,
can, does, ...) and no negation, that sentence is graded as the answer, then again with "not" after its first
auxiliary. Printed: how many questions, the mean score of each, the mean drop, the share of questions where
the negated sentence scores at least a point lower, the share where its card names a contradiction, and the
share where it still scores above NEGATED_MAX (the bar of the "It is not true that ..." invariant), with the
smallest drops as examples. The bank's invariant negates a whole answer with a denial frame, which the
grader reads; this checks the plainer negation a candidate would speak. About 10 s once the model is loaded.
"""

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mockint.doors.bank_files import load_bank
from mockint.evals.invariants import NEGATED_MAX
from mockint.grading.offline.grader import OfflineGrader
from mockint.text.negations import is_negated
from mockint.text.sentences import sentence_spans
from mockint.types.grade import Grade, GradingItem

_AUXILIARY = re.compile(r"\b(?:is|are|was|were|can|will|should|must|does|do|has|have)\b")
# Drops this large move the grade a verdict band or more; smaller ones are within the grader's noise.
CLEAR_DROP = 1.0
EXAMPLES = 5


def negated_claim(reference: str) -> tuple[str, str] | None:
    """(the reference's first sentence, that sentence with "not" after its first auxiliary), or None when
    the sentence has no auxiliary or already negates (a double negation says nothing clear)."""
    spans = sentence_spans(reference)
    if not spans:
        return None
    claim = reference[slice(*spans[0])]
    found = _AUXILIARY.search(claim)
    if found is None or is_negated(claim):
        return None
    return claim, f"{claim[: found.end()]} not{claim[found.end() :]}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help="bank folder (default: the shipped bank)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    pairs = []
    for q in load_bank(args.corpus).questions:
        found = negated_claim(q.answer)
        if found:
            pairs.append((q.id, GradingItem.from_question(q), *found))
    grades = OfflineGrader().grade_many(
        [item for _, item, _, _ in pairs for _ in range(2)], [text for *_, claim, neg in pairs for text in (claim, neg)]
    )
    failed = [g for g in grades if not isinstance(g, Grade)]
    if failed:
        print(f"could not grade {len(failed)} answers, the first: {failed[0]}", file=sys.stderr)
        return 1
    claim_scores = np.array([g.score for g in grades[0::2]])
    negated_scores = np.array([g.score for g in grades[1::2]])
    drops = claim_scores - negated_scores
    flagged = np.array([bool(g.misconceptions) for g in grades[1::2]])
    figures = {
        "questions": len(pairs),
        "claim, mean score": round(float(claim_scores.mean()), 2),
        "negated claim, mean score": round(float(negated_scores.mean()), 2),
        "mean drop": round(float(drops.mean()), 2),
        f"drop >= {CLEAR_DROP:g}": round(float((drops >= CLEAR_DROP).mean()), 3),
        "contradiction named": round(float(flagged.mean()), 3),
        f"negated claim > {NEGATED_MAX:g}": round(float((negated_scores > NEGATED_MAX).mean()), 3),
    }
    examples = [
        {"question": qid, "claim": float(c), "negated": float(n), "answer": neg}
        for (qid, _, _, neg), c, n in sorted(
            zip(pairs, claim_scores, negated_scores, strict=True), key=lambda r: r[1] - r[2]
        )[:EXAMPLES]
    ]
    if args.json:
        print(json.dumps({"figures": figures, "smallest drops": examples}, indent=1))
        return 0
    for name, value in figures.items():
        print(f"{name:28s} {value}")
    print("smallest drops:")
    for e in examples:
        print(f"  {e['question']}: {e['claim']:.1f} -> {e['negated']:.1f}  {e['answer'][:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
