"""A focus that matches nothing in the bank is said to, with the real model over the whole shipped bank: the
measurement behind UNRELATED_FOCUS_BELOW (practice/modes.py), repeated, so a new model or a grown bank that
moves the similarities fails here instead of silently misleading candidates."""

import random

import pytest

from mockint.app.loaders import AppQuestionSource
from mockint.doors.embeddings import LOCAL_MODEL_NAME
from mockint.history.database import History
from mockint.practice.interview import InterviewSession, Mode, PracticeSetup
from mockint.practice.modes import unrelated_focus_notice
from mockint.store.questions import QuestionStore
from test_interview import LengthGrader, follow_up_item

pytestmark = pytest.mark.slow

# Subjects the bank covers, as a candidate might type them: one word to a sentence.
ON_THE_BANK = [
    "attention in transformers",
    "quiz me on attention and positional encodings",
    "gradient descent",
    "overfitting and regularization",
    "p-values and hypothesis testing",
    "RAG retrieval",
    "model deployment and monitoring",
    "feature stores",
    "SQL joins",
    "pandas performance",
    "convolutional networks",
    "object detection",
    "collaborative filtering",
    "cold start in recommendations",
    "bias variance tradeoff",
    "transformers",
    "LLM fine-tuning",
    "data drift",
    "batch normalization",
    "tokenization",
    "a/b testing",
    "decision trees",
    "embeddings",
    "kubernetes",
    "docker",
    "CI/CD for ML",
    "vector databases",
    "loss functions",
    "python generators",
    "window functions",
    "backprop",
    "random forests vs boosting",
    "precision and recall",
    "ranking metrics",
    "image augmentation",
    "prompt engineering",
    "hallucinations",
    "quantization",
    "ETL pipelines",
    "experiment tracking",
    "probability",
    "linear regression",
    "what is dropout",
    "softmax",
    "LSTM",
    "word2vec",
    "CNN",
    "SVM",
    "k-means",
    "PCA",
    "xgboost",
    "diffusion models",
]
# Other subjects, gibberish, and one ML subject the bank has no question on.
OFF_THE_BANK = [
    "asdkjh qwpoe zzzz",
    "qwerty uiop",
    "xyzzy plugh",
    "french cooking recipes",
    "football world cup",
    "medieval history",
    "gardening tips",
    "taylor swift songs",
    "how to knit a scarf",
    "aaaa",
    "lorem ipsum dolor sit amet",
    "the weather tomorrow",
    "car engine repair",
    "my cat",
    "asdf",
    "zzzz",
    "hello",
    "banana bread",
    "opera singers",
    "fishing",
    "GAN",
]


def test_a_focus_off_the_bank_gets_a_notice_and_one_on_it_none():
    store = QuestionStore.from_settings()
    store.sync()
    assert store.embedder.name == LOCAL_MODEL_NAME and len(store.bank) >= 374
    source = AppQuestionSource(store.bank, lambda: store)

    def notice(focus: str, **filters) -> str | None:
        return unrelated_focus_notice(PracticeSetup(mode=Mode.focus, focus=focus, **filters), source)

    assert [f for f in ON_THE_BANK if notice(f)] == []
    assert [f for f in OFF_THE_BANK if not notice(f)] == []
    gibberish = notice("asdkjh qwpoe zzzz")
    assert gibberish.startswith("No question is about “asdkjh qwpoe zzzz”, so the questions asked may be unrelated.")
    # What to do next, and no similarity figure a candidate cannot act on.
    assert "in other words" in gibberish and not any(c.isdigit() for c in gibberish)
    # On the bank, but not among the questions the filters leave: said as such.
    assert notice("attention in transformers", topic="mlops").startswith(
        "No question among those that match your filters is about"
    )

    session = InterviewSession(
        PracticeSetup(mode=Mode.focus, focus="asdkjh qwpoe zzzz", topic="mlops", type="behavioral", length=5),
        source=source,
        grader=LengthGrader(),
        history=History.from_settings(),
        follow_up_item=follow_up_item,
        rng=random.Random(0),
    )
    assert session.planned == 2 and len(session.notices) == 2
    assert "is about" in session.notices[0] and "only 2 questions" in session.notices[1]


def test_a_source_that_cannot_measure_a_focus_says_nothing_of_it():
    assert unrelated_focus_notice(PracticeSetup(mode=Mode.focus, focus="asdkjh"), object()) is None


def test_a_focus_asks_its_clear_best_match_not_a_weak_one():
    # A review's focus "word2vec skip-gram and CBOW" scored 0.744 on the word2vec question and 0.457 on the next,
    # yet was asked a subword-tokenization question 5 times in 7: the pick was uniform over the top three.
    store = QuestionStore.from_settings()
    store.sync()
    source = AppQuestionSource(store.bank, lambda: store)
    rng = random.Random(0)
    focus = "word2vec skip-gram and CBOW"
    assert {source.sample_next(focus=focus, rng=rng).id for _ in range(20)} == {"nlp-word2vec-skipgram-cbow"}
    # The one focused pick: the app's source asks the store, as every other caller does.
    assert {store.sample_next(focus=focus, rng=rng).id for _ in range(20)} == {"nlp-word2vec-skipgram-cbow"}
    # Once it is asked, the next best stand close together, and the pick varies among them.
    picks = {source.sample_next(exclude_ids={"nlp-word2vec-skipgram-cbow"}, focus=focus, rng=rng).id for _ in range(30)}
    assert len(picks) > 1 and "nlp-word2vec-skipgram-cbow" not in picks
