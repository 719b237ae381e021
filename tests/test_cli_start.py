"""`mockint --help` must start fast: the command module imports nothing heavy until a command needs it.
(Checked by what is imported, not by a clock; `python -m benchmarks.run cold-start` measures the time.)"""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mockint.cli.main import main

HEAVY = ["pydantic", "numpy", "onnxruntime", "tokenizers", "torch", "transformers", "chromadb", "streamlit", "openai"]


def test_the_command_line_imports_nothing_heavy_before_a_command_runs():
    probe = "import json, sys, mockint.cli.main; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout))
    assert [name for name in HEAVY if name in loaded] == []


def test_help_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "mockint.cli.main", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "grade" in done.stdout and "search" in done.stdout


def _help(*args: str, columns: int = 100) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", *args, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_reads_as_usage_not_as_python_annotations():
    pages = {args: _help(*args) for args in [(), ("search",), ("bank", "import"), ("eval",), ("app",), ("grade",)]}
    for args, text in pages.items():
        # A flag takes no value, so it gets no label; a list option names one value, not `list[str]`.
        assert "<bool>" not in text and "list[" not in text and "int range" not in text, args
        usage = next(line for line in text.splitlines() if "Usage:" in line)
        assert "{" not in usage, args
    assert "search [OPTIONS] QUERY" in pages[("search",)]
    assert "bank import [OPTIONS] FILE" in pages[("bank", "import")]
    assert "[OPTIONS] COMMAND [ARGS]..." in pages[()]
    assert "--tag                 <tag>" in pages[("search",)]
    missing = subprocess.run([sys.executable, "-m", "mockint.cli.main", "search"], capture_output=True, text=True)
    assert missing.returncode == 2 and "Missing argument 'QUERY'" in missing.stderr


COMMANDS = [(), ("app",), ("eval",), ("grade",), ("index",), ("search",), ("transcribe",)]
COMMANDS += [("bank",), ("bank", "import"), ("bank", "validate"), ("bank", "stats")]


def test_help_reads_whole_at_80_columns_and_labels_options_alike():
    # At 80 columns `eval --help` cut descriptions off ("split=unseen_question…") and `--progress --no-progress`
    # took a column of its own; `grade --grader <str>` was `eval --grader <grader>`.
    pages = {args: _help(*args, columns=80) for args in COMMANDS}
    for args, text in pages.items():
        assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80, args
    assert "split=unseen_questions;" in pages[("eval",)] and "eval/runs/<timestamp>-<label>." in pages[("eval",)]
    assert "--progress" not in pages[("eval",)].replace("--no-progress", "")
    assert "--near-duplicates" not in pages[("bank", "validate")].replace("--no-near-duplicates", "")
    graders = {args: re.search(r"--grader +(\S+)", pages[args]).group(1) for args in [("eval",), ("grade",)]}
    assert set(graders.values()) == {"<grader>"}, graders


def test_app_on_a_port_in_use_is_one_line_before_anything_is_served():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "mockint.cli.main", "app", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stdout == ""  # no "serving on" line for a server that never served
    assert done.stderr == (
        f"mockint: Port {port} is in use on 127.0.0.1: another program (perhaps another mockint app) serves there. "
        "Pass --port N for another port (or set MOCKINT_PORT), or stop the other process.\n"
    )


def test_app_serves_on_the_port_set_in_env_file(tmp_path: Path):
    # MOCKINT_PORT in .env was ignored (typer read the environment only) and the app served on 8501.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / ".env").write_text(f"MOCKINT_PORT={port}\n")
    app = subprocess.Popen(
        [sys.executable, "-m", "mockint.cli.main", "app"], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert app.stdout.readline() == f"mockint: serving on http://127.0.0.1:{port}  (Ctrl+C to stop)\n"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert app.poll() is None and time.monotonic() < deadline, "the app never listened on the port"
                time.sleep(0.2)
    finally:
        app.terminate()
        app.wait(timeout=30)
        app.stdout.close()


def test_a_number_out_of_its_range_is_said_in_plain_words(tmp_path: Path):
    # `-k 0` said "Input should be greater than or equal to 1", pydantic's wording.
    said = {
        ("search", "x", "-k", "0"): "Invalid value for '-k': give a whole number from 1 to 100.",
        ("search", "x", "-k", "many"): "Invalid value for '-k': give a whole number from 1 to 100.",
        ("eval", "--resamples", "5"): "Invalid value for '--resamples': give a whole number of at least 100.",
        ("bank", "validate", "--threshold", "2"): "Invalid value for '--threshold': give a number from 0 to 1.",
        ("app", "--port", "0"): "Invalid value for '--port': give a whole number from 1 to 65535.",
        ("eval", "--seed", "abc"): "Invalid value for '--seed': give a whole number.",
    }
    for args, message in said.items():
        done = subprocess.run(
            [sys.executable, "-m", "mockint.cli.main", *args], capture_output=True, text=True, cwd=tmp_path
        )
        flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", done.stderr).split())
        assert done.returncode == 2 and message in flat and "Input should be" not in flat, (args, done.stderr)


class _CtrlC:
    """Standard input as Ctrl-C finds it while the answer is awaited: its read raises KeyboardInterrupt."""

    buffer = property(lambda self: self)

    def read(self, *_):
        raise KeyboardInterrupt

    def isatty(self):
        return False


def test_ctrl_c_says_so_in_one_line_and_exits_130(monkeypatch, capsys):
    # Typer turned Ctrl-C into exit 130 without a word: the user could not tell a stop from a crash. In-process,
    # so the interrupt lands where the command waits and not in the interpreter's start-up.
    monkeypatch.setattr(sys, "stdin", _CtrlC())
    monkeypatch.setattr(sys, "argv", ["mockint", "grade", "-q", "what-is-dropout", "--answer", "-"])
    with pytest.raises(SystemExit) as exit:
        main()
    assert exit.value.code == 130 and capsys.readouterr().err == "mockint: interrupted.\n"
