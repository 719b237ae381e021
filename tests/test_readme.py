"""The README's command-line examples, run as written, the way a new user runs them after `make run`.

The block under "On the command line" is taken from README.md and each line is run in bash from a
folder laid out like a fresh clone (the example page, `.venv`), with a fresh data directory. The first
line (`source .venv/bin/activate`) starts every command, as it would in the user's shell. `mockint app`
serves until stopped: it is checked to answer, then sent SIGTERM, which must stop Streamlit too. The
Quick start (`make run`, `make test`) and Development blocks are not run here: they are this suite's own
setup, and `make test` would run this test again.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mockint.app.server import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def readme_cli_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### On the command line") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def fresh_clone(tmp_path: Path) -> Path:
    """What the commands read from a clone after `make run`: the example page and the venv."""
    clone = tmp_path / "clone"
    (clone / "docs" / "examples").mkdir(parents=True)
    example = ROOT / "docs" / "examples" / "question-page.txt"
    (clone / "docs" / "examples" / example.name).write_bytes(example.read_bytes())
    (clone / ".venv").symlink_to(Path(sys.prefix))
    return clone


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def serve_then_sigterm(script: str, clone: Path, env: dict[str, str]) -> None:
    port = int(env["MOCKINT_PORT"])
    shell = subprocess.Popen(["bash", "-c", script], cwd=clone, env=env, start_new_session=True)
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/_stcore/health"), 120, "`mockint app` to serve")
        # bash may exec its last command, so `mockint` is the shell itself or its child.
        [mockint] = [pid for pid in (shell.pid, *children(shell.pid)) if "streamlit" not in cmdline(pid)]
        [streamlit] = children(mockint)
        assert "streamlit" in cmdline(streamlit)
        os.kill(mockint, signal.SIGTERM)
        assert shell.wait(60) == 0
        assert not alive(streamlit), "SIGTERM to `mockint app` left Streamlit running"
        assert not answers(f"http://127.0.0.1:{port}/_stcore/health")
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)


def test_every_readme_command_runs_as_written(tmp_path):
    lines = readme_cli_block()
    activate, commands = lines[0], lines[1:]
    assert activate.startswith("source .venv/bin/activate")
    assert any(c.startswith("mockint app") for c in commands)
    clone = fresh_clone(tmp_path)
    env = {**os.environ, "MOCKINT_PORT": str(free_port())}
    for command in commands:
        script = f"set -euo pipefail\n{activate}\n{command}\n"
        if command.startswith("mockint app"):
            serve_then_sigterm(script, clone, env)
            continue
        done = subprocess.run(["bash", "-c", script], cwd=clone, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"`{command}` failed:\n{done.stdout}\n{done.stderr}"
        if "--json" in command:
            assert 0 <= json.loads(done.stdout)["score"] <= 5
        if command.startswith("mockint search"):
            # A filter that leaves out the question the example searches for would teach nothing.
            assert "nlp-multi-head-attention-purpose" in done.stdout
    assert (clone / "my-bank" / "deep-learning.yaml").exists()
    assert list((clone / "eval" / "runs").glob("*/report.md"))
