"""Throughput of `mockint eval`: the offline grader, and the LLM path against a loopback server.

    .venv/bin/python eval/bench_llm_eval.py                 # both
    .venv/bin/python eval/bench_llm_eval.py llm --answers 400 --concurrency 16 --delay 0.3
    .venv/bin/python eval/bench_llm_eval.py offline --answers 1000

Answers are real student answers from SAF (read by path, never copied). The LLM figure uses the REAL
LLM grader and client against tests/scripted_openai.py's HTTP server, which answers every request with a
valid grading reply after `--delay` seconds; a second pass over the same answers measures the disk cache.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
if (ROOT.parent / "shared" / "tiktoken").is_dir():  # token counting tables, as `make bench` sets them
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(ROOT.parent / "shared" / "tiktoken"))

from benchmarks.run import Figure, report  # noqa: E402

from mockint.config import Settings  # noqa: E402
from mockint.evals.data import LabelledCase, TableSpec, load_table  # noqa: E402
from mockint.evals.runner import GradingEval, build_eval_grader  # noqa: E402

SAF = ROOT.parent / "shared" / "datasets" / "saf" / "saf_english.csv"
DIMENSIONS = ("correctness", "completeness", "depth", "communication")
GRADE_REPLY = {
    "on_topic": True,
    "key_points": [{"n": 1, "status": "partly", "quotes": []}],
    "misconceptions": [],
    "feedback": "You gave the core idea; say why it holds and give an example.",
    "model_answer": "A fuller answer would explain the mechanism and its consequence.",
    "dimensions": {d: {"score": 2.5, "reason": "benchmark reply"} for d in DIMENSIONS},
    "follow_up": "Can you give an example?",
}


def saf_cases(path: Path, n: int) -> list[LabelledCase]:
    """The first `n` distinct (question, answer) pairs: SAF repeats "No response." and the like, and a repeat
    would be a cache hit inside the uncached pass."""
    spec = TableSpec(
        question_col="question",
        reference_col="reference_answer",
        answer_col="student_answer",
        score_col="score",
        id_col="answer_id",
    )
    cases, seen = [], set()
    for case in load_table(path, spec):
        if (case.item.question, case.answer) not in seen and len(cases) < n:
            seen.add((case.item.question, case.answer))
            cases.append(case)
    if len(cases) < n:
        raise SystemExit(f"{path} has only {len(cases)} distinct answers; ask for --answers {len(cases)} or fewer")
    return cases


def bench_offline(args: argparse.Namespace) -> list[Figure]:
    cases = saf_cases(args.saf, args.answers)
    grader = build_eval_grader("offline", Settings(), cache_dir=None)
    started = time.perf_counter()
    grader.grade(cases[0].item, cases[0].answer)  # loads the embedding model once
    load_s = time.perf_counter() - started
    result = GradingEval(cases, concurrency=1, progress=False)(grader)
    errors = sum(c.error is not None for c in result.cases)
    return [
        Figure("offline grader: model load + first answer", load_s, "s"),
        Figure(
            f"offline grader: {len(cases)} answers",
            result.wall_seconds,
            "s",
            "<= 60",
            f"{errors} errors; SAF answers, one thread (torch uses the cores)",
        ),
        Figure("offline grader throughput", len(cases) / result.wall_seconds, "answers/s"),
    ]


def bench_llm(args: argparse.Namespace) -> list[Figure]:
    from scripted_openai import Reply, ScriptedOpenAIServer, chat_completion

    cases = saf_cases(args.saf, args.answers)
    reply = Reply(
        body=chat_completion(json.dumps(GRADE_REPLY), prompt_tokens=900, completion_tokens=180), delay=args.delay
    )
    with ScriptedOpenAIServer(default=reply) as server, tempfile.TemporaryDirectory(prefix="mockint-bench-") as tmp:
        settings = Settings(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench", MOCKINT_DATA_DIR=tmp)
        grader = build_eval_grader("llm", settings, cache_dir=settings.cache_dir)
        fresh = GradingEval(cases, concurrency=args.concurrency, progress=False)(grader)
        requests = len(server.received())
        cached = GradingEval(cases, concurrency=args.concurrency, progress=False)(grader)
        extra = len(server.received()) - requests
    errors = sum(c.error is not None for c in fresh.cases)
    latencies = sorted(c.latency_ms for c in fresh.cases if c.latency_ms is not None)
    return [
        Figure(
            f"LLM path, {len(cases)} answers, concurrency {args.concurrency}, server {args.delay * 1000:.0f} ms",
            len(cases) / fresh.wall_seconds,
            "answers/s",
            ">= 20",
            f"{fresh.wall_seconds:.1f} s; {errors} errors; {requests} requests",
        ),
        Figure("LLM path latency p50", latencies[len(latencies) // 2], "ms"),
        Figure(
            "cached re-run",
            len(cases) / cached.wall_seconds,
            "answers/s",
            ">= 500",
            f"{cached.wall_seconds:.2f} s; {extra} requests sent",
        ),
    ]


BENCHES = {"offline": bench_offline, "llm": bench_llm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="offline, llm (default: both)")
    parser.add_argument("--answers", type=int, default=None, help="answers per run (offline 1000, llm 400)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds the loopback server takes per reply")
    parser.add_argument("--saf", type=Path, default=SAF, help="SAF CSV (../shared/datasets/saf/saf_english.csv)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    results = {}
    # The machine may be shared: the load when the run starts says how far figures are from an idle box.
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for name in args.names or list(BENCHES):
        run_args = argparse.Namespace(**vars(args))
        run_args.answers = args.answers or (1000 if name == "offline" else 400)
        results[name] = BENCHES[name](run_args)
    return report(results, as_json=args.json)


if __name__ == "__main__":
    sys.exit(main())
