"""Cold start of the command line: a new `mockint` process each time, as a user runs it
(`python -m benchmarks.run cold-start`).

The ONNX export of the embedding model is made first (`make run` makes it, via `mockint index`), so the
figures are of every later run, not of the one-time export.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mockint.config import get_settings

# The median of 5 runs: enough to smooth out a busy machine's hiccups, quick to run.
RUNS = 5
ANSWER = "Dropout randomly zeroes units during training so the network cannot rely on any one unit."


def mockint_command() -> list[str]:
    """The installed `mockint` script beside this Python, or the module when it is not installed."""
    script = Path(sys.executable).with_name("mockint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mockint.cli.main"]


def _median_seconds(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds. CPU time barely moves with the machine's load, so it
    tells what the process costs when the wall time is inflated by other work on a shared machine."""
    wall, cpu = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*mockint_command(), *args], env=env, check=True, stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def measure_cold_start() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="mockint-bench-cold-") as tmp:
        env = {
            **os.environ,
            "MOCKINT_DATA_DIR": str(Path(tmp) / "data"),
            "MOCKINT_MODELS_DIR": str(get_settings().models_dir),  # this machine's export, made once
            "MOCKINT_GRADER": "offline",
        }
        grade = ["grade", "--grader", "offline", "--question", "what-is-dropout", "--answer", ANSWER]
        subprocess.run([*mockint_command(), *grade], env=env, check=True, stdout=subprocess.DEVNULL)  # the export
        help_s, help_cpu_s = _median_seconds(["--help"], env)
        grade_s, grade_cpu_s = _median_seconds(grade, env)
        return {"help_s": help_s, "help_cpu_s": help_cpu_s, "grade_s": grade_s, "grade_cpu_s": grade_cpu_s}
