"""Human-graded short-answer datasets (SAF, SciEntsBank, Beetle) read by path, and the offline grader's
features of every answer in them, cached on disk so refits take seconds.

    python eval/asag.py            # extract (or refresh) the feature cache and print its counts

Labels to 0-5 (stated here and in eval/README.md):
- SAF: the graders' score 0-1 times 5.
- SciEntsBank and Beetle (5-way entailment labels, not points): `correct` 5, `partially_correct_incomplete`
  2.5, `contradictory`, `irrelevant` and `non_domain` 0. The half-way value for partial answers is the
  midpoint of the scale, not fitted.
Splits are renamed to one vocabulary: `train`, `unseen_answers`, `unseen_questions`, `unseen_domains`.
Beetle questions have several best reference answers (joined with " | " in the CSV); they are given to
the grader one per line, so each is one pseudo key point. Nothing is ever fitted on a split but `train`.

The cache (default `/tmp/mockint-asag/`, `--cache DIR`) holds the token embeddings of every text (pickle,
a development convenience as in calibrate_offline.py) and the features per answer (`features-<hash>.pkl`,
the hash of the grader's feature code, so a change to the features re-extracts them).
"""

import argparse
import ast
import csv
import hashlib
import json
import pickle
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import mockint.text
from mockint.doors.embeddings import TokenEmbeddings, shared_local_embedder
from mockint.grading import answer_checks
from mockint.grading.answer_checks import trivial_reason
from mockint.grading.offline import alignment, contrasts, features, references
from mockint.grading.offline.answer_scorer import CROSS_FEATURE, shipped_scorer
from mockint.grading.offline.calibration import CALIBRATION_FILE, load_calibration
from mockint.grading.offline.features import analyse
from mockint.grading.offline.grader import as_answer_reads, cap_reasons, estimate, prepare_answers, prepare_items
from mockint.text.fillers import strip_fillers
from mockint.types.grade import GradingItem

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
DEFAULT_CACHE = Path("/tmp/mockint-asag")
LABEL_SCORES = {
    "correct": 5.0,
    "partially_correct_incomplete": 2.5,
    "contradictory": 0.0,
    "irrelevant": 0.0,
    "non_domain": 0.0,
}
SPLITS = {
    "training": "train",
    "train": "train",
    "unseen_answers": "unseen_answers",
    "unseen_questions": "unseen_questions",
    "test_unseen_answers": "unseen_answers",
    "test_unseen_questions": "unseen_questions",
    "test_unseen_domains": "unseen_domains",
}
# The splits every figure is reported on (the list), in this order.
REPORTED = (
    ("saf", "unseen_questions"),
    ("scientsbank", "unseen_questions"),
    ("scientsbank", "unseen_domains"),
    ("beetle", "unseen_questions"),
)


@dataclass
class Answer:
    dataset: str
    split: str
    question_id: str
    question: str
    reference: str
    text: str
    gold: float
    label: str
    # Filled by `extract`: the grader's features (None for an answer the grader scores 0 by rule), the
    # features without filler sentences, contradicted key points, the ceiling of any cap rule.
    features: dict[str, float] | None = None
    trimmed: dict[str, float] | None = None
    contradicted: int = 0
    ceiling: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def item(self) -> GradingItem:
        return GradingItem(question_id=self.question_id, question=self.question, reference_answer=self.reference)


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        sys.exit(f"Dataset file not found: {path}. Pass --datasets DIR (see its README.md).")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# At most this many answers per question of these splits are used (a fixed pseudo-random choice by answer
# text, blind to labels); the splits not listed are used whole. The unseen_answers splits are not reported
# (their questions are in train), so they are not extracted. Every train and reported answer is used: with
# the token embeddings cached, the features of all ~17,000 take about 4 minutes on the two shared cores
# (the first embedding pass about 10 more).
PER_QUESTION = {
    ("saf", "unseen_answers"): 0,
    ("scientsbank", "unseen_answers"): 0,
    ("beetle", "unseen_answers"): 0,
}
# Extraction order: the train splits first, so a fit can start from what the cache holds.
TRAIN = (("saf", "train"), ("scientsbank", "train"), ("beetle", "train"))
ORDER = [*TRAIN, *REPORTED]


