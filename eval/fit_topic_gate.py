"""An experiment, not shipped: a learned gate for "this reads as an answer to another question", fitted on the
train splits, and what it would catch and cost (eval/README.md, 2026-12-03, seventh session).

    python eval/fit_topic_gate.py [--flag-share 0.01] [--rivals]
                                  [--datasets ../shared/datasets] [--cache /tmp/mockint-asag]

Needs the feature cache (`eval/asag.py`) and the answer scorer's out-of-fold logits
(`python eval/fit_cross_encoder.py --out-of-fold`, about an hour), since the grader's train scores and one
candidate feature read the scorer. About three minutes, one of them grading the bank.

Why: people graded answers to their own question only, so the score model never saw a fluent answer about
another subject that shares the field's words; the bank's other-topic invariant (another topic's reference
<= 1.5) stands at 92.2% against 95%. Data: the train splits of SAF, SciEntsBank and Beetle only. An answer
people graded 2.5 or more answers its question; the same answers given to another question of their dataset
(`fit_cross_encoder.off_topic_answers`: no human graded them, the requirement fixes them) do not. A logistic
regression (sklearn's default penalty: thousands of rows against about ten features) over the grader's
features; the feature set chosen by the ROC AUC of out-of-fold probabilities, 5-fold CV grouped by question,
near-ties (within TIE) going to the first.

A flagged answer would be capped at CAPPED_SCORE and told it answered another question, so every good answer
flagged is a right answer marked down. `--flag-share` is the share of good train answers (out of fold) the
gate may flag; the human grades cannot set it, since the grader's train r hardly moves either way (flagged
good answers already score low). Reported: the CV AUC per feature set, train r and RMSE without and with
the gate, off-question train answers caught, the train off-topic probes, the good train answers flagged (how
many, how short, examples), the bank invariants and the reported test splits, without and with the gate.

`--rivals` (eighth session) adds a feature set that knows which other questions there are: the answer's MiniLM
cosine with its own reference less its best cosine with another question's reference (the other questions of
its dataset and split; for the bank, the other questions of the bank), and that best cosine. The bank's
other-topic answer IS another bank question's reference, so the bank is also checked with that question left
out of the rivals: the figure for an answer to a question the bank does not hold.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from asag import DATASETS, DEFAULT_CACHE, Answer, extract, load, sample, sentence_vectors
from calibrate_offline import FOLDS, TIE, add_cross, cv_score, off_topic_probes, predict, report
from fit_cross_encoder import off_topic_answers
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from mockint.doors.bank_files import load_bank
from mockint.evals.invariants import OTHER_TOPIC_MAX, cases, judge, pass_rates
from mockint.grading.guard import CAPPED_SCORE
from mockint.grading.offline.answer_scorer import CROSS_FEATURE
from mockint.grading.offline.calibration import load_calibration
from mockint.grading.offline.grader import OfflineGrader
from mockint.grading.offline.references import clean_reference

# An answer people graded at least half marks answers its question.
GOOD_AT = 2.5
RAW_PREFIX = "raw_"
SCORE_MODEL = ["recall", "lexical", "sentence_cos", "length", "precision", "off_topic", "coverage_max"]
# The score model's features (gains over the question restated) and how the answer bears on the question
# itself; the same plus raw values, which tell "says nothing beyond the question" from "says something
# else"; the same plus the answer scorer's logit, which reads the reference and the answer together.
FEATURE_SETS = {
    "score-model+question": [*SCORE_MODEL, "question_cos"],
    "score-model+question+raw": [
        *SCORE_MODEL,
        "question_cos",
        f"{RAW_PREFIX}sentence_cos",
        f"{RAW_PREFIX}recall",
        f"{RAW_PREFIX}coverage_max",
    ],
    "score-model+question+scorer": [*SCORE_MODEL, "question_cos", CROSS_FEATURE],
}
RIVAL_FEATURES = ["rival_margin", "rival_best"]
RIVAL_SET = "score-model+question+scorer+rivals"


def rival_features(answer: np.ndarray, own: np.ndarray, rivals: np.ndarray) -> dict[str, float]:
    """How much nearer the answer is to its own reference than to the nearest other question's (unit vectors);
    with no other question, the nearest is as far as a cosine goes (-1)."""
    best = float((rivals @ answer).max()) if len(rivals) else -1.0
    return {"rival_margin": float(answer @ own) - best, "rival_best": best}


def add_rival_features(rows: Sequence[Answer], cache: Path) -> None:
    """Each row's rival features against the other questions of its dataset and split (an off-question row,
    split "anchor", against the train questions, among them the one its answer was written for)."""
    pools: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows:
        if r.split != "anchor":
            pools.setdefault((r.dataset, r.split), {})[r.question_id] = r.reference
    pooled = [t for pool in pools.values() for t in pool.values()]
    vectors = sentence_vectors([*(t for r in rows for t in (r.text, r.reference)), *pooled], cache)
    for r in rows:
        if r.features is None:
            continue
        pool = pools[(r.dataset, "train" if r.split == "anchor" else r.split)]
        others = np.array([vectors[ref] for q, ref in pool.items() if q != r.question_id]).reshape(
            -1, len(vectors[r.text])
        )
        r.features.update(rival_features(vectors[r.text], vectors[r.reference], others))


def row(features: dict[str, float], raw: dict[str, float], names: Sequence[str]) -> list[float]:
    return [raw[n.removeprefix(RAW_PREFIX)] if n.startswith(RAW_PREFIX) else features[n] for n in names]


def matrix(rows: Sequence[Answer], names: Sequence[str]) -> np.ndarray:
    return np.array([row(r.features, r.extra["raw"], names) for r in rows])


def fit_gate(rows: Sequence[Answer], labels: np.ndarray, names: Sequence[str]) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(matrix(rows, names), labels)


def on_question(model: Pipeline, x: np.ndarray) -> np.ndarray:
    """The probability that each row answers its own question."""
    return model.predict_proba(x)[:, 1]


def out_of_fold(
    good: list[Answer], off: list[Answer], train: list[Answer], names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities from models fitted without the question's fold, for the gate's rows (good answers, then
    off-question ones) and for every train answer."""
    rows = good + off
    labels = np.r_[np.ones(len(good)), np.zeros(len(off))]
    groups = np.array([r.question_id for r in rows])
    train_groups = np.array([r.question_id for r in train])
    own, everyone = np.zeros(len(rows)), np.zeros(len(train))
    for fit_idx, held_idx in GroupKFold(FOLDS).split(groups, groups=groups):
        model = fit_gate([rows[i] for i in fit_idx], labels[fit_idx], names)
        own[held_idx] = on_question(model, matrix([rows[i] for i in held_idx], names))
        held = np.isin(train_groups, groups[held_idx])
        everyone[held] = on_question(model, matrix([t for t, h in zip(train, held, strict=True) if h], names))
    return own, everyone


