"""Check the offline grader's key-point thresholds (`features.COVERED_AT`, `features.PARTLY_AT`) against
human labels: the thresholds the train splits would pick, and how often each set calls a point as people did.

    python eval/check_point_thresholds.py [--datasets ../shared/datasets] [--cache /tmp/mockint-asag] [--json]

A key point is covered when the recall of its words in the answer (`PointResult.recall`) reaches COVERED_AT,
partly covered from PARTLY_AT; the card's rubric ticks, completeness and feedback read these verdicts. They
were set from the bank by hand. People label whole answers, not key points, but where an item's rubric is
a single claim the answer's label is the point's: SciEntsBank and Beetle items whose reference gives one
pseudo key point, and Beetle items whose several reference answers (one point each) are alternatives, where
the best point is the one that counts. There `correct` is covered, `partially_correct_incomplete` partly,
`irrelevant` and `non_domain` missed. `contradictory` answers are left out: recall measures whether a point
is said, not whether it is said rightly (the contradiction cues judge that).

The thresholds on a 0.02 grid are fitted by balanced accuracy (each verdict weighs alike whatever its share)
on the train splits, estimated by 5-fold cross-validation grouped by question, and both the shipped and the
fitted pair are reported on SciEntsBank unseen_questions and unseen_domains and Beetle unseen_questions.
Also reported, per train split (SAF's too, every item): the answers in which no key point reaches
PARTLY_AT (a card of crosses only) and how people graded them.
Nothing is written: the thresholds are constants in `features.py`, changed by hand when the train figures
say so (a CV gain of more than TIE).
"""

import sys
from collections.abc import Sequence

import numpy as np
from asag import Answer, check_args, extract, load, print_figures, sample
from calibrate_offline import FOLDS, TIE
from sklearn.model_selection import GroupKFold

from mockint.grading.offline.features import COVERED_AT, PARTLY_AT
from mockint.grading.offline.references import clean_reference, pseudo_key_points

VERDICT_OF = {"correct": 2, "partially_correct_incomplete": 1, "irrelevant": 0, "non_domain": 0}
VERDICTS = ("missed", "partly", "covered")
REPORTED = (("scientsbank", "unseen_questions"), ("scientsbank", "unseen_domains"), ("beetle", "unseen_questions"))
# Thresholds tried: recall runs 0-1, and a 0.02 step is finer than the CV can tell apart.
GRID = [
    (round(float(c), 2), round(float(p), 2))
    for c in np.arange(0.30, 0.90, 0.02)
    for p in np.arange(0.20, 0.90, 0.02)
    if p < c
]


def one_claim(a: Answer) -> bool:
    """Whether the answer's label is its best key point's verdict: one point, or Beetle's alternatives."""
    reference = clean_reference(a.reference)
    points = pseudo_key_points(reference)
    return len(points) == 1 or (a.dataset == "beetle" and len(points) == len(reference.splitlines()))


def labelled(answers: Sequence[Answer], dataset: str | None, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(best point recall, human verdict 0-2, question id) of the answers that qualify."""
    rows = [
        a
        for a in answers
        if a.split == split
        and (dataset is None or a.dataset == dataset)
        and a.dataset in ("scientsbank", "beetle")
        and a.label in VERDICT_OF
        and a.features is not None
        and one_claim(a)
    ]
    return (
        np.array([a.extra["raw"]["coverage_max"] for a in rows]),
        np.array([VERDICT_OF[a.label] for a in rows]),
        np.array([a.question_id for a in rows]),
    )


def verdicts(recall: np.ndarray, covered_at: float, partly_at: float) -> np.ndarray:
    return np.where(recall >= covered_at, 2, np.where(recall >= partly_at, 1, 0))


def balanced_accuracy(truth: np.ndarray, found: np.ndarray) -> float:
    return float(np.mean([np.mean(found[truth == k] == k) for k in range(len(VERDICTS)) if (truth == k).any()]))


def fit(recall: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    return max(GRID, key=lambda t: balanced_accuracy(truth, verdicts(recall, *t)))


def main(argv: Sequence[str] | None = None) -> int:
    args = check_args(__doc__, argv)
    answers = extract(sample(load(args.datasets)), args.cache)
    recall, truth, groups = labelled(answers, None, "train")
    fitted = fit(recall, truth)
    found = np.zeros(len(truth), dtype=int)
    for train_idx, held_idx in GroupKFold(FOLDS).split(groups, groups=groups):
        found[held_idx] = verdicts(recall[held_idx], *fit(recall[train_idx], truth[train_idx]))
    shipped = (COVERED_AT, PARTLY_AT)
    figures: dict[str, object] = {
        "shipped": shipped,
        "fitted on train": fitted,
        "train answers": len(truth),
        "train CV balanced accuracy": round(balanced_accuracy(truth, found), 3),
        "train balanced accuracy, shipped": round(balanced_accuracy(truth, verdicts(recall, *shipped)), 3),
        "median recall by human verdict (train)": {
            v: round(float(np.median(recall[truth == k])), 2) for k, v in enumerate(VERDICTS)
        },
    }
    for dataset, split in REPORTED:
        r, t, _ = labelled(answers, dataset, split)
        figures[f"{dataset}/{split}"] = {
            "n": len(t),
            "shipped": round(balanced_accuracy(t, verdicts(r, *shipped)), 3),
            "fitted": round(balanced_accuracy(t, verdicts(r, *fitted)), 3),
        }
    for dataset in ("saf", "scientsbank", "beetle"):
        rows = [a for a in answers if a.dataset == dataset and a.split == "train" and a.features is not None]
        gold = np.array([a.gold for a in rows])
        none = np.array([a.extra["raw"]["coverage_max"] < PARTLY_AT for a in rows])
        figures[f"{dataset}/train, no key point credited"] = {
            "share": round(float(none.mean()), 3),
            "human grade mean": round(float(gold[none].mean()), 2),
            "graded 2.5 or more": round(float((gold[none] >= 2.5).mean()), 3),
            "human grade mean, the rest": round(float(gold[~none].mean()), 2),
        }
    gain = figures["train CV balanced accuracy"] - figures["train balanced accuracy, shipped"]
    figures["change the constants"] = bool(gain > TIE)
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
