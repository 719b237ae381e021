"""Fit the offline grader's score mapping on human-graded short answers and report how it generalises.

    python eval/calibrate_offline.py [--saf ../shared/datasets/saf/saf_english.csv] [--dry-run]

Data: the SAF English short-answer dataset (Filighera et al., ACL 2022): networking-course answers with
a human score 0-1 (x5 here) and a `split` column. Only the `training` split is used for fitting; the
regularisation strength and the feature set are chosen by leave-one-question-out cross-validation
inside it, because what matters is grading questions never seen (the grader is used on other
subjects). Answers with no content (empty, "no response") are left out of the fit: the grader scores
them 0 by rule. Reported: Pearson r and RMSE on the 0-5 scale for the CV predictions, `unseen_answers`
and `unseen_questions`, both on answers with content and on all answers (rules included).

Writes `src/mockint/offline_calibration.json` (the fitted numbers and these metrics, no data).
"""

import argparse
import csv
import datetime as dt
import json
import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.stats import pearsonr

from mockint.embeddings import TokenEmbeddings, shared_local_embedder
from mockint.grade import GradingItem
from mockint.offline_features import FEATURE_NAMES
from mockint.offline_grader import OfflineGrader, cap_reasons, final_score
from mockint.offline_model import CALIBRATION_FILE, Calibration

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAF = ROOT.parent / "shared" / "datasets" / "saf" / "saf_english.csv"
VERSION = "v1"
# Each feature's weight may only take the sign that makes sense for it; this keeps the model monotone
# (more alignment never lowers a score; padding, which only lowers precision and raises the off-topic
# share, never raises it) and stops collinear features from trading places with opposite signs.
SIGNS = {"recall": 1, "precision": 1, "coverage": 1, "lexical": 1, "sentence_cos": 1, "question_cos": 1,
         "length": 1, "off_topic": -1, "contradiction": -1}
# Every set keeps precision and the off-topic share, so padding an answer costs something. Contradictions
# are a rule, not a fitted feature: the labelled data has no key points to contradict.
CANDIDATE_SETS = {
    "all": [f for f in FEATURE_NAMES if f != "contradiction"],
    "alignment": ["recall", "precision", "coverage", "length", "off_topic"],
    "core": ["recall", "lexical", "sentence_cos", "length", "precision", "off_topic"],
}
LAMBDAS = (0.01, 0.03, 0.1, 0.3)
TIE_RMSE = 0.005


@dataclass
class Row:
    split: str
    question_id: str
    human: float
    features: dict[str, float] | None
    capped: bool
    contradicted: int = 0


