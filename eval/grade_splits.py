"""The shipped offline grader, end to end, on the reported test splits: what a candidate is given.

    python eval/grade_splits.py [--datasets ../shared/datasets] [--json] [--train] [--dump FILE]

`calibrate_offline.py` reports the splits through `grader.final_score` over cached features, which is
quick enough to compare refits; this grades every answer of the same sample (`asag.sample`) with
`OfflineGrader.grade_many`, every rule applied, and prints Pearson r, RMSE and QWK per split (SAF: answers
with content, as there), how many answers got each verdict, and how often the verdict is in the human band
(`verdict_agreement`: the human 0-5 score cut at the verdict thresholds). The two should agree; a rule only
one of them applies shows up as a gap. About a minute on two cores. `--train` grades the train splits
instead, to judge a rule on them before any test figure is looked at; `--dump` keeps every answer's result.
"""

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from asag import DATASETS, REPORTED, TRAIN, Answer, has_content, load, sample
from calibrate_offline import metrics

from mockint.grading.offline.grader import OfflineGrader
from mockint.grading.scoring import GOOD_AT, PARTIAL_AT
from mockint.types.grade import Grade, Verdict

# Answers per grade_many call: one embedding batch each, small enough to show progress on a slow machine.
BATCH = 256


def band(score: float) -> int:
    """0 incorrect, 1 partial, 2 good or better: a human 0-5 score cut at the verdict thresholds."""
    return 2 if score >= GOOD_AT else 1 if score >= PARTIAL_AT else 0


def verdict_band(verdict: Verdict) -> int:
    return {Verdict.excellent: 2, Verdict.good: 2, Verdict.partial: 1}.get(verdict, 0)


def graded(
    grader: OfflineGrader, answers: list[Answer], splits: Iterable[tuple[str, str]]
) -> Iterator[tuple[str, list[Answer], list[Grade]]]:
    """Each split's name, its answers (SAF's with content, as calibrate_offline.py reports them) and their
    grades, in batches; an answer that could not be graded stops the run."""
    for dataset, split in splits:
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
        yield f"{dataset}/{split}", rows, grades


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--train", action="store_true", help="grade the train splits, not the reported ones")
    ap.add_argument("--dump", type=Path, help="also write every answer's gold, score and verdict to this JSON file")
    args = ap.parse_args(argv)

    figures = {}
    dumped = []
    for name, rows, grades in graded(OfflineGrader(), sample(load(args.datasets)), TRAIN if args.train else REPORTED):
        gold = np.array([a.gold for a in rows])
        pred = np.array([g.score for g in grades])
        agree = [band(a.gold) == verdict_band(g.verdict) for a, g in zip(rows, grades, strict=True)]
        figures[name] = metrics(gold, pred) | {
            "verdicts": dict(Counter(g.verdict.value for g in grades)),
            "verdict_agreement": float(np.mean(agree)),
        }
        dumped += [
            {
                "split": name,
                "question_id": a.question_id,
                "label": a.label,
                "gold": a.gold,
                "score": g.score,
                "verdict": g.verdict.value,
            }
            for a, g in zip(rows, grades, strict=True)
        ]
    if args.dump:
        args.dump.write_text(json.dumps(dumped), encoding="utf-8")
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    for name, m in figures.items():
        print(
            f"{name:32s} r={m['pearson']:.3f} rmse={m['rmse']:.3f} qwk={m['qwk']:.3f} n={m['n']} "
            f"verdict agreement={m['verdict_agreement']:.3f}  {m['verdicts']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
