"""`mockint --help` must start fast: the command module imports nothing heavy until a command needs it.
(Checked by what is imported, not by a clock; `python -m benchmarks.run cold-start` measures the time.)"""

import json
import subprocess
import sys

HEAVY = ["pydantic", "numpy", "onnxruntime", "tokenizers", "torch", "transformers", "chromadb", "streamlit", "openai"]


def test_the_command_line_imports_nothing_heavy_before_a_command_runs():
    probe = "import json, sys, mockint.cli.main; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout))
    assert [name for name in HEAVY if name in loaded] == []


def test_help_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "mockint.cli.main", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "grade" in done.stdout and "search" in done.stdout
