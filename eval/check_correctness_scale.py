"""Check the offline card's correctness scale (`feedback.CORRECT_FROM`, `feedback.CORRECT_AT`) against human
labels: the precision (share of the answer's words the reference material backs) of answers people judged
wrong and of answers they judged right, on the train splits.

    python eval/check_correctness_scale.py [--datasets ../shared/datasets] [--cache /tmp/mockint-asag] [--json]

The card's correctness runs from 0 at CORRECT_FROM to 5 at CORRECT_AT: from the typical wrong answer's
precision to the typical right one's. Wrong: SAF `incorrect`; SciEntsBank and Beetle `contradictory`,
`irrelevant`, `non_domain`. Right: `correct`. Each dataset's median is printed, and the mean of the three
(each dataset weighing alike, as in `calibrate_offline.py`) rounded to SCALE_STEP is what the constants
should be. Only train splits are read. Nothing is written: the constants live in `feedback.py`.
"""

import sys
from collections.abc import Sequence

import numpy as np
from asag import Answer, check_args, extract, load, print_figures

from mockint.grading.offline.feedback import CORRECT_AT, CORRECT_FROM

WRONG = {"incorrect", "contradictory", "irrelevant", "non_domain"}
RIGHT = {"correct"}
# Precision runs 0-1; the medians move by about this much from one dataset to the next, so finer
# constants would claim a precision the data does not have.
SCALE_STEP = 0.05


def scale_from(answers: Sequence[Answer]) -> tuple[list[float], dict[str, dict[str, float]]]:
    """The constants the answers call for (CORRECT_FROM, CORRECT_AT), and each dataset's medians."""
    medians: dict[str, dict[str, float]] = {}
    for dataset in sorted({a.dataset for a in answers}):
        for name, labels in (("wrong", WRONG), ("right", RIGHT)):
            precision = [a.features["precision"] for a in answers if a.dataset == dataset and a.label in labels]
            medians.setdefault(dataset, {})[name] = round(float(np.median(precision)), 3)
    means = [float(np.mean([m[k] for m in medians.values()])) for k in ("wrong", "right")]
    return [round(round(v / SCALE_STEP) * SCALE_STEP, 2) for v in means], medians


def main(argv: Sequence[str] | None = None) -> int:
    args = check_args(__doc__, argv)
    train = [a for a in load(args.datasets) if a.split == "train"]
    fitted, medians = scale_from([a for a in extract(train, args.cache) if a.features is not None])
    shipped = [CORRECT_FROM, CORRECT_AT]
    figures = {
        "shipped": shipped,
        "median precision, train (wrong / right)": medians,
        "mean of the medians, rounded": fitted,
        "change the constants": fitted != shipped,
    }
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