def sample(answers: list[Answer]) -> list[Answer]:
    """The answers used for fitting and reporting (PER_QUESTION), in extraction order (ORDER)."""
    by_question: dict[tuple[str, str, str], list[Answer]] = {}
    for a in answers:
        by_question.setdefault((a.dataset, a.split, a.question_id), []).append(a)
    kept = []
    for (dataset, split, _), group in by_question.items():
        limit = PER_QUESTION.get((dataset, split))
        if limit is not None:
            group = sorted(group, key=lambda a: hashlib.sha256(a.text.encode()).hexdigest())[:limit]
        kept += group
    rank = {key: i for i, key in enumerate(ORDER)}
    return sorted(kept, key=lambda a: rank.get((a.dataset, a.split), len(rank)))


def questions_by_dataset(train: Sequence[Answer]) -> dict[str, list[Answer]]:
    """Per dataset, the first answer to each of its questions, in the data's order: a question's stand-in."""
    seen: dict[str, Answer] = {}
    for a in train:
        seen.setdefault(a.question_id, a)
    by_dataset: dict[str, list[Answer]] = {}
    for a in seen.values():
        by_dataset.setdefault(a.dataset, []).append(a)
    return by_dataset


def away(same: Sequence[Answer], question_id: str, part: int = 2) -> Answer:
    """The question 1/`part` of its dataset's question list away from `question_id`'s (half by default):
    another question, far in the data's order, so rarely one on the same item."""
    own = next(i for i, b in enumerate(same) if b.question_id == question_id)
    return same[(own + len(same) // part) % len(same)]


def anchors(train: Sequence[Answer], *, other_question: bool = False, other_subject: bool = False) -> list[Answer]:
    """Rows per training question that no human graded but the grader's requirements fix: its question
    restated scores 0, its reference answer 5; with `other_question`, the reference of another question
    of the same dataset (`away`) 0; with `other_subject`, the reference of a question of the next
    dataset (SAF's from SciEntsBank, SciEntsBank's from Beetle, Beetle's from SAF; the same place in its
    question list) 0: a fluent answer about something else."""
    by_dataset = questions_by_dataset(train)
    names = list(by_dataset)
    out = []
    for same in by_dataset.values():
        for place, a in enumerate(same):
            pairs = [(a.question, 0.0), (a.reference, 5.0)]
            if other_question:
                pairs.append((away(same, a.question_id).reference, 0.0))
            if other_subject and len(names) > 1:
                other = by_dataset[names[(names.index(a.dataset) + 1) % len(names)]]
                pairs.append((other[place % len(other)].reference, 0.0))
            for text, gold in pairs:
                out.append(Answer(a.dataset, "anchor", a.question_id, a.question, a.reference, text, gold, "anchor"))
    return out


def load(datasets: Path = DATASETS) -> list[Answer]:
    """Every answer of the three datasets, gold on 0-5."""
    out = []
    for r in _read(datasets / "saf" / "saf_english.csv"):
        score = float(r["score"])
        label = r["verification"].lower().replace(" ", "_")
        out.append(
            Answer("saf", SPLITS[r["split"]], "saf:" + r["question_id"], r["question"], r["reference_answer"],
                   r["student_answer"], 5.0 * score, label)
        )  # fmt: skip
    for name in ("scientsbank", "beetle"):
        for r in _read(datasets / name / f"{name}.csv"):
            reference = "\n".join(part.strip() for part in r["reference_answer"].split(" | "))
            out.append(
                Answer(name, SPLITS[r["split"]], f"{name}:{r['question_id']}", r["question"], reference,
                       r["student_answer"], LABEL_SCORES[r["label"]], r["label"])
            )  # fmt: skip
    return out


class CachedTokenEmbedder:
    """Token embeddings kept on disk between runs, float16."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.inner = path, shared_local_embedder()
        self.data = pickle.loads(path.read_bytes()) if path and path.exists() else {}
        self.fresh = 0

    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.data]
        for text, out in zip(missing, self.inner.token_embeddings(missing) if missing else [], strict=True):
            self.data[text] = (out.tokens, out.vectors.astype(np.float16), out.offsets)
        self.fresh += len(missing)
        return [TokenEmbeddings(self.data[t][0], self.data[t][1].astype(np.float32), self.data[t][2]) for t in texts]

    def save(self) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(self.data))
            tmp.replace(self.path)


def feature_code_hash() -> str:
    """The features depend on this code (the pseudo key points of `references` too: these datasets have no
    key points); a cache made by other code is not reused."""
    # The code's syntax tree without its imports and comments: moving a helper to another module or
    # rewording a comment does not change a feature. The cues of answer_checks and contrasts and the whole
    # text layer (clause splits, stems, negations) decide features too: a cache made before a change there
    # was reused and hid its effect.
    text_layer = sorted(Path(mockint.text.__file__).parent.glob("*.py"))
    trees = []
    for path in [Path(m.__file__) for m in (alignment, features, references, answer_checks, contrasts)] + text_layer:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tree.body = [node for node in tree.body if not isinstance(node, ast.Import | ast.ImportFrom)]
        trees.append(ast.dump(tree))
    # The cached ceiling reads the shipped model's estimate (a rewording is told by it too).
    trees.append(CALIBRATION_FILE.read_text(encoding="utf-8"))
    return hashlib.sha256("\n".join(trees).encode()).hexdigest()[:12]


def has_content(text: str) -> bool:
    """Whether the grader scores the answer at all (the others score 0 by rule, and `extract` gives them no
    features)."""
    return not trivial_reason(strip_fillers(text).text)


def _batches(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def extract(
    answers: list[Answer], cache: Path = DEFAULT_CACHE, batch: int = 128, *, cached_only: bool = False
) -> list[Answer]:
    """Fill every answer's features (cached by feature-code hash), embedding each text once; with
    `cached_only`, only the answers the cache already holds are kept and returned."""
    path = cache / f"features-{feature_code_hash()}.pkl"
    stored = pickle.loads(path.read_bytes()) if path.exists() else {}
    if cached_only:
        answers = [a for a in answers if (a.dataset, a.question_id, a.text) in stored]
    key = [(a.dataset, a.question_id, a.text) for a in answers]
    todo = [i for i, k in enumerate(key) if k not in stored]
    if todo:
        embedder = CachedTokenEmbedder(cache / "token-embeddings.pkl")
        items = {answers[i].question_id: answers[i].item for i in todo}
        prepared = dict(zip(items, prepare_items(embedder, list(items.values())), strict=True))
        embedder.save()
        shipped = load_calibration()
        for n, chunk in enumerate(_batches(todo, batch)):
            cleans = {
                i: as_answer_reads(
                    strip_fillers(answers[i].text),
                    prepared[answers[i].question_id].closed_forms,
                    prepared[answers[i].question_id].number_forms,
                    prepared[answers[i].question_id].class_forms,
                    prepared[answers[i].question_id].acronym_forms,
                )
                for i in chunk
            }
            live = [i for i in chunk if has_content(answers[i].text)]
            embedded = dict(zip(live, prepare_answers(embedder, [cleans[i].text for i in live]), strict=True))
            # The ceiling reads the estimate as the grader makes it: with the shipped scorer's logit when the
            # score model blends it in (the cached features stay without it; calibrate_offline.py adds the
            # out-of-fold one).
            cross = {}
            if shipped.reads_scorer:
                pairs = [(answers[i].reference, cleans[i].text) for i in live]
                cross = dict(zip(live, map(float, shipped_scorer().logits(pairs)), strict=True))
            for i in chunk:
                a = answers[i]
                if i not in embedded:
                    stored[key[i]] = {"features": None}
                    continue
                analysis = analyse(prepared[a.question_id], embedded[i])
                extra = {CROSS_FEATURE: cross[i]} if i in cross else {}
                trimmed = analysis.trimmed_features
                uncapped = estimate(shipped, {**analysis.features, **extra}, None, trimmed and {**trimmed, **extra})
                caps = cap_reasons(a.item, a.text, cleans[i], analysis, uncapped)
                vec = embedded[i].words.vectors
                stored[key[i]] = {
                    "features": analysis.features,
                    "raw": analysis.raw,
                    "novelty": analysis.question_novelty,
                    "trimmed": analysis.trimmed_features,
                    "contradicted": analysis.contradicted,
                    "ceiling": min(caps.values(), default=None),
                    "caps": sorted(caps),
                    "answer_vec": (vec.mean(axis=0) if len(vec) else np.zeros(384)).astype(np.float16),
                }
            print(f"  features: {min(len(todo), (n + 1) * batch)}/{len(todo)}", file=sys.stderr, flush=True)
            _write(path, stored)
            if (n + 1) % 8 == 0:
                embedder.save()
        embedder.save()
        _write(path, stored)
    for a, k in zip(answers, key, strict=True):
        found = stored[k]
        a.features, a.trimmed = found["features"], found.get("trimmed")
        a.contradicted, a.ceiling = found.get("contradicted", 0), found.get("ceiling")
        a.extra = {k: found.get(k) for k in ("caps", "answer_vec", "raw", "novelty")}
    return answers


def check_args(doc: str, argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments of a check of the grader's constants against human labels: where the data and the
    feature cache are, and whether to print JSON."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS, help="folder of saf/, scientsbank/, beetle/")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="feature cache folder (eval/asag.py)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    return ap.parse_args(argv)


def print_figures(figures: dict[str, object], as_json: bool) -> None:
    """A check's figures: as JSON (`--json`), or one `name: value` line each."""
    if as_json:
        print(json.dumps(figures, indent=1))
        return
    for name, value in figures.items():
        print(f"{name}: {value}")


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(data))
    tmp.replace(path)


def text_vectors(texts: Sequence[str], cache: Path = DEFAULT_CACHE) -> dict[str, np.ndarray]:
    """Each text's mean word vector, as the grader pools them (for the contradiction model's pairs)."""
    embedder = CachedTokenEmbedder(cache / "token-embeddings.pkl")
    distinct = list(dict.fromkeys(texts))
    prepared = prepare_answers(embedder, distinct)
    if embedder.fresh:
        embedder.save()
    return {
        t: p.words.vectors.mean(axis=0) if len(p.words) else np.zeros(384)
        for t, p in zip(distinct, prepared, strict=True)
    }


def sentence_vectors(texts: Sequence[str], cache: Path = DEFAULT_CACHE) -> dict[str, np.ndarray]:
    """Each text's MiniLM sentence embedding (as `mockint eval --baseline embedding` computes it), cached."""
    path = cache / "sentence-embeddings.pkl"
    stored = pickle.loads(path.read_bytes()) if path.exists() else {}
    missing = list(dict.fromkeys(t for t in texts if t not in stored))
    if missing:
        for text, vec in zip(missing, shared_local_embedder().embed(missing), strict=True):
            stored[text] = vec.astype(np.float16)
        _write(path, stored)
    return {t: stored[t].astype(np.float32) for t in dict.fromkeys(texts)}


def embedding_cosines(answers: list[Answer], cache: Path = DEFAULT_CACHE) -> np.ndarray:
    """The MiniLM cosine baseline: the sentence embedding of the answer against the reference's."""
    vectors = sentence_vectors([t for a in answers for t in (a.text, a.reference)], cache)
    return np.array([float(vectors[a.text] @ vectors[a.reference]) if a.text.strip() else 0.0 for a in answers])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--only", default="", help="comma-separated datasets to extract (default: all)")
    args = ap.parse_args(argv)
    shared_local_embedder().use_all_cores()
    answers = sample(load(args.datasets))
    if args.only:
        answers = [a for a in answers if a.dataset in args.only.split(",")]
    extract(answers, args.cache)
    embedding_cosines([a for a in answers if a.split != "train"], args.cache)
    counts: dict[tuple[str, str], int] = {}
    for a in answers:
        counts[a.dataset, a.split] = counts.get((a.dataset, a.split), 0) + 1
    for (d, s), n in sorted(counts.items()):
        print(f"{d:12s} {s:18s} {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