def capped(scores: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    return np.where(flagged, np.minimum(scores, CAPPED_SCORE), scores)


def bank_check(model: Pipeline, names: Sequence[str], threshold: float, cache: Path) -> dict[str, dict[str, float]]:
    """The bank invariants (all questions) as the grader gives them, and with the gate's cap on top; with rival
    features, also with the other-topic answer's own question left out of the rivals."""
    grader = OfflineGrader()
    questions = list(load_bank().questions)
    todo = cases(questions)
    grades = grader.grade_many([c.item for c in todo], [c.answer for c in todo])
    scores = np.array([g.score for g in grades])
    references = {q.id: clean_reference(q.answer) for q in questions}
    written_for = {q.answer: q.id for q in questions}
    vectors = sentence_vectors([*(c.answer for c in todo), *references.values()], cache)
    ids = list(references)
    rivals = np.stack([vectors[references[i]] for i in ids])
    variants = {"with": set[str]()}
    if any(n in RIVAL_FEATURES for n in names):
        variants["with, its source not a rival"] = {"source"}
    flagged = {v: np.zeros(len(todo), dtype=bool) for v in variants}
    for i, c in enumerate(todo):
        _, _, analysis = grader.analyse(c.item, c.answer)
        if analysis is None:
            continue
        for variant, leave_out in variants.items():
            source = written_for.get(c.answer) if c.invariant == "other-topic" and leave_out else None
            keep = np.array([q != c.question_id and q != source for q in ids])
            features = analysis.features | rival_features(
                vectors[c.answer], vectors[references[c.question_id]], rivals[keep]
            )
            x = np.array([row(features, analysis.raw, names)])
            flagged[variant][i] = on_question(model, x)[0] < threshold
    given = {"without": scores} | {v: capped(scores, f) for v, f in flagged.items()}
    return {
        name: {k: round(v, 3) for k, v in pass_rates(judge(todo, list(values))).items()}
        for name, values in given.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flag-share", type=float, default=0.01, help="share of good train answers the gate may flag")
    ap.add_argument("--rivals", action="store_true", help="also try the rival features (see the module)")
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="feature cache folder (eval/asag.py)")
    args = ap.parse_args(argv)

    answers = extract(sample(load(args.datasets)), args.cache)
    train = [a for a in answers if a.split == "train" and a.features is not None]
    good = [a for a in train if a.gold >= GOOD_AT]
    off = [a for a in extract(off_topic_answers(train), args.cache) if a.features is not None]
    probes = off_topic_probes(train, args.cache)
    add_cross([a for a in answers if a.features is not None] + off + probes, args.cache)
    labels = np.r_[np.ones(len(good)), np.zeros(len(off))]
    sets = dict(FEATURE_SETS)
    if args.rivals:
        add_rival_features([a for a in answers if a.features is not None] + off + probes, args.cache)
        sets[RIVAL_SET] = [*FEATURE_SETS["score-model+question+scorer"], *RIVAL_FEATURES]

    aucs, oof = {}, {}
    for name, names in sets.items():
        oof[name] = out_of_fold(good, off, train, names)
        aucs[name] = round(float(roc_auc_score(labels, oof[name][0])), 4)
    chosen = next(name for name, auc in aucs.items() if auc >= max(aucs.values()) - TIE)
    names = sets[chosen]
    own, everyone = oof[chosen]
    share = args.flag_share

    calibration = load_calibration()
    ungated = predict(calibration, train)
    flagged = everyone < np.quantile(everyone[np.array([a.gold >= GOOD_AT for a in train])], share)
    caught = float(np.mean(own[len(good) :] < np.quantile(own[: len(good)], share)))

    model = fit_gate(good + off, labels, names)
    threshold = float(np.quantile(on_question(model, matrix(good, names)), share))

    def gate(rows: Sequence[Answer]) -> np.ndarray:
        return on_question(model, matrix(rows, names)) < threshold

    def with_gate(rows: list[Answer]) -> np.ndarray:
        scores = predict(calibration, rows)
        live = [i for i, r in enumerate(rows) if r.features is not None]
        hit = np.zeros(len(rows), dtype=bool)
        if live:
            hit[live] = gate([rows[i] for i in live])
        return capped(scores, hit)

    probe_scores = {"without": predict(calibration, probes), "with": with_gate(probes)}
    good_flagged = [a for a, f in zip(good, gate(good), strict=True) if f]
    figures = {
        "flag share": share,
        "feature set (CV AUC)": chosen,
        "cv auc": aucs,
        "off-question train answers caught (out of fold)": round(caught, 3),
        "train r without / with": [cv_score(train, ungated), cv_score(train, capped(ungated, flagged))],
        "train off-topic probes <= 1.5, without / with": {
            kind: [
                round(float(np.mean(s[[p.label == kind for p in probes]] <= OTHER_TOPIC_MAX)), 3)
                for s in probe_scores.values()
            ]
            for kind in sorted({p.label for p in probes})
        },
        "good train answers flagged": {
            "n": len(good_flagged),
            "median words": float(np.median([len(a.text.split()) for a in good_flagged])) if good_flagged else None,
            "median words of every good train answer": float(np.median([len(a.text.split()) for a in good])),
            "examples": [
                f"{a.dataset} {a.gold:g}: {a.text[:80]}" for a in good_flagged[:: max(1, len(good_flagged) // 8)][:8]
            ],
        },
        "bank invariants": bank_check(model, names, threshold, args.cache),
        "test": report(answers, {"without": lambda rows: predict(calibration, rows), "with": with_gate}),
    }
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
