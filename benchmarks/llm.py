"""The LLM path's figures: `python -m benchmarks.run llm-faults stream-parse`.

- llm-faults: every case of the fault matrix (tests/llm_faults.py) against a real loopback server, with
  the deadline MOCKINT_LLM_DEADLINE (default here 10 s, so the run takes minutes, not an hour): what the
  user sees, how long it took, and the worst wait before a labelled fallback (target: deadline + 5 s).
- stream-parse: following the feedback field of a 1 MB JSON reply streamed in small deltas.
"""

import json
import os
import sys
import time
from pathlib import Path

from mockint.grading.llm.reply import StreamedField

TESTS = Path(__file__).resolve().parents[1] / "tests"
# Short enough that the slow faults (hang, trickle, 500 forever) take seconds each; the figure that matters,
# worst wait minus deadline, does not depend on it.
BENCH_DEADLINE_S = 10.0


def measure_fault_matrix(deadline: float | None = None) -> list[dict]:
    """One row per fault: name, what the user sees, seconds, and whether it ended in a labelled fallback."""
    sys.path.insert(0, str(TESTS))
    from llm_faults import FAULTS, run_fault
    from mockint.doors.embeddings import shared_local_embedder

    deadline = deadline or float(os.environ.get("MOCKINT_LLM_DEADLINE") or BENCH_DEADLINE_S)
    embedder = shared_local_embedder()
    # Warm-up, not measured: the first fallback loads the offline grader's model (seconds to a minute on a
    # loaded machine), a cost of the offline grader's first use rather than of waiting on the LLM.
    run_fault(next(f for f in FAULTS if f.base_url), deadline=deadline, embedder=embedder)
    rows = []
    for fault in FAULTS:
        outcome = run_fault(fault, deadline=deadline, embedder=embedder)
        rows.append(
            {
                "case": fault.name,
                "seen": outcome.seen(),
                "seconds": outcome.seconds,
                "fallback": outcome.fell_back,
                "deadline": deadline,
            }
        )
    return rows


def measure_stream_parse(size: int = 1_000_000, delta_chars: int = 8) -> dict:
    """Seconds to follow the feedback field of a `size`-character reply fed `delta_chars` at a time (about a
    token each, as a server streams)."""
    feedback = ("Say why the rescaling keeps the expected activation the same. " * (size // 62 + 1))[:size]
    text = json.dumps({"key_points": [], "feedback": feedback, "model_answer": "m"})
    field = StreamedField("feedback")
    updates = 0
    started = time.perf_counter()
    for i in range(0, len(text), delta_chars):
        if field.feed(text[i : i + delta_chars]) is not None:
            updates += 1
    field.finish()
    seconds = time.perf_counter() - started
    assert field.value == feedback
    return {"chars": len(text), "deltas": -(-len(text) // delta_chars), "updates": updates, "seconds": seconds}
