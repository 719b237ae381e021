"""How the app presents what it shows: topic names, the dimension bars, the reference, the tab icon. Pieces are
driven through Streamlit's AppTest on a real SQLite history."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from conftest import require_system_tool
from mockint.app.server import AppServer
from mockint.doors.bank_files import dump_questions, load_bank
from mockint.history.database import History
from mockint.types.topics import topic_name
from test_browser import CHROMIUM, CHROMIUM_ARGS
from test_history import make_grade

TIMEOUT = 60
ROOT = Path(__file__).resolve().parents[1]


def test_topic_names_keep_their_acronyms():
    names = {
        slug: topic_name(slug)
        for slug in ("llms-rag", "mlops", "nlp", "classical-ml", "data-engineering-sql", "python-for-ml")
    }
    assert names == {
        "llms-rag": "LLMs & RAG",
        "mlops": "MLOps",
        "nlp": "NLP",
        "classical-ml": "Classical ML",
        "data-engineering-sql": "Data engineering & SQL",
        "python-for-ml": "Python for ML",
    }
    assert topic_name("deep-learning") == "Deep learning" and topic_name("my-own-topic") == "My own topic"


def test_the_progress_page_names_topics_as_written():
    history = History.from_settings()
    sid = history.start_session("filters", {"length": 2})
    for qid, topic in (("q1", "nlp"), ("q2", "llms-rag")):
        attempt = history.add_attempt(
            session_id=sid, question_id=qid, question="Q?", topic=topic, kind="main", answer="a"
        )
        history.mark_graded(attempt, make_grade(1.0))
    progress = AppTest.from_string(
        "from mockint.app import progress_page\nprogress_page.render()", default_timeout=TIMEOUT
    ).run()
    assert not progress.exception, progress.exception
    [weak] = [d for d in progress.dataframe if "topic" in d.value.columns]
    assert sorted(weak.value["topic"]) == ["LLMs & RAG", "NLP"]


def test_sessions_to_export_are_told_apart():
    # A review found two sessions listed alike: "2026-12-05 06:46 · Focus on something (describe it) · 1 answered".
    history = History.from_settings()
    for focus in ("word2vec skip-gram and CBOW", "subword tokenizers"):
        sid = history.start_session("focus", {"focus": focus, "topic": "nlp", "length": 2})
        attempt = history.add_attempt(
            session_id=sid, question_id="q1", question="Q?", topic="nlp", kind="main", answer="a"
        )
        history.mark_graded(attempt, make_grade(1.0))
    progress = AppTest.from_string(
        "from mockint.app import progress_page\nprogress_page.render()", default_timeout=TIMEOUT
    ).run()
    assert not progress.exception, progress.exception
    labels = progress.selectbox(key="export-session").options  # as shown
    assert len(set(labels)) == 2, labels
    assert labels[0].startswith("#2 · ") and "Focus: subword tokenizers · NLP · 1 answered" in labels[0]
    assert labels[1].startswith("#1 · ") and "Focus: word2vec skip-gram and CBOW" in labels[1]


def _summary_table():
    from mockint.app.feedback_views import summary_view
    from mockint.practice.interview import QuestionResult, SessionSummary

    result = QuestionResult(
        question_id="q1", question="Q?", topic="mlops", score=2.0, follow_up_score=None, skipped=False, revealed=False
    )
    summary_view(
        SessionSummary(
            session_id="s",
            asked=1,
            answered=1,
            skipped=0,
            unanswered=0,
            mean_score=2.0,
            best=result,
            worst=result,
            results=[result],
            to_revisit=[],
        )
    )


def test_the_session_summary_names_topics_as_written():
    at = AppTest.from_function(_summary_table, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert at.table[0].value["topic"].tolist() == ["MLOps"]


QUESTION_ID = "nlp-attention-sqrt-dk-scaling"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app on one bank question, offline, served for this module's browser tests."""
    require_system_tool(CHROMIUM, "chromium")
    folder = tmp_path_factory.mktemp("served")
    (folder / "corpus").mkdir()
    question = load_bank(ROOT / "corpus").get(QUESTION_ID)
    (folder / "corpus" / "one.yaml").write_text(dump_questions([question]), encoding="utf-8")
    env = {
        "MOCKINT_DATA_DIR": str(folder / "data"),
        "MOCKINT_CORPUS_DIR": str(folder / "corpus"),
        "MOCKINT_GRADER": "offline",
        "HF_HUB_OFFLINE": "1",
    }
    with AppServer(env, cwd=folder, log=folder / "streamlit.log") as app:
        yield app.url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_pages_request_nothing_from_another_host(app_url, browser):
    """The README promises nothing leaves this machine: the tab icon had been fetched from fonts.gstatic.com."""
    from playwright.sync_api import expect

    page = browser.new_page()
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname))
    page.goto(app_url)
    expect(page.get_by_text(load_bank(ROOT / "corpus").get(QUESTION_ID).question)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Progress").click()
    expect(page.get_by_text("Nothing here yet")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)  # the favicon is set after the page's first run
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href")
    assert set(hosts) - {None} == {"127.0.0.1"}
    assert icon.startswith("data:image/svg+xml")


@pytest.mark.browser
@pytest.mark.slow
def test_the_sidebar_starts_closed_on_a_phone_and_open_on_a_desktop(app_url, browser):
    """On a phone the open sidebar covered the question on every load."""
    from playwright.sync_api import expect

    for viewport, mobile, collapsed in (({"width": 390, "height": 844}, True, "true"), (None, False, "false")):
        page = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile).new_page()
        page.goto(app_url)
        expect(page.get_by_text("Practice setup")).to_be_attached(timeout=60_000)
        assert page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == collapsed, viewport


