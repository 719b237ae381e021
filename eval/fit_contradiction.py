"""Fit the offline grader's learned contradiction signal ("says the opposite of the reference") and report
its precision and recall on questions and domains it has never seen.

    python eval/fit_contradiction.py [--datasets ../shared/datasets] [--cache /tmp/mockint-asag] [--write]

Data (`eval/asag.py`, read by path, the same sample of answers as the score model's fit): the `contradictory`
and `correct` answers of SciEntsBank and Beetle, the two datasets whose labels say which answers contradict
the reference (SAF's scores do not). The model is a logistic regression over `contradiction.pair_features`
(meaning, shared words, negation and opposite-word cues, each cue weighted by the shared words); its ridge
strength C and its probability threshold are chosen by 5-fold cross-validation grouped by question on the
train splits only (the threshold with the best F1 of the out-of-fold probabilities). Reported: the CV
figures, and precision / recall / F1 on SciEntsBank unseen_questions and unseen_domains and Beetle
unseen_questions, contradictory against correct answers (what it was fitted to tell apart) and against
every other answer (how it fares among partial, irrelevant and off-domain ones too).

With `--write`, replaces `src/mockint/grading/offline/contradiction.json` (fitted numbers and these figures).
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from asag import DATASETS, DEFAULT_CACHE, Answer, load, sample, text_vectors
from calibrate_offline import FOLDS, VERSION, _prf, fit_contradiction

from mockint.grading.offline.contradiction import CONTRADICTION_FILE, pair_features

REPORTED = (("scientsbank", "unseen_questions"), ("scientsbank", "unseen_domains"), ("beetle", "unseen_questions"))
LABELLED = ("scientsbank", "beetle")


def pairs(rows: Sequence[Answer], cache: Path) -> np.ndarray:
    vectors = text_vectors([t for r in rows for t in (r.reference, r.text)], cache)
    return np.array([pair_features(r.reference, r.text, vectors[r.reference], vectors[r.text]) for r in rows])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="token embedding cache (eval/asag.py)")
    ap.add_argument("--out", type=Path, default=CONTRADICTION_FILE, help="contradiction JSON")
    ap.add_argument("--write", action="store_true", help="replace the contradiction model with the fit")
    args = ap.parse_args(argv)
    answers = [a for a in sample(load(args.datasets)) if a.dataset in LABELLED and a.text.strip()]
    train = [a for a in answers if a.split == "train" and a.label in ("correct", "contradictory")]
    x = pairs(train, args.cache)
    y = np.array([a.label == "contradictory" for a in train])
    model, cv = fit_contradiction(x, y, np.array([a.question_id for a in train]))
    print(f"train: {len(y)} answers, {int(y.sum())} contradictory; {FOLDS}-fold CV grouped by question: {cv}")
    report: dict[str, dict[str, float]] = {}
    for dataset, split in REPORTED:
        part = [a for a in answers if a.dataset == dataset and a.split == split]
        if not part:
            continue
        vectors = text_vectors([t for a in part for t in (a.reference, a.text)], args.cache)
        probs = np.array([model.probability(a.reference, a.text, vectors[a.reference], vectors[a.text]) for a in part])
        truth = np.array([a.label == "contradictory" for a in part])
        versus = np.array([a.label in ("correct", "contradictory") for a in part])
        flagged = probs >= model.threshold
        for name, keep in (("vs correct", versus), ("vs all", np.ones(len(part), dtype=bool))):
            p, r, f = _prf(truth[keep], flagged[keep])
            report[f"{dataset}/{split} {name}"] = {"precision": p, "recall": r, "f1": f, "n": int(keep.sum())}
            print(f"{dataset}/{split} {name}: precision={p} recall={r} f1={f} n={int(keep.sum())}")
    if args.write:
        fitted = model.model_copy(
            update={
                "version": VERSION,
                "data": f"SciEntsBank and Beetle train splits: {len(y)} answers, contradictory against correct, "
                f"{int(y.sum())} contradictory; C and threshold by {FOLDS}-fold CV grouped by question ({cv})",
                "metrics": report,
            }
        )
        args.out.write_text(json.dumps(fitted.model_dump(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
