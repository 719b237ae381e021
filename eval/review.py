"""The development review set: answers written to bank questions, each a right, terse right or wrong answer,
graded offline and judged against what its kind must get. Nothing is fitted here.

    python eval/review.py [--answers eval/review/answers.jsonl] [--dump FILE] [--against FILE] [--json]

What each kind must get (`EXPECTED`):
- right: a spoken-style answer with most key points and no error: "good" or better, no misconception;
- terse: one sentence with the core right and no error: no misconception, at least "partial" (the labelled
  set's rules give a core-only answer 2-2.5);
- wrong: a confident false claim about the core, or another concept: below "good".

This is a development set, not a measure. Rules are written from its failures, so how often it passes says
what a change did to these cases, never how well the grader does on answers it has not seen (the labelled
set, `mockint eval`, and the unseen splits, `eval/grade_splits.py`, say that). Its use is the review bar of
a rule change (eval/README.md): no right or terse answer gains a misconception, no wrong answer loses its last.
`--dump` keeps every answer's score, verdict and misconceptions; `--against` an earlier dump lists what moved.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from mockint.evals.data import bank_lookup
from mockint.grading.offline.grader import OfflineGrader
from mockint.grading.scoring import GOOD_AT, PARTIAL_AT
from mockint.types.grade import Grade

ANSWERS = Path(__file__).resolve().parent / "review" / "answers.jsonl"
KINDS = ("right", "terse", "wrong")
# A score that moved less than this between two dumps did not move: scores are printed to one decimal.
MOVED = 0.05


@dataclass(frozen=True)
class Reviewed:
    id: str
    kind: str
    score: float
    verdict: str
    misconceptions: list[str]


def expected(r: Reviewed) -> bool:
    """Whether the grade is what the answer's kind must get (the module's list)."""
    if r.kind == "right":
        return r.score >= GOOD_AT and not r.misconceptions
    if r.kind == "terse":
        return r.score >= PARTIAL_AT and not r.misconceptions
    return r.score < GOOD_AT


def load_answers(path: Path) -> list[dict]:
    """The set's rows; an unknown kind or question stops the run with the line to fix."""
    rows, lookup = [], bank_lookup()
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["kind"] not in KINDS:
            sys.exit(f"{path}:{n}: kind '{row['kind']}' is not one of {', '.join(KINDS)}.")
        if lookup(row["question_id"]) is None:
            sys.exit(f"{path}:{n}: '{row['question_id']}' is not a bank question id.")
        rows.append(row)
    return rows


def review(rows: Sequence[dict], grader: OfflineGrader) -> list[Reviewed]:
    lookup = bank_lookup()
    grades = grader.grade_many([lookup(r["question_id"]) for r in rows], [r["answer"] for r in rows])
    out = []
    for row, grade in zip(rows, grades, strict=True):
        if not isinstance(grade, Grade):
            sys.exit(f"{row['id']}: could not be graded: {grade}")
        out.append(Reviewed(row["id"], row["kind"], grade.score, grade.verdict.value, grade.misconceptions))
    return out


def summary(reviewed: Sequence[Reviewed]) -> dict[str, dict]:
    """Per kind: answers, as expected, mean score, and the ids that are not as expected."""
    out = {}
    for kind in KINDS:
        mine = [r for r in reviewed if r.kind == kind]
        failed = [r.id for r in mine if not expected(r)]
        mean = round(sum(r.score for r in mine) / len(mine), 2) if mine else None
        out[kind] = {"answers": len(mine), "as expected": len(mine) - len(failed), "mean score": mean, "not": failed}
    return out


def changes(before: Sequence[Reviewed], after: Sequence[Reviewed]) -> list[str]:
    """What moved between two reviews of the same answers, the review bar's two breaches marked."""
    old = {r.id: r for r in before}
    lines = []
    for r in after:
        b = old.get(r.id)
        if b is None:
            continue
        gained = r.kind != "wrong" and len(r.misconceptions) > len(b.misconceptions)
        lost_last = r.kind == "wrong" and b.misconceptions and not r.misconceptions
        if abs(r.score - b.score) >= MOVED or len(r.misconceptions) != len(b.misconceptions):
            mark = " BREACH: gained a misconception" if gained else ""
            mark = " BREACH: lost its last misconception" if lost_last else mark
            lines.append(
                f"{r.id}: {b.score:.1f} -> {r.score:.1f}, misconceptions "
                f"{len(b.misconceptions)} -> {len(r.misconceptions)}{mark}"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--answers", type=Path, default=ANSWERS, help="the set (JSONL: id, question_id, kind, answer)")
    ap.add_argument("--dump", type=Path, help="write every answer's score, verdict and misconceptions here")
    ap.add_argument("--against", type=Path, help="an earlier --dump: list the answers that moved since")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    reviewed = review(load_answers(args.answers), OfflineGrader())
    if args.dump:
        args.dump.write_text(json.dumps([asdict(r) for r in reviewed], indent=1))
    figures = summary(reviewed)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        for kind, f in figures.items():
            print(f"{kind}: {f['as expected']} of {f['answers']} as expected, mean {f['mean score']}")
            for i in f["not"]:
                r = next(x for x in reviewed if x.id == i)
                print(f"  not: {i} {r.score:.1f} {r.verdict}, {r.misconceptions[:1]}")
    if args.against:
        before = [Reviewed(**r) for r in json.loads(args.against.read_text())]
        for line in changes(before, reviewed) or ["nothing moved"]:
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
