"""How long the train splits' answer clauses are, in words: the scale against which a clause "runs on".
Nothing is fitted here.

    python eval/clause_lengths.py [--datasets ../shared/datasets] [--json]

Clauses as the grader quotes evidence from them (`clause_spans` of each sentence), over the train answers of
SAF, SciEntsBank and Beetle; printed: their count and the 50th, 90th, 95th and 99th percentiles. The 99th is
`answer_checks.RUN_ON_WORDS` (eval/README.md, OL).
"""

import argparse
import json
from pathlib import Path

import numpy as np
from asag import DATASETS, TRAIN, load, sample

from mockint.text.sentences import clause_spans, sentence_spans
from mockint.text.words import words

PERCENTILES = (50, 90, 95, 99)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    lengths = [
        len(words(a.text[s:e]))
        for a in sample(load(args.datasets))
        if (a.dataset, a.split) in TRAIN
        for sentence in sentence_spans(a.text)
        for s, e in clause_spans(a.text, sentence)
    ]
    figures = {"clauses": len(lengths)} | {
        f"p{p}": float(v) for p, v in zip(PERCENTILES, np.percentile(lengths, PERCENTILES), strict=True)
    }
    print(json.dumps(figures) if args.json else " ".join(f"{k}={v:g}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
