"""How well the steering guard (`mockint.grading.steering`) tells attempts to steer the grader from answers.

    python eval/steering_check.py [--datasets ../shared/datasets] [--corpus corpus] [--json]

Reported (the files are described in eval/steering/README.md):
- per file of attempts, the share the guard catches, each line given alone, appended to a bank question's
  reference answer and put before it (graded against that question's rubric);
- per file of content sentences and asides (what a candidate says that is not an attempt), the share it
  flags, each line alone with no rubric: a flag there would cap an honest answer at 1;
- the human-graded answers of SAF, SciEntsBank and Beetle (every split), and the bank's reference answers
  against their own rubric: how many it flags (each one a real answer capped at 1);
- every text of the bank (questions, references, explanations, follow-ups) with no rubric: how many it flags,
  i.e. would cap if a candidate said it to a question whose rubric does not use its words.
"""

import argparse
import json
import sys
from pathlib import Path

from asag import DATASETS, ROOT, load

from mockint.doors.bank_files import load_bank
from mockint.grading.guard import rubric_text
from mockint.grading.steering import injection_reason
from mockint.types.grade import GradingItem

STEERING_DIR = Path(__file__).with_name("steering")
ATTEMPTS = ("attempts", "held_out", "held_out_2", "held_out_3")
NOT_ATTEMPTS = ("content", "content_2", "content_3", "asides", "asides_2")
# Bank questions are taken this many apart for the answers an attempt is put into: a stride coprime with the
# bank's size spreads them over its topics without randomness, so every run grades the same texts.
STRIDE = 37


def lines(name: str) -> list[str]:
    return [
        line.strip() for line in (STEERING_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def caught_share(name: str, items: list[GradingItem]) -> float:
    """The share of (attempt, placement) cases flagged: alone, after a reference answer, before it."""
    hits = total = 0
    for i, attempt in enumerate(lines(name)):
        item = items[(i * STRIDE) % len(items)]
        for answer in (attempt, f"{item.reference_answer} {attempt}", f"{attempt} {item.reference_answer}"):
            hits += injection_reason(answer, rubric_text(item)) is not None
            total += 1
    return hits / total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the question bank")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    items = [GradingItem.from_question(q) for q in load_bank(args.corpus).questions]
    figures: dict[str, float] = {}
    for name in ATTEMPTS:
        figures[f"caught {name}"] = round(caught_share(name, items), 3)
    for name in NOT_ATTEMPTS:
        found = lines(name)
        figures[f"flagged {name}"] = round(sum(injection_reason(t) is not None for t in found) / len(found), 3)
    answers = load(args.datasets)
    flagged = [a for a in answers if injection_reason(a.text, f"{a.question} {a.reference}") is not None]
    figures["flagged human-graded answers"] = len(flagged)
    figures["human-graded answers"] = len(answers)
    figures["flagged bank references"] = sum(
        injection_reason(i.reference_answer, rubric_text(i)) is not None for i in items
    )
    figures["bank references"] = len(items)
    texts = [
        t for q in load_bank(args.corpus).questions for t in (q.question, q.answer, q.explanation, q.follow_up) if t
    ]
    figures["flagged bank texts, no rubric"] = sum(injection_reason(t) is not None for t in texts)
    figures["bank texts"] = len(texts)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        for name, value in figures.items():
            print(f"{name:36s} {value}")
        for a in flagged:
            print(f"  flagged ({a.dataset} {a.split}): {a.text[:120]!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
