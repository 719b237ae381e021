"""The app's figures, measured in a real browser against `streamlit run` (`python -m benchmarks.run app`).

- launch -> first question answerable: from starting the server process until the question and the chat
  input are on screen in Chromium (the browser is started beforehand, so its own start-up is not counted);
- first page load -> first question answerable: the same end, from opening the page once the server answers;
- submit -> feedback with the offline grader: from pressing Enter until the feedback card shows. The first
  answer may include warming the grader up; later answers are the steady state, measured both when the
  answer is sent THINK_S after the question appears (a candidate needs far longer to answer; meanwhile the
  app prepares the question's reference material) and when it is sent at once;
- peak RSS of the streamlit process over the whole run.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mockint.app.server import AppServer
from mockint.config import get_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ANSWER = (
    "I would start from the core idea, explain why it works and where it breaks, and give an example "
    "from a project where it mattered, including how I measured the effect."
)
# Checked on every animation frame: Playwright's `expect` polls at up to 1 s intervals, too coarse here.
_FIRST_QUESTION_JS = """() => {
  const box = document.querySelector('[data-testid="stChatInputTextArea"]');
  return box !== null && !box.disabled && document.body.innerText.includes("Question 1 ·");
}"""
_MORE_CARDS_JS = "n => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length > n"
WARM_ANSWERS = 2  # 1 + 2 + 2 answers: the default session of 5 questions
THINK_S = 5.0


def measure_app(corpus: Path | None = None) -> dict[str, float]:
    """Seconds and MiB, keyed by figure name."""
    if not Path(CHROMIUM).exists():
        raise SystemExit("The app benchmark drives Chromium: install it with `sudo apt-get install chromium`.")
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="mockint-bench-app-") as tmp:
        env = {
            "MOCKINT_DATA_DIR": str(Path(tmp) / "data"),
            "MOCKINT_MODELS_DIR": str(get_settings().models_dir),  # this machine's export, made once
            "MOCKINT_GRADER": "offline",
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
        }
        if corpus is not None:
            env["MOCKINT_CORPUS_DIR"] = str(corpus)
        # As `make run` does: the index exists before the app is served.
        subprocess.run(
            [sys.executable, "-m", "mockint.cli.main", "index"],
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            app = AppServer(env, cwd=Path(tmp)).start()
            try:
                app.wait_healthy()
                page_load = time.perf_counter()
                page.goto(app.url, wait_until="commit")
                page.wait_for_function(_FIRST_QUESTION_JS, polling="raf", timeout=60_000)
                first_question_s = time.perf_counter() - app.started_at
                page_first_question_s = time.perf_counter() - page_load
                box = page.get_by_test_id("stChatInputTextArea")
                first = _answer(page, box, expect, 1, think_s=0.0)
                thought = [_answer(page, box, expect, n, think_s=THINK_S) for n in range(2, 2 + WARM_ANSWERS)]
                hasty = [
                    _answer(page, box, expect, n, think_s=0.0, last=n == 1 + 2 * WARM_ANSWERS)
                    for n in range(2 + WARM_ANSWERS, 2 + 2 * WARM_ANSWERS)
                ]
                peak = app.peak_rss_mib()
            finally:
                app.stop()
                browser.close()
    return {
        "first_question_s": first_question_s,
        "page_first_question_s": page_first_question_s,
        "first_feedback_s": first,
        "feedback_s": statistics.median(thought),
        "feedback_at_once_s": statistics.median(hasty),
        "peak_rss_mib": peak,
    }


def _answer(page, box, expect, number: int, *, think_s: float, last: bool = False) -> float:
    """Answer question `number`; seconds from Enter to its feedback card. Then move on to the next question."""
    cards = page.get_by_test_id("stMetricValue").count()
    page.wait_for_timeout(think_s * 1000)
    box.fill(ANSWER)
    start = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(_MORE_CARDS_JS, arg=cards, polling="raf", timeout=180_000)
    seconds = time.perf_counter() - start
    if last:
        return seconds
    # .last: while a rerun finishes, the previous step's Skip may still be on the page.
    page.get_by_role("button", name="Skip").last.click()  # skip the follow-up: on to the next question
    expect(page.get_by_text(f"Question {number + 1} ·")).to_be_visible(timeout=60_000)
    return seconds
