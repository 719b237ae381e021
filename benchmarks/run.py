"""Benchmarks: `python -m benchmarks.run [NAME ...] [--json]` (`make bench` runs the default set).

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

from mockint.bank.near_duplicates import DEFAULT_THRESHOLD
from mockint.doors.bank_files import dump_questions, load_bank
from mockint.doors.chroma import VectorDB
from mockint.doors.embeddings import shared_local_embedder
from mockint.store.questions import QuestionStore
from mockint.types.question import Question


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
    "attention heads",
    "why scale dot products",
    "regularisation by switching off neurons",
    "p-value meaning",
    "tokenizing rare words",
    "how many users do I need for an experiment",
    "gradient flow in deep networks",
    "compare encoder and decoder models",
    "evaluation metric for translation",
    "confidence interval",
    "word order in transformers",
    "bias in observational data",
    "sampling from a stream",
    "normalisation layers",
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
            id=f"synthetic-{i:04d}",
            question=f"Question {i}: explain {rng.choice(subjects)} in case {i}?",
            answer=f"Answer {i} about {rng.choice(subjects)}.",
            explanation=f"Explanation {i}.",
            follow_up=f"Follow-up {i}?",
            key_points=[f"Point {i}.{j}" for j in range(3)],
            topic=rng.choice(["deep-learning", "nlp", "statistics"]),
            type="conceptual",
            difficulty=rng.choice(["easy", "medium", "hard"]),
            tags=[rng.choice(subjects)],
            source="bench",
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
        figures.append(
            Figure(
                "search latency p95 (warm)",
                latencies[int(0.95 * (len(latencies) - 1))],
                "ms",
                "<= 30",
                f"{len(latencies)} queries, k=5, query embedding included",
            )
        )
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
        Figure(
            f"unchanged re-sync, synthetic {n}-question bank (incl. YAML load)",
            seconds,
            "s",
            "<= 1",
            f"{report.embedded} embedded; vectors built with a hash embedder, as re-sync embeds nothing",
        ),
    ]


def _index_peak_rss(corpus: Path | None) -> Figure:
    """Peak RSS of a cold `mockint index` (model load + full build) in its own process."""
    with tempfile.TemporaryDirectory(prefix="mockint-bench-") as tmp:
        env = {**os.environ, "MOCKINT_DATA_DIR": tmp, "ANONYMIZED_TELEMETRY": "False"}
        if corpus is not None:
            env["MOCKINT_CORPUS_DIR"] = str(corpus)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mockint.cli.main", "index"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"`mockint index` failed: {proc.stderr.read().decode(errors='replace')}")
        proc.stderr.close()
    # Linux reports ru_maxrss in KiB.
    return Figure("peak RSS of `mockint index` (cold, full build)", usage.ru_maxrss / 1024, "MiB", "<= 1024")


@benchmark("dupes")
def bench_dupes(args: argparse.Namespace) -> list[Figure]:
    """The similarity distributions the near-duplicate threshold is set from."""
    from benchmarks.dupes import measure_near_duplicates

    m = measure_near_duplicates(args.corpus)
    nn, para, same = m["nn"], m["para"], m["same"]
    return [
        Figure("bank nearest-neighbour cosine: median", float(np.median(nn)), "", note=f"{m['questions']} questions"),
        Figure("bank nearest-neighbour cosine: p95", float(np.percentile(nn, 95)), ""),
        Figure("bank nearest-neighbour cosine: max", float(nn.max()), "", note=m["closest"]),
        Figure("same-subject distinct pairs: max", max(same), "", note=f"{len(same)} pairs"),
        Figure("paraphrase pairs: min", min(para), "", note=f"{len(para)} pairs"),
        Figure("paraphrase pairs: median", float(np.median(para)), ""),
        Figure("default threshold", DEFAULT_THRESHOLD, "", note="mockint.bank.near_duplicates.DEFAULT_THRESHOLD"),
        Figure(
            "paraphrases caught at the default threshold",
            sum(p >= DEFAULT_THRESHOLD for p in para),
            "",
            note=f"of {len(para)}",
        ),
        Figure(
            "same-subject pairs flagged at the default threshold",
            sum(s >= DEFAULT_THRESHOLD for s in same),
            "",
            note=f"of {len(same)}",
        ),
        Figure("bank pairs flagged at the default threshold", m["flagged"], "", "<= 0"),
        Figure(
            "best separating threshold on these pairs",
            m["best"],
            "",
            note="max recall - false-flag rate, above every bank nearest neighbour",
        ),
    ]


@benchmark("prompt-tokens")
def bench_prompt_tokens(args: argparse.Namespace) -> list[Figure]:
    """Tokens of the LLM grading prompt per bank question, answered with its reference answer (no model call)."""
    from mockint.grading.llm.grader import prompt_stats

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
    from benchmarks.app import measure_app

    m = measure_app(args.corpus)
    return [
        Figure("app launch -> first question answerable", m["first_question_s"], "s", "<= 5", "in Chromium"),
        Figure("app first page load -> first question answerable", m["page_first_question_s"], "s", "<= 3"),
        Figure(
            "submit -> feedback, offline grader (steady)",
            m["feedback_s"],
            "s",
            "<= 1",
            "median of 2; answered 5 s after the question",
        ),
        Figure("submit -> feedback, answered at once", m["feedback_at_once_s"], "s", note="median of 2"),
        Figure(
            "submit -> feedback, first answer (grader warm-up)", m["first_feedback_s"], "s", note="answered at once"
        ),
        Figure("app peak RSS (streamlit process)", m["peak_rss_mib"], "MiB", "<= 1536"),
    ]


@benchmark("cold-start")
def bench_cold_start(args: argparse.Namespace) -> list[Figure]:
    """A new `mockint` process: `--help`, and one offline grade (model export already made)."""
    from benchmarks.cold_start import RUNS, measure_cold_start

    m = measure_cold_start()
    note = f"median of {RUNS} new processes"
    return [
        Figure("cold `mockint --help`", m["help_s"], "s", "<= 0.5", note),
        Figure("cold `mockint --help`, CPU time", m["help_cpu_s"], "s", note=note),
        Figure("cold `mockint grade --grader offline`", m["grade_s"], "s", "<= 2", note),
        Figure("cold `mockint grade --grader offline`, CPU time", m["grade_cpu_s"], "s", note=note),
    ]


@benchmark("speech", default=False)
def bench_speech(args: argparse.Namespace) -> list[Figure]:
    """Offline transcription (Whisper tiny.en): a human recording, espeak-ng technical answers with and without
    the question bias, filler recall. Needs espeak-ng and ../shared/audio/jfk.flac."""
    from benchmarks.speech import bench_fillers, bench_transcription

    r = bench_transcription(args.corpus)
    answers = f"{r['cases']} espeak-ng answers (test half of the bank), {r['audio_s']:.0f} s"
    figures = [
        Figure("human recording WER (jfk.flac, 11 s)", r["human_wer"], "", "<= 0.10", note=r["human_text"]),
        Figure("human recording speed", r["human_speed"], "x real time", ">= 3", note="plain decoding, beam 5"),
    ]
    for name, accuracy in r["accuracy"].items():
        target = ">= 0.85" if name == "question bias (the app)" else None
        figures.append(Figure(f"word accuracy, {name}", accuracy, "", target, note=answers))
    for name, speed in r["speed"].items():
        target = ">= 3" if name == "question bias (the app)" else None
        figures.append(Figure(f"speed, {name}", speed, "x real time", target, note=f"{os.cpu_count()} cores"))
    for name, cpu in r["cpu_per_audio_s"].items():
        figures.append(Figure(f"CPU time per second of audio, {name}", cpu, "s", note="all threads"))
    figures.append(
        Figure("um/uh written into the answers (none said)", r["fillers_made_up"]["question bias (the app)"], "")
    )
    f = bench_fillers(args.corpus)
    for name, found in f["found"].items():
        note = f"{found} of {f['spoken']} spoken"
        figures.append(Figure(f"filler recall (um, uh), {name}", found / f["spoken"], "", note=note))
    figures.append(Figure("Whisper model load", r["model_load_s"], "s", note="once per process"))
    return figures


@benchmark("speech-app", default=False)
def bench_speech_app(args: argparse.Namespace) -> list[Figure]:
    """A 10 s spoken answer in Chromium: from Stop until the transcript is on screen."""
    from benchmarks.speech_app import measure_spoken_answer

    m = measure_spoken_answer()
    note = "Record pressed as soon as the first question shows; Whisper warmed in the background"
    return [
        Figure("10 s recording: Stop -> transcript shown", m["stop_to_transcript_s"], "s", "<= 3", note),
        Figure("the same, once the grader has warmed up", m["warm_stop_to_transcript_s"], "s", "<= 3", "second answer"),
        Figure("app peak RSS with Whisper (streamlit process)", m["peak_rss_mib"], "MiB", "<= 1536"),
    ]


@benchmark("install", default=False)
def bench_install(args: argparse.Namespace) -> list[Figure]:
    """`make run` from a fresh clone with Whisper and with pocketsphinx: time to the app, venv size."""
    from benchmarks.install import measure_installs

    runs = measure_installs()
    before, after = runs["pocketsphinx"], runs["whisper"]
    figures = []
    for run in (before, after):
        note = f"{os.cpu_count()} cores, packages from the pip cache and wheel folders"
        figures += [
            Figure(f"`make run` -> app answers, {run.variant}", run.first_page_s, "s", note=note),
            Figure(f"`make setup` (venv ready), {run.variant}", run.setup_s, "s", note=note),
            Figure(f"venv site-packages, {run.variant}", run.site_packages_mb, "MB"),
        ]
    for run, other in ((before, after), (after, before)):
        only = {name: mb for name, mb in run.distributions_mb.items() if name not in other.distributions_mb}
        listed = ", ".join(f"{name} {mb:.1f}" for name, mb in sorted(only.items(), key=lambda kv: -kv[1]))
        figures.append(Figure(f"installed only with {run.variant}", sum(only.values()), "MB", note=listed))
    return figures


@benchmark("speech-gate", default=False)
def bench_speech_gate(args: argparse.Namespace) -> list[Figure]:
    """The confidence gate: segments Whisper marks as unsure, by condition (espeak-ng speech, noise)."""
    from benchmarks.speech import bench_gate

    figures = []
    for condition, r in bench_gate().items():
        accuracy = "" if r["accuracy"] is None else f"word accuracy {r['accuracy']:.2f}; "
        note = f"{accuracy}avg_logprob {r['avg_logprob']}, no_speech {r['no_speech_prob']}"
        passed = r["passed"] / r["segments"] if r["segments"] else 0.0
        figures.append(Figure(f"segments passed, {condition}", passed, f"of {r['segments']}", note=note))
    return figures


@benchmark("invariants", default=False)
def bench_invariants(args: argparse.Namespace) -> list[Figure]:
    """The offline grader's invariants over every bank question (`mockint.evals.invariants`): pass rates."""
    from mockint.evals.invariants import TARGETS, check, pass_rates
    from mockint.grading.offline.grader import OfflineGrader

    questions = list(load_bank(args.corpus).questions)
    rates = pass_rates(check(questions, OfflineGrader().grade_many))
    note = f"{len(questions)} questions"
    return [
        Figure(f"invariant {name}", 100 * rates[name], "%", f">= {100 * TARGETS[name]:g}", note) for name in TARGETS
    ]


