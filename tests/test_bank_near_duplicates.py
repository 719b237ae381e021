"""Near-duplicate questions: question and answer compared together, and the question text on its own."""

from pathlib import Path

import numpy as np
import pytest

from mockint.bank.near_duplicates import DEFAULT_THRESHOLD, QUESTION_THRESHOLD, check_bank, near_duplicates_of
from mockint.types.question import Question
from test_cli_bank import run

PAGE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "question-page.txt"


class _GroupEmbedder:
    """Texts in one group get one vector, every other text a vector of its own (cosine 0 to the rest)."""

    def __init__(self, *groups: set[str]) -> None:
        self.index = {text: n for n, group in enumerate(groups) for text in group}

    def embed(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            self.index.setdefault(text, len(self.index) + 100)
        return np.eye(256, dtype=np.float32)[[self.index[text] for text in texts]]


def _question(qid: str, question: str, answer: str) -> Question:
    return Question(
        id=qid,
        question=question,
        answer=answer,
        explanation="Why it matters.",
        follow_up="And then?",
        topic="deep-learning",
        type="conceptual",
        difficulty="easy",
    )


def test_the_same_question_with_other_answers_is_a_pair_of_its_own_named_as_such():
    # Question and answer compared together, the same question over another answer passed as distinct.
    questions = [
        _question("smoothing", "What does label smoothing do?", "Softens the one-hot targets."),
        _question("clipping", "What does label smoothing do?", "Caps the gradient norm before the update."),
        _question("dropout", "What is dropout?", "Zeroes random units."),
        _question("copy", "What is dropout?", "Zeroes random units."),
    ]
    pairs = check_bank(questions, _GroupEmbedder())
    assert [str(p) for p in pairs] == [
        f"near-duplicate (question text 1.00 >= {QUESTION_THRESHOLD:.2f}): smoothing ~ clipping",
        f"near-duplicate (question text 1.00 >= {QUESTION_THRESHOLD:.2f}): dropout ~ copy",
    ]  # the copy, near on both measures, is named once
    [new_first] = near_duplicates_of({"clipping"}, questions, _GroupEmbedder())
    assert (new_first.first, new_first.second, new_first.same_question) == ("clipping", "smoothing", True)


def test_questions_worded_apart_are_still_compared_with_their_answers():
    questions = [
        _question("dropout", "What is dropout?", "Zeroes random units."),
        _question("dropout-explained", "Can you explain dropout?", "Switches off random units."),
        _question("cnn", "What is a CNN?", "Learns filters."),
    ]
    near = {"What is dropout?\nZeroes random units.", "Can you explain dropout?\nSwitches off random units."}
    [pair] = check_bank(questions, _GroupEmbedder(near))
    assert str(pair) == f"near-duplicate (1.00 >= {DEFAULT_THRESHOLD:.2f}): dropout ~ dropout-explained"
    assert check_bank(questions, _GroupEmbedder(near), threshold=1.01) == []


@pytest.mark.slow
def test_the_question_threshold_parts_rewordings_from_questions_differing_in_one_term():
    # The hand-written pairs QUESTION_THRESHOLD's comment is measured on.
    from mockint.doors.embeddings import shared_local_embedder

    reworded = [
        ("What does label smoothing do?", "What does label-smoothing do"),
        ("What does label smoothing do?", "what does label smoothing do?"),
        ("What is dropout?", "What's dropout?"),
        ("What is gradient clipping and when do you need it?", "What is gradient clipping, and when is it needed?"),
    ]
    one_term = [
        ("What is a type I error?", "What is a type II error?"),
        ("What is L1 regularization?", "What is L2 regularization?"),
        ("What is overfitting?", "What is underfitting?"),
    ]
    embedder = shared_local_embedder()

    def cosine(a: str, b: str) -> float:
        va, vb = embedder.embed([a, b])
        return float(va @ vb / np.linalg.norm(va) / np.linalg.norm(vb))

    assert min(cosine(a, b) for a, b in reworded) >= QUESTION_THRESHOLD
    assert max(cosine(a, b) for a, b in one_term) < QUESTION_THRESHOLD


@pytest.mark.slow
def test_a_page_asking_one_question_twice_is_flagged_on_import_and_by_validate(capsys, tmp_path):
    # The reviewer's page: the second title changed to the first's, its gradient-clipping answer kept. It was
    # added as what-does-label-smoothing-do-2 without a word, and validate said "0 near-duplicate pairs".
    text = PAGE.read_text(encoding="utf-8")
    page = tmp_path / "dup-title.txt"
    page.write_text(
        text.replace("What is gradient clipping and when do you need it?medium", "What does label smoothing do?medium"),
        encoding="utf-8",
    )
    bank = tmp_path / "bank"
    code, out, _ = run(capsys, "bank", "import", str(page), "--corpus", str(bank))
    assert code == 0 and "2 added" in out
    flagged = "): what-does-label-smoothing-do ~ what-does-label-smoothing-do-2"
    [line] = [line for line in out.splitlines() if line.startswith("near-duplicate")]
    assert line.startswith("near-duplicate (question text 1.00 >= ") and line.endswith(flagged)
    code, out, _ = run(capsys, "bank", "validate", "--corpus", str(bank))
    assert code == 1 and "1 near-duplicate pair\n" in out
    assert "near-duplicate (question text 1.00 >= " in out
