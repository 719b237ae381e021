"""The shipped offline grader, end to end, on the reported test splits: what a candidate is given.

    python eval/grade_splits.py [--datasets ../shared/datasets] [--json] [--train]

`calibrate_offline.py` reports the splits through `grader.final_score` over cached features, which is
quick enough to compare refits; this grades every answer of the same sample (`asag.sample`) with
`OfflineGrader.grade_many`, every rule applied, and prints Pearson r, RMSE and QWK per split (SAF: answers
with content, as there), and how many answers got each verdict. The two should agree; a rule only one of
them applies shows up as a gap. About a minute on two cores. `--train` grades the train splits instead, to
judge a rule on them before any test figure is looked at.
"""

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from asag import DATASETS, REPORTED, TRAIN, has_content, load, sample
from calibrate_offline import metrics

from mockint.grading.offline.grader import OfflineGrader

# Answers per grade_many call: one embedding batch each, small enough to show progress on a slow machine.
BATCH = 256


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--train", action="store_true", help="grade the train splits, not the reported ones")
    args = ap.parse_args(argv)

    grader = OfflineGrader()
    answers = sample(load(args.datasets))
    figures = {}
    for dataset, split in TRAIN if args.train else REPORTED:
        rows = [a for a in answers if (a.dataset, a.split) == (dataset, split)]
        if dataset == "saf":
            rows = [a for a in rows if has_content(a.text)]
        grades = []
        for start in range(0, len(rows), BATCH):
            part = rows[start : start + BATCH]
            grades += grader.grade_many([a.item for a in part], [a.text for a in part])
        failed = [g for g in grades if isinstance(g, Exception)]
        if failed:
            raise SystemExit(f"{len(failed)} answers of {dataset} {split} could not be graded: {failed[0]}")
        gold = np.array([a.gold for a in rows])
        pred = np.array([g.score for g in grades])
        figures[f"{dataset}/{split}"] = metrics(gold, pred) | {
            "verdicts": dict(Counter(g.verdict.value for g in grades))
        }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    for name, m in figures.items():
        print(f"{name:32s} r={m['pearson']:.3f} rmse={m['rmse']:.3f} qwk={m['qwk']:.3f} n={m['n']}  {m['verdicts']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