def read_saf(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        sys.exit(f"SAF file not found: {path}. Pass --saf PATH (see ../shared/datasets/saf/README.md).")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    needed = {"split", "question_id", "question", "reference_answer", "student_answer", "score"}
    if not rows or not needed <= set(rows[0]):
        sys.exit(f"{path} lacks columns {sorted(needed - set(rows[0] if rows else []))}.")
    return rows


class CachedTokenEmbedder:
    """Token embeddings kept on disk between runs (a development convenience: refits take seconds)."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.inner = path, shared_local_embedder()
        self.data = pickle.loads(path.read_bytes()) if path and path.exists() else {}

    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.data]
        for text, out in zip(missing, self.inner.token_embeddings(missing) if missing else [], strict=True):
            self.data[text] = (out.tokens, out.vectors.astype(np.float16), out.offsets)
        return [TokenEmbeddings(self.data[t][0], self.data[t][1].astype(np.float32), self.data[t][2]) for t in texts]

    def save(self) -> None:
        if self.path:
            self.path.write_bytes(pickle.dumps(self.data))


def extract(saf: list[dict[str, str]], grader: OfflineGrader) -> list[Row]:
    rows = []
    for i, r in enumerate(saf):
        item = GradingItem(question_id=r["question_id"], question=r["question"], reference_answer=r["reference_answer"])
        clean, _, analysis = grader.analyse(item, r["student_answer"])
        capped = analysis is not None and bool(cap_reasons(item, r["student_answer"], clean, analysis))
        rows.append(Row(r["split"], r["question_id"], 5.0 * float(r["score"]),
                        analysis.features if analysis else None, capped, analysis.contradicted if analysis else 0))
        if (i + 1) % 250 == 0:
            print(f"  features: {i + 1}/{len(saf)}", file=sys.stderr)
    return rows


def fit(x: np.ndarray, y: np.ndarray, names: Sequence[str], lam: float) -> Calibration:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale

    def loss(p: np.ndarray) -> float:
        pred = 5.0 / (1.0 + np.exp(-(p[0] + z @ p[1:])))
        return float(np.mean((pred - y) ** 2) + lam * np.sum(p[1:] ** 2))

    bounds = [(None, None)] + [(0, None) if SIGNS[n] > 0 else (None, 0) for n in names]
    p = minimize(loss, np.zeros(len(names) + 1), method="L-BFGS-B", bounds=bounds).x
    return Calibration(version=VERSION, features=list(names), mean=mean.tolist(), scale=scale.tolist(),
                       weights=p[1:].tolist(), bias=float(p[0]))


def predict(cal: Calibration, rows: Sequence[Row]) -> np.ndarray:
    """What the grader would give: 0 for no content, else the model's score with the grader's rules."""
    return np.array([0.0 if r.features is None else final_score(cal, r.features, r.contradicted, r.capped)
                     for r in rows])


def metrics(pred: np.ndarray, human: np.ndarray) -> dict[str, float]:
    r = float(pearsonr(pred, human)[0]) if pred.std() > 0 and human.std() > 0 else 0.0
    return {"pearson": round(r, 3), "rmse": round(float(np.sqrt(np.mean((pred - human) ** 2))), 3), "n": len(human)}


def grouped_cv(rows: Sequence[Row], names: Sequence[str], lam: float) -> np.ndarray:
    """Leave-one-question-out predictions for `rows` (answers with content)."""
    pred = np.zeros(len(rows))
    qids = np.array([r.question_id for r in rows])
    x = np.array([[r.features[n] for n in names] for r in rows])
    y = np.array([r.human for r in rows])
    for q in sorted(set(qids)):
        held = qids == q
        pred[held] = predict(fit(x[~held], y[~held], names, lam), [r for r, h in zip(rows, held, strict=True) if h])
    return pred


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--saf", type=Path, default=DEFAULT_SAF, help="saf_english.csv (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=CALIBRATION_FILE, help="calibration JSON to write")
    ap.add_argument("--embedding-cache", type=Path, default=None, help="pickle of token embeddings to reuse")
    ap.add_argument("--dry-run", action="store_true", help="fit and report, write nothing")
    args = ap.parse_args(argv)

    saf = read_saf(args.saf)
    embedder = CachedTokenEmbedder(args.embedding_cache)
    placeholder = Calibration(version="fit", features=["recall"], mean=[0.0], scale=[1.0], weights=[1.0], bias=0.0)
    rows = extract(saf, OfflineGrader(embedder=embedder, calibration=placeholder))
    embedder.save()
    train = [r for r in rows if r.split == "training" and r.features is not None]
    y_train = np.array([r.human for r in train])

    tried = []
    for set_name, names in CANDIDATE_SETS.items():
        for lam in LAMBDAS:
            m = metrics(grouped_cv(train, names, lam), y_train)
            print(f"  cv {set_name:10s} lambda={lam:<5} r={m['pearson']:.3f} rmse={m['rmse']:.3f}")
            tried.append((m, set_name, names, lam))
    # Near-ties are noise: within TIE_RMSE of the best, take the fewest features, then the strongest penalty.
    best_rmse = min(t[0]["rmse"] for t in tried)
    best = min((t for t in tried if t[0]["rmse"] <= best_rmse + TIE_RMSE), key=lambda t: (len(t[2]), -t[3]))
    cv_metrics, set_name, names, lam = best
    x_train = np.array([[r.features[n] for n in names] for r in train])
    cal = fit(x_train, y_train, names, lam)

    report = {"training_cv": cv_metrics}
    for split in ("unseen_answers", "unseen_questions"):
        part = [r for r in rows if r.split == split]
        human = np.array([r.human for r in part])
        content = np.array([r.features is not None for r in part])
        pred = predict(cal, part)
        report[split] = metrics(pred[content], human[content])
        report[f"{split}_all"] = metrics(pred, human)
    cal = cal.model_copy(update={
        "data": f"SAF English (Filighera et al. 2022), split=training: {len(train)} answers with content, "
                f"{len({r.question_id for r in train})} question ids; features '{set_name}', L2 lambda={lam} "
                "chosen by leave-one-question-out CV",
        "fitted": dt.date.today().isoformat(),
        "metrics": report,
    })
    print(f"chosen: {set_name} lambda={lam}")
    for name, w in zip(cal.features, cal.weights, strict=True):
        print(f"  weight {name:14s} {w:+.3f}")
    for split, m in report.items():
        print(f"{split:24s} pearson={m['pearson']:.3f} rmse={m['rmse']:.3f} n={m['n']}")
    if not args.dry_run:
        args.out.write_text(json.dumps(cal.model_dump(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