@benchmark("offline-grader")
def bench_offline_grader(args: argparse.Namespace) -> list[Figure]:
    """Offline grader latency per answer over the bank (model loaded, item already embedded)."""
    from benchmarks.offline_grader import bench_offline

    m = bench_offline(args.corpus)
    note = f"{m['answers']:.0f} answers to {m['questions']:.0f} bank questions"
    return [
        Figure("offline grade p50", m["p50_ms"], "ms", note=note),
        Figure("offline grade p95", m["p95_ms"], "ms", "<= 50", note),
        Figure("offline first grade of an item p95", m["first_grade_p95_ms"], "ms", note="also embeds the item"),
        Figure("offline grade / one embedding pass of the answer", m["cost_vs_embedding_p50"], "x", "<= 3", note),
    ]


@benchmark("answer-scorer", default=False)
def bench_answer_scorer(args: argparse.Namespace) -> list[Figure]:
    """The answer scorer's int8 weights against fp32: time per pair and score gap (0-5)."""
    from benchmarks.answer_scorer import bench_answer_scorer as run

    m = run(args.corpus)
    note = f"{m['pairs']:.0f} bank pairs"
    return [
        Figure("answer scorer int8 p50", m["int8_p50_ms"], "ms", note=note),
        Figure("answer scorer fp32 p50", m["fp32_p50_ms"], "ms", note=note),
        Figure("answer scorer |int8 - fp32| mean", m["gap_mean"], "points of 5", note=note),
        Figure("answer scorer |int8 - fp32| p95", m["gap_p95"], "points of 5", note=note),
    ]


