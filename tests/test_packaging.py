"""An installed mockint (a wheel, not this checkout) finds its prompts, question bank and fitted files."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_prompts_and_corpus_and_finds_them(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(wheels),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("mockint-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True
    )
    probe = (
        "import json, mockint.resources as r, mockint.doors.prompts as p;"
        "from mockint.doors.bank_files import load_bank;"
        "from mockint.grading.offline.answer_scorer import ADAPTER_DIR;"
        "print(json.dumps({'module': r.__file__, 'prompts': str(r.prompts_dir()), 'corpus': str(r.corpus_dir()),"
        "'questions': len(load_bank().questions), 'adapter': sorted(p.name for p in ADAPTER_DIR.iterdir())}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout)
    assert found["module"].startswith(str(site))
    assert found["prompts"].startswith(str(site)) and any(Path(found["prompts"]).glob("*.yaml"))
    assert found["corpus"].startswith(str(site))
    assert found["questions"] >= 300
    # The offline grader's fitted files travel with the code.
    assert {"adapter_config.json", "adapter_model.safetensors"} <= set(found["adapter"])


def _make_dry_run(target: str, tmp_path: Path, *variables: str) -> list[str]:
    """What `make target` would run from a fresh clone (no venv yet), without running it."""
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}", *variables],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def test_torch_comes_from_the_default_index_unless_torch_index_names_one(tmp_path):
    (default,) = [line for line in _make_dry_run("setup", tmp_path) if "torch==" in line]
    assert "--index-url" not in default
    cpu = "https://download.pytorch.org/whl/cpu"
    (chosen,) = [line for line in _make_dry_run("setup", tmp_path, f"TORCH_INDEX={cpu}") if "torch==" in line]
    assert chosen.endswith(f"--index-url {cpu}")


def test_make_bench_installs_the_test_extras_its_app_benchmark_imports_first(tmp_path):
    """The default set runs the app benchmark, which imports playwright (a test extra)."""
    lines = _make_dry_run("bench", tmp_path)
    extras = next(i for i, line in enumerate(lines) if "[test" in line)
    bench = next(i for i, line in enumerate(lines) if "benchmarks.run" in line)
    assert extras < bench
