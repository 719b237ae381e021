"""Whether a key point that says "not" needs evidence that says "not" too: a probe of a rule on the train splits,
before writing it. The card credits "A small p-value does not imply a large effect" with "a smaller p-value means
a bigger effect" (the alignment matches the words; the negation cue needs more of them shared).

    python eval/check_negated_evidence.py [--datasets ../shared/datasets] [--json]

Every train answer is graded with the shipped grader (points cut from the reference, as for any item without
key points); an answer counts when a point it is credited for (covered or in part) negates and the quoted
evidence does not (`answer_checks.negated`, each read against the other). Printed per train split: how many,
how many people graded right (SAF: 3.5 or more of 5; SciEntsBank and Beetle: `correct`), how many
`contradictory`, and the share graded right among all answers. A rule that withdrew such credit would be right
where people say the answer is wrong. About three minutes on two cores.
"""

import argparse
from collections import Counter
from pathlib import Path

from asag import DATASETS, TRAIN, load, print_figures, sample
from grade_splits import band, graded

from mockint.grading.answer_checks import negated
from mockint.grading.offline.grader import OfflineGrader
from mockint.types.grade import Coverage, Grade

RIGHT = 2  # `grade_splits.band` of a human score of 3.5 or more


def credits_a_negated_point_without_negating(grade: Grade) -> bool:
    return any(
        k.status is not Coverage.missed
        and k.evidence
        and negated(k.point, k.evidence)
        and not negated(k.evidence, k.point)
        for k in grade.key_points
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    figures = {}
    for name, rows, grades in graded(OfflineGrader(), sample(load(args.datasets)), TRAIN):
        found, everyone = Counter(), Counter()
        for a, g in zip(rows, grades, strict=True):
            kinds = ["all", "right"] if band(a.gold) == RIGHT else ["all"]
            kinds += ["contradictory"] if a.label == "contradictory" else []
            everyone.update(kinds)
            if credits_a_negated_point_without_negating(g):
                found.update(kinds)
        figures[name] = {
            "flagged": found["all"],
            "flagged right": found["right"],
            "flagged contradictory": found["contradictory"],
            "share right among flagged": round(found["right"] / max(1, found["all"]), 3),
            "share right among all answers": round(everyone["right"] / everyone["all"], 3),
        }
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
