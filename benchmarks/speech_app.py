"""A spoken answer in the app, measured in a real browser (`python -m benchmarks.run speech-app`).

The candidate opens the app, presses Record as soon as the first question is on screen, speaks for 10 s
(Chromium's fake microphone plays an espeak-ng answer padded to 10 s) and presses Stop. The figure is the
time from Stop until the transcript is on screen for correction: upload, Streamlit's rerun and offline
transcription with the question bias, the Whisper model having been warmed in the background meanwhile.
"""

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from benchmarks.app import CHROMIUM, CHROMIUM_ARGS
from mockint.app.server import AppServer
from mockint.config import get_settings
from mockint.speech.transcription import speak

RECORDING_S = 10.0
SPOKEN = (
    "Dropout randomly switches off units during training, so the network cannot rely on any single neuron, "
    "which reduces overfitting. At inference every unit is used."
)
_DRAFT_JS = "() => document.querySelector('[data-testid=\"stTextArea\"] textarea') !== null"


def ten_second_answer(path: Path) -> None:
    samples, rate = soundfile.read(io.BytesIO(speak(SPOKEN)), dtype="float32")
    length = int(RECORDING_S * rate)
    samples = np.pad(samples, (0, max(0, length - len(samples))))[:length]
    soundfile.write(str(path), samples, rate, subtype="PCM_16")


def measure_spoken_answer() -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mockint-bench-speech-") as tmp:
        wav = Path(tmp) / "answer.wav"
        ten_second_answer(wav)
        env = {
            "MOCKINT_DATA_DIR": str(Path(tmp) / "data"),
            "MOCKINT_MODELS_DIR": str(get_settings().models_dir),
            "MOCKINT_GRADER": "offline",
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
        }
        # As `make run` does: the index exists before the app is served (else the app embeds the whole bank
        # in the background, on the same two cores, while the candidate speaks).
        index = [sys.executable, "-m", "mockint.cli.main", "index"]
        subprocess.run(index, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
        microphone = [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
        ]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + microphone)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            app = AppServer(env, cwd=Path(tmp)).start()
            try:
                app.wait_healthy()
                page.goto(app.url)
                page.get_by_role("button", name="Record").wait_for(timeout=60_000)
                first_s = _record(page)
                page.get_by_role("button", name="Discard").click()
                page.wait_for_function(f"() => !({_DRAFT_JS})()", polling="raf", timeout=60_000)
                page.get_by_text("Ready.").wait_for(timeout=120_000)  # the grader has warmed up too
                again_s = _record(page)
                peak = app.peak_rss_mib()
            finally:
                app.stop()
                browser.close()
    return {"stop_to_transcript_s": first_s, "warm_stop_to_transcript_s": again_s, "peak_rss_mib": peak}


def _record(page) -> float:
    """Record RECORDING_S seconds; seconds from Stop until the transcript is on screen."""
    page.get_by_role("button", name="Record").click()
    page.wait_for_timeout(RECORDING_S * 1000)
    stopped = time.perf_counter()
    page.get_by_role("button", name="Stop recording").click()
    page.wait_for_function(_DRAFT_JS, polling="raf", timeout=120_000)
    return time.perf_counter() - stopped