@benchmark("llm-faults", default=False)
def bench_llm_faults(args: argparse.Namespace) -> list[Figure]:
    """The LLM fault matrix against real loopback servers: what the user sees and when."""
    from benchmarks.llm import measure_fault_matrix

    rows = measure_fault_matrix()
    deadline = rows[0]["deadline"]
    figures = [Figure(r["case"], r["seconds"], "s", note=r["seen"][:150]) for r in rows]
    waits = [r["seconds"] for r in rows if r["fallback"]]
    figures.append(
        Figure(
            "worst wait before a labelled fallback",
            max(waits),
            "s",
            f"<= {deadline + 5:g}",
            f"deadline {deadline:g} s (MOCKINT_LLM_DEADLINE)",
        )
    )
    return figures


@benchmark("stream-parse")
def bench_stream_parse(args: argparse.Namespace) -> list[Figure]:
    """Following the feedback of a 1 MB streamed grade reply (pydantic_core partial JSON)."""
    from benchmarks.llm import measure_stream_parse

    m = measure_stream_parse()
    note = f"{m['chars']:,} chars in {m['deltas']:,} deltas, {m['updates']} feedback updates"
    return [Figure("1 MB streamed reply parsed", m["seconds"], "s", "<= 1", note)]


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
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: {', '.join(DEFAULT_RUN)})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the shipped bank)")
    parser.add_argument("--synthetic", type=int, default=500, help="size of the synthetic bank for re-sync")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return report({name: BENCHMARKS[name](args) for name in (args.names or DEFAULT_RUN)}, as_json=args.json)


def report(results: dict[str, list[Figure]], *, as_json: bool = False) -> int:
    """Print the figures (a table, or JSON); the exit status says whether every target was met."""
    if as_json:
        print(json.dumps({n: [{**asdict(f), "ok": f.ok} for f in fs] for n, fs in results.items()}, indent=2))
    else:
        print(render(results))
    return 0 if all(f.ok is not False for fs in results.values() for f in fs) else 1


if __name__ == "__main__":
    sys.exit(main())
