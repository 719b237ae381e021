"""How the app presents what it shows: topic names, the dimension bars, the reference, the tab icon. Pieces are
driven through Streamlit's AppTest on a real SQLite history."""

from streamlit.testing.v1 import AppTest

from mockint.history.database import History
from mockint.types.topics import topic_name
from test_history import make_grade

TIMEOUT = 60


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