def _dimension_bars():
    from mockint.app.feedback_views import grade_card
    from test_history import make_grade

    grade_card(make_grade(3.5))


def test_each_dimension_bar_says_its_score_out_of_five_in_words():
    """A screen reader hears each bar as "progress": the text before it is what names the score."""
    at = AppTest.from_function(_dimension_bars, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    texts = [bar.proto.text for bar in at.get("progress")]
    assert texts == [
        f"**{name}** 3.5 out of 5 — r" for name in ("Correctness", "Completeness", "Depth", "Communication")
    ]


def _revealed(explanation: str):
    from mockint.app.feedback_views import reference

    reference(
        answer="Softmax turns logits into probabilities: softmax(z_i) = e^z_i / Σe^z_j.",
        explanation=explanation,
        key_points=["Outputs sum to one"],
        expanded=True,
    )


def test_the_revealed_answer_does_not_say_the_answer_twice():
    """The bank's softmax explanation opens with its answer, word for word; the reveal showed it twice in a row."""
    at = AppTest.from_function(
        _revealed,
        args=("Softmax turns logits into probabilities: softmax(z_i) = e^z_i / Σe^z_j. Temperature T scales them.",),
        default_timeout=TIMEOUT,
    ).run()
    assert not at.exception, at.exception
    assert "**Why.** Temperature T scales them." in [m.value for m in at.markdown]
    only_the_answer = AppTest.from_function(
        _revealed,
        args=("softmax turns logits into probabilities: softmax(z_i) = e^z_i / Σe^z_j",),
        default_timeout=TIMEOUT,
    ).run()
    assert not [m.value for m in only_the_answer.markdown if m.value.startswith("**Why.**")]
    assert only_the_answer.expander[0].label == "Reference answer and key points"


def test_the_sessions_table_shows_the_scores_before_the_long_mode_label():
    """On a 390 px phone the grid scrolled sideways and hid every number behind "Browse by topic / ..."."""
    history = History.from_settings()
    sid = history.start_session("filters", {"length": 1})
    attempt = history.add_attempt(session_id=sid, question_id="q1", question="Q?", topic="nlp", kind="main", answer="a")
    history.mark_graded(attempt, make_grade(2.0))
    progress = AppTest.from_string(
        "from mockint.app import progress_page\nprogress_page.render()", default_timeout=TIMEOUT
    ).run()
    assert not progress.exception, progress.exception
    sessions = next(d for d in progress.dataframe if "mode" in d.value.columns)
    assert sessions.value.columns.tolist() == ["started", "mean score", "answered", "skipped", "mode"]
    config = json.loads(sessions.proto.columns)
    assert [config[name]["width"] for name in ("mean score", "answered", "skipped")] == ["small"] * 3


def _covered_and_missed():
    from mockint.app.feedback_views import grade_card
    from mockint.types.grade import Coverage, KeyPointResult
    from test_history import make_grade

    points = [
        KeyPointResult(point="Dropout zeroes activations", status=Coverage.covered, evidence="it zeroes units"),
        KeyPointResult(point="It is off at inference", status=Coverage.missed),
        KeyPointResult(point="It reduces co-adaptation", status=Coverage.missed),
    ]
    grade_card(make_grade(3.5).model_copy(update={"key_points": points}))


def test_the_covered_and_the_missed_points_are_listed_alike():
    """Missed points were a bulleted list beside covered points in paragraphs: the two lists looked unrelated."""
    from mockint.app.feedback_views import COVERED, MISSED

    at = AppTest.from_function(_covered_and_missed, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    texts = [m.value for m in at.markdown]
    assert f"{COVERED} Dropout zeroes activations" in texts[texts.index("**What you covered**") + 1]
    missed = texts[texts.index("**What you missed**") + 1 :][:2]
    assert missed == [f"{MISSED} It is off at inference", f"{MISSED} It reduces co-adaptation"]
