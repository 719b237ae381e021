"""Benchmarks: `python -m mockint.bench [NAME ...] [--json]` (`make bench` runs the default set).

Each benchmark is a function registered in BENCHMARKS that returns Figures; add yours with
`@benchmark("name")`. Figures come from real runs on this machine, never from tests.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mockint.bank import Bank, dump_questions, load_bank
from mockint.embeddings import shared_local_embedder
from mockint.near_duplicates import (
    DEFAULT_THRESHOLD,
    duplicate_text,
    find_near_duplicates,
    nearest_neighbour_similarities,
)
from mockint.question import Question
from mockint.store import QuestionStore
from mockint.vector_db import VectorDB


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str | None = None  # e.g. "<= 30"
    note: str = ""

    @property
    def ok(self) -> bool | None:
        if not self.target:
            return None
        op, bound = self.target.split()
        return self.value <= float(bound) if op == "<=" else self.value >= float(bound)


Benchmark = Callable[[argparse.Namespace], list[Figure]]
BENCHMARKS: dict[str, Benchmark] = {}
DEFAULT_RUN: list[str] = []


def benchmark(name: str, *, default: bool = True) -> Callable[[Benchmark], Benchmark]:
    def register(fn: Benchmark) -> Benchmark:
        BENCHMARKS[name] = fn
        if default:
            DEFAULT_RUN.append(name)
        return fn
    return register


SEARCH_QUERIES = [
    "attention heads", "why scale dot products", "regularisation by switching off neurons", "p-value meaning",
    "tokenizing rare words", "how many users do I need for an experiment", "gradient flow in deep networks",
    "compare encoder and decoder models", "evaluation metric for translation", "confidence interval",
    "word order in transformers", "bias in observational data", "sampling from a stream", "normalisation layers",
]


_VARIANTS = ["", "please", "in interviews", "explained simply"]


class _HashEmbedder:
    """Deterministic pseudo-vectors: only for the synthetic re-sync figure, where nothing is embedded anyway."""

    name = "bench-hash-384"

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(384) for t in texts]
        mat = np.asarray(rows, dtype=np.float32).reshape(len(texts), 384)
        return mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)


def synthetic_questions(n: int, seed: int = 7) -> list[Question]:
    rng = random.Random(seed)
    subjects = ["attention", "dropout", "bias", "variance", "tokenizers", "embeddings", "sampling", "loss"]
    return [
        Question(
            id=f"synthetic-{i:04d}", question=f"Question {i}: explain {rng.choice(subjects)} in case {i}?",
            answer=f"Answer {i} about {rng.choice(subjects)}.", explanation=f"Explanation {i}.",
            follow_up=f"Follow-up {i}?", key_points=[f"Point {i}.{j}" for j in range(3)],
            topic=rng.choice(["deep-learning", "nlp", "statistics"]), type="conceptual",
            difficulty=rng.choice(["easy", "medium", "hard"]), tags=[rng.choice(subjects)], source="bench",
        )
        for i in range(n)
    ]


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@benchmark("index")
def bench_index(args: argparse.Namespace) -> list[Figure]:
    bank = load_bank(args.corpus)
    embedder = shared_local_embedder()
    figures = []
    load_s, _ = _timed(lambda: embedder.embed(["warm up"]))
    figures.append(Figure("embedding model load", load_s, "s"))
    with tempfile.TemporaryDirectory(prefix="mockint-bench-") as tmp:
        path = Path(tmp) / "chroma"
        store = QuestionStore(bank, embedder, VectorDB(path=path))
        build_s, report = _timed(store.sync)
        figures.append(Figure(f"full index build ({len(bank)} questions)", build_s, "s"))
        figures.append(Figure("index build throughput", len(bank) / build_s, "questions/s"))
        store.close()

        fresh = QuestionStore(bank, embedder, VectorDB(path=path))
        resync_s, report = _timed(fresh.sync)
        figures.append(Figure("unchanged re-sync: embeddings computed", report.embedded, "", "<= 0"))
        figures.append(Figure(f"unchanged re-sync ({len(bank)} questions)", resync_s, "s", "<= 1"))

        fresh.search("warm up the model and the collection")
        latencies = []
        # Every query distinct: the store caches query vectors, and a cached figure would flatter it.
        for round_ in range(4):
            for query in SEARCH_QUERIES:
                seconds, _ = _timed(lambda q=f"{query} {_VARIANTS[round_]}": fresh.search(q, k=5))
                latencies.append(seconds * 1000)
        latencies.sort()
        figures.append(Figure("search latency p50 (warm)", statistics.median(latencies), "ms"))
        figures.append(Figure("search latency p95 (warm)", latencies[int(0.95 * (len(latencies) - 1))], "ms",
                              "<= 30", f"{len(latencies)} queries, k=5, query embedding included"))
        fresh.close()
    figures.extend(_synthetic_resync(args.synthetic))
    figures.append(_index_peak_rss(args.corpus))
    return figures


def _synthetic_resync(n: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="mockint-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        (corpus / "synthetic.yaml").write_text(dump_questions(synthetic_questions(n)), encoding="utf-8")
        path = Path(tmp) / "chroma"
        store = QuestionStore(load_bank(corpus), _HashEmbedder(), VectorDB(path=path))
        store.sync()
        store.close()

        def resync() -> object:
            bank = load_bank(corpus)
            again = QuestionStore(bank, _HashEmbedder(), VectorDB(path=path))
            report = again.sync()
            again.close()
            return report

        seconds, report = _timed(resync)
    return [
        Figure(f"unchanged re-sync, synthetic {n}-question bank (incl. YAML load)", seconds, "s", "<= 1",
               f"{report.embedded} embedded; vectors built with a hash embedder, as re-sync embeds nothing"),
    ]


def _index_peak_rss(corpus: Path | None) -> Figure:
    """Peak RSS of a cold `mockint index` (model load + full build) in its own process."""
    with tempfile.TemporaryDirectory(prefix="mockint-bench-") as tmp:
        env = {**os.environ, "MOCKINT_DATA_DIR": tmp, "ANONYMIZED_TELEMETRY": "False"}
        if corpus is not None:
            env["MOCKINT_CORPUS_DIR"] = str(corpus)
        proc = subprocess.Popen([sys.executable, "-m", "mockint.cli", "index"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"`mockint index` failed: {proc.stderr.read().decode(errors='replace')}")
        proc.stderr.close()
    # Linux reports ru_maxrss in KiB.
    return Figure("peak RSS of `mockint index` (cold, full build)", usage.ru_maxrss / 1024, "MiB", "<= 1024")


# Paraphrases of one question (reworded question and answer): the near-duplicate check must flag these.
PARAPHRASES = [
    ("What is dropout?\nDropout randomly disables units during training to reduce overfitting.",
     "Can you explain the dropout technique?\nDuring training it switches off random neurons so the network "
     "overfits less."),
    ("What is backpropagation?\nIt computes gradients layer by layer so neural networks can learn.",
     "How does backprop work?\nIt works out the gradient of the loss for each layer, from the output backwards, "
     "so the network's weights can be trained."),
    ("What is a CNN?\nA convolutional neural network uses filters to learn spatial features.",
     "Explain what a convolutional network is.\nA network that slides learned filters over the input to pick "
     "up spatial patterns."),
    ("Why do neural networks need activation functions?\nActivations add non-linearity so networks can model "
     "complex patterns.",
     "What would happen without activation functions in a neural net?\nThey introduce non-linearity; without "
     "them the network could only represent linear functions."),
    ("What is vanishing gradient?\nIt happens when gradients become too small for early layers to learn.",
     "Explain the vanishing gradient problem.\nGradients shrink as they flow back, so the first layers barely "
     "get updated and stop learning."),
    ("Why is dot-product attention scaled by the square root of the key dimension?\nThe dot product's variance "
     "grows with d_k; dividing by sqrt(d_k) keeps the softmax from saturating.",
     "Why divide attention scores by sqrt(d_k)?\nWithout the scaling, large dot products push the softmax into "
     "a near one-hot regime with vanishing gradients, since their variance grows with the key dimension."),
    ("What is the difference between a standard deviation and a standard error?\nThe standard deviation is the "
     "spread of observations; the standard error is the spread of an estimate such as the mean.",
     "Standard error versus standard deviation: how do they differ?\nStandard deviation measures how individual "
     "data points vary; standard error measures how much a sample mean would vary across samples."),
    ("Does zero correlation between two variables mean they are independent?\nNo. Correlation only measures "
     "linear association; Y = X^2 has zero correlation with a symmetric X but depends on it.",
     "If two variables are uncorrelated, are they independent?\nNot necessarily: correlation captures only "
     "linear relationships, so X and X squared can be uncorrelated while fully dependent."),
    ("What is Simpson's paradox?\nA trend that holds within every subgroup reverses once the groups are "
     "combined, because of an unevenly distributed third variable.",
     "Explain Simpson's paradox.\nWhen data are aggregated, a relationship seen in each subgroup can flip "
     "direction because a confounder is spread unevenly across the groups."),
    ("What is perplexity?\nThe exponential of the average negative log-likelihood per token on held-out text; "
     "lower is better.",
     "How is perplexity of a language model defined?\nIt is exp of the mean per-token cross-entropy on "
     "held-out data, so a lower value means a better model."),
    ("What is the central limit theorem?\nThe mean of many i.i.d. observations with finite variance is "
     "approximately normal, whatever the original distribution.",
     "State the CLT.\nAverages of many independent draws from any distribution with finite variance are "
     "roughly normally distributed."),
    ("What is the difference between static and contextual word embeddings?\nA static embedding gives a word "
     "one vector everywhere; a contextual one depends on the sentence.",
     "How do contextual embeddings differ from static ones like word2vec?\nStatic vectors are fixed per word, "
     "while contextual vectors change with the surrounding sentence."),
    ("What is batch normalization?\nIt normalizes each feature over the mini-batch, then rescales it with a "
     "learned scale and shift.",
     "Explain batch norm.\nActivations are standardized with the batch mean and variance and then given a "
     "trainable gain and bias."),
    ("What is overfitting?\nThe model fits noise in the training data and generalizes poorly to new data.",
     "What does it mean when a model overfits?\nIt has memorized the training set, including its noise, so "
     "performance on unseen data is much worse."),
    ("What is a p-value?\nThe probability of data at least as extreme as observed if the null hypothesis is "
     "true.",
     "How would you define a p-value?\nAssuming the null hypothesis holds, it is the chance of seeing a result "
     "as extreme as ours or more."),
    ("What is the purpose of multi-head attention?\nEach head attends in its own subspace, so the model can "
     "capture several kinds of relationships at once.",
     "Why use several attention heads rather than one?\nDifferent heads project into different subspaces and "
     "can focus on different relations between tokens in parallel."),
    ("What is a learning rate warmup?\nThe learning rate starts small and rises over the first steps to keep "
     "early training stable.",
     "Why do we warm up the learning rate?\nStarting from a tiny step size and increasing it gradually avoids "
     "unstable updates at the beginning of training."),
    ("What is byte-pair encoding?\nA tokenizer that starts from characters and repeatedly merges the most "
     "frequent adjacent pair into a new symbol.",
     "How does BPE tokenization work?\nBeginning with single characters, it keeps merging the most common pair "
     "of neighbouring symbols to build its vocabulary."),
    ("What is the bias-variance trade-off?\nSimple models underfit with high bias; flexible models overfit with "
     "high variance; total error balances the two.",
     "Explain the tradeoff between bias and variance.\nMore complex models reduce bias but increase variance, "
     "so the best generalization comes from balancing them."),
    ("What is a sample ratio mismatch?\nThe observed split between experiment arms differs significantly from "
     "the configured split, signalling a bug.",
     "What is SRM in A/B testing?\nWhen the number of users in each arm deviates from the intended allocation "
     "more than chance allows, which points to an assignment or logging problem."),
]

# Distinct questions on one subject: the check must NOT flag these.
SAME_SUBJECT = [
    ("What is dropout?\nDropout randomly disables units during training to reduce overfitting.",
     "Is dropout used at inference time?\nNo; at inference all units are kept and activations are scaled "
     "(or training used inverted dropout)."),
    ("What is backpropagation?\nIt computes gradients layer by layer so neural networks can learn.",
     "How does backpropagation relate to gradient descent?\nBackpropagation computes the gradients; gradient "
     "descent uses them to update the weights."),
    ("What is BLEU?\nA precision-oriented n-gram overlap metric for machine translation.",
     "What is ROUGE?\nA recall-oriented overlap metric used to evaluate summaries."),
    ("What is a type I error?\nRejecting a true null hypothesis: a false positive.",
     "What is statistical power?\nThe probability of detecting a true effect: one minus the type II error rate."),
    ("What is vanishing gradient?\nIt happens when gradients become too small for early layers to learn.",
     "What is an exploding gradient and how do you fix it?\nGradients grow without bound through layers; "
     "gradient clipping and careful initialization help."),
    ("What is batch normalization?\nIt normalizes each feature over the mini-batch, then rescales it.",
     "Why do transformers use layer normalization instead of batch normalization?\nLayerNorm normalizes each "
     "sample over its features, with no dependence on batch size or sequence length."),
    ("How does word2vec learn embeddings?\nIt trains a shallow network to predict context words and keeps the "
     "learned weights as word vectors.",
     "How does GloVe differ from word2vec?\nGloVe fits vectors to a global co-occurrence matrix instead of "
     "predicting local context windows."),
    ("What is a confidence interval?\nA range produced by a procedure that covers the true value in a stated "
     "share of repeated experiments.",
     "What is a credible interval?\nA Bayesian range that contains the parameter with a stated posterior "
     "probability."),
    ("What is BPE?\nA tokenizer that merges the most frequent adjacent symbol pairs.",
     "Why do GPT tokenizers use byte-level BPE?\nWorking on UTF-8 bytes means any text can be encoded without "
     "unknown tokens."),
    ("What is an A/B test?\nA randomized experiment comparing a control and a treatment on a metric.",
     "How do you pick the sample size for an A/B test?\nFrom the baseline rate, the minimum detectable effect, "
     "alpha and power."),
    ("What is self-attention?\nEach token computes weights over all tokens from query-key similarity and mixes "
     "their values.",
     "Why is self-attention expensive for long sequences?\nEvery token attends to every other, so cost grows "
     "quadratically with length."),
    ("What is L2 regularization?\nIt adds the squared weight norm to the loss, shrinking weights toward zero.",
     "What is L1 regularization and why does it give sparse models?\nThe absolute-value penalty has a corner "
     "at zero, so many weights become exactly zero."),
]


@benchmark("dupes")
def bench_dupes(args: argparse.Namespace) -> list[Figure]:
    """The similarity distributions the near-duplicate threshold is set from."""
    bank: Bank = load_bank(args.corpus)
    embedder = shared_local_embedder()
    vectors = embedder.embed([duplicate_text(q) for q in bank.questions])
    nn = nearest_neighbour_similarities(vectors)
    para = [_pair_similarity(embedder, a, b) for a, b in PARAPHRASES]
    same = [_pair_similarity(embedder, a, b) for a, b in SAME_SUBJECT]
    best = _best_threshold(para, same, float(nn.max()))
    flagged = find_near_duplicates([q.id for q in bank.questions], vectors, DEFAULT_THRESHOLD)
    closest = find_near_duplicates([q.id for q in bank.questions], vectors, float(np.sort(nn)[-1]) - 1e-6)
    return [
        Figure("bank nearest-neighbour cosine: median", float(np.median(nn)), "", note=f"{len(bank)} questions"),
        Figure("bank nearest-neighbour cosine: p95", float(np.percentile(nn, 95)), ""),
        Figure("bank nearest-neighbour cosine: max", float(nn.max()), "",
               note=", ".join(f"{p.first} ~ {p.second}" for p in closest[:1])),
        Figure("same-subject distinct pairs: max", max(same), "", note=f"{len(same)} pairs"),
        Figure("paraphrase pairs: min", min(para), "", note=f"{len(para)} pairs"),
        Figure("paraphrase pairs: median", float(np.median(para)), ""),
        Figure("default threshold", DEFAULT_THRESHOLD, "", note="mockint.near_duplicates.DEFAULT_THRESHOLD"),
        Figure("paraphrases caught at the default threshold", sum(p >= DEFAULT_THRESHOLD for p in para), "",
               note=f"of {len(para)}"),
        Figure("same-subject pairs flagged at the default threshold", sum(s >= DEFAULT_THRESHOLD for s in same), "",
               note=f"of {len(same)}"),
        Figure("bank pairs flagged at the default threshold", len(flagged), "", "<= 0"),
        Figure("best separating threshold on these pairs", best, "", note="max recall - false-flag rate, "
               "above every bank nearest neighbour"),
    ]


def _best_threshold(para: list[float], same: list[float], bank_max: float) -> float:
    """Middle of the threshold range that best separates paraphrases from distinct pairs (recall minus
    false-flag rate), kept above every current bank pair."""
    def merit(t: float) -> float:
        return sum(p >= t for p in para) / len(para) - sum(s >= t for s in same) / len(same)

    grid = [float(t) for t in np.arange(0.5, 0.96, 0.005) if t > bank_max]
    top = max(merit(t) for t in grid)
    plateau = [t for t in grid if merit(t) == top]
    return round((plateau[0] + plateau[-1]) / 2, 3)


def _pair_similarity(embedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return float(va @ vb)


@benchmark("prompt-tokens")
def bench_prompt_tokens(args: argparse.Namespace) -> list[Figure]:
    """Tokens of the LLM grading prompt per bank question, answered with its reference answer (no model call)."""
    from mockint.llm_grader import prompt_stats

    stats = prompt_stats(load_bank(args.corpus))
    note = f"{stats.questions} questions" + ("" if stats.exact else "; APPROXIMATE: tiktoken tables unavailable")
    return [
        Figure("grading prompt tokens: median", stats.median, "tokens", "<= 1200", note),
        Figure("grading prompt tokens: p95", stats.p95, "tokens", note=note),
        Figure("grading prompt tokens: max", stats.max, "tokens", note=note),
    ]


@benchmark("app")
def bench_app(args: argparse.Namespace) -> list[Figure]:
    """The Streamlit app in Chromium: launch to first question, submit to feedback (offline), peak RSS."""
    from mockint.app_bench import measure_app

    m = measure_app(args.corpus)
    return [
        Figure("app launch -> first question answerable", m["first_question_s"], "s", "<= 5", "in Chromium"),
        Figure("submit -> feedback, offline grader (steady)", m["feedback_s"], "s", "<= 1",
               "median of 2; answered 5 s after the question"),
        Figure("submit -> feedback, answered at once", m["feedback_at_once_s"], "s", note="median of 2"),
        Figure("submit -> feedback, first answer (grader warm-up)", m["first_feedback_s"], "s",
               note="answered at once"),
        Figure("app peak RSS (streamlit process)", m["peak_rss_mib"], "MiB", "<= 1536"),
    ]


@benchmark("speech", default=False)
def bench_speech(args: argparse.Namespace) -> list[Figure]:
    """Offline transcription (pocketsphinx) of espeak-ng speech of known sentences: word accuracy and speed."""
    from mockint.transcription import bench_transcription

    r = bench_transcription()
    note = f"{len(r['cases'])} espeak-ng sentences, {r['audio_s']:.1f} s of audio"
    return [
        Figure("offline word accuracy (1 - WER)", r["word_accuracy"], "", note=note),
        Figure("offline transcription real-time factor", r["real_time_factor"], "x audio", "<= 1", note),
        Figure("offline transcription time", r["transcribe_s"], "s", note=note),
        Figure("pocketsphinx model load", r["model_load_s"], "s", note="once per process"),
    ]


@benchmark("offline-grader")
def bench_offline_grader(args: argparse.Namespace) -> list[Figure]:
    """Offline grader latency per answer over the bank (model loaded, item already embedded)."""
    from mockint.offline_bench import bench_offline

    m = bench_offline(args.corpus)
    note = f"{m['answers']:.0f} answers to {m['questions']:.0f} bank questions"
    return [
        Figure("offline grade p50", m["p50_ms"], "ms", note=note),
        Figure("offline grade p95", m["p95_ms"], "ms", "<= 50", note),
        Figure("offline first grade of an item p95", m["first_grade_p95_ms"], "ms", note="also embeds the item"),
    ]

def render(results: dict[str, list[Figure]]) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    table = Table(title="mockint benchmarks")
    for column in ("bench", "figure", "value", "target", "ok", "note"):
        table.add_column(column, overflow="fold")
    for name, figures in results.items():
        for f in figures:
            ok = "" if f.ok is None else ("yes" if f.ok else "NO")
            table.add_row(name, f.name, f"{f.value:,.3f} {f.unit}".strip(), f.target or "", ok, f.note)
    out = StringIO()
    Console(file=out, width=160).print(table)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockint.bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: {', '.join(DEFAULT_RUN)})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the shipped bank)")
    parser.add_argument("--synthetic", type=int, default=500, help="size of the synthetic bank for re-sync")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    results = {name: BENCHMARKS[name](args) for name in (args.names or DEFAULT_RUN)}
    if args.json:
        print(json.dumps({n: [{**asdict(f), "ok": f.ok} for f in fs] for n, fs in results.items()}, indent=2))
    else:
        print(render(results))
    return 0 if all(f.ok is not False for fs in results.values() for f in fs) else 1


if __name__ == "__main__":
    sys.exit(main())
