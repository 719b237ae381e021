"""How often the offline grader's word cues find an answer contradicting a point, against human labels: the
train answers of SciEntsBank and Beetle (SAF has no contradictory label), by label. Nothing is fitted here.

    python eval/check_contradiction_cues.py [--against FEATURES_HASH] [--json]

Printed per dataset: the answers with a contradicted point, by label, and the precision against correct
answers (contradictory among the flagged answers labelled contradictory or correct, as the learned signal's
POINT_LEVEL_PRECISION is read). With `--against` (the hash of an earlier feature cache in the cache folder,
`features-<hash>.pkl`, as `eval/asag.py` names it), the same for the answers the current code flags and that
cache's code did not: what a change to the cues adds (eval/README.md, experiment N). Extracts the current
code's features of the train answers if the cache lacks them (about 3 minutes with the token embeddings cached).
"""

import argparse
import pickle
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from asag import DATASETS, DEFAULT_CACHE, Answer, extract, load, print_figures

from mockint.grading.offline.contradiction import POINT_LEVEL_PRECISION

DATASETS_WITH_CONTRADICTIONS = ("scientsbank", "beetle")


def tally(answers: Sequence[Answer]) -> dict[str, object]:
    """Flagged answers by label, and the precision against correct answers (None when none is flagged)."""
    labels = Counter(a.label for a in answers)
    judged = labels["contradictory"] + labels["correct"]
    return {
        "flagged": len(answers),
        "by label": dict(sorted(labels.items())),
        "precision vs correct": round(labels["contradictory"] / judged, 3) if judged else None,
    }


def figures(answers: Sequence[Answer], earlier: dict | None) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in DATASETS_WITH_CONTRADICTIONS:
        mine = [a for a in answers if a.dataset == name]
        out[f"{name} train answers"] = len(mine)
        out[f"{name} flagged"] = tally([a for a in mine if a.contradicted])
        if earlier is not None:
            added = [a for a in mine if a.contradicted and not earlier[a.dataset, a.question_id, a.text]]
            out[f"{name} newly flagged"] = tally(added)
    if earlier is not None:
        added = [a for a in answers if a.contradicted and not earlier[a.dataset, a.question_id, a.text]]
        out["both, newly flagged"] = tally(added)
        out["bar (precision vs correct)"] = POINT_LEVEL_PRECISION
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="feature cache folder (eval/asag.py)")
    ap.add_argument("--against", help="hash of an earlier feature cache to compare with")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    earlier = None
    if args.against:
        path = args.cache / f"features-{args.against}.pkl"
        if not path.exists():
            sys.exit(f"No feature cache {path}: run this check at the earlier commit first (it writes one).")
        earlier = {key: found.get("contradicted", 0) for key, found in pickle.loads(path.read_bytes()).items()}
    answers = [a for a in load(args.datasets) if a.split == "train" and a.dataset in DATASETS_WITH_CONTRADICTIONS]
    answers = extract(answers, args.cache)
    if earlier is not None:
        missing = [a for a in answers if (a.dataset, a.question_id, a.text) not in earlier]
        if missing:
            sys.exit(f"The earlier cache lacks {len(missing)} of these answers: run this check at its commit first.")
    print_figures(figures(answers, earlier), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
