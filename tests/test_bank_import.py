"""Importing question pages: every field survives, malformed pages are refused whole, nothing half-written."""

import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockint.bank.importer import import_page, parse_question_page
from mockint.doors.bank_files import load_bank
from mockint.errors import BankError, ImportFormatError

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / "interviewskill-deep-learning.txt"

PAGE = """\
InterviewSkill

Deep Learning Interview Questions

Neural network fundamentals.

2 questions
Deep Learning

What is backpropagation?medium

Type
conceptual
Topic
backpropagation
Frequency
common
Tags
backpropagation, calculus
Answer

It computes gradients layer by layer.

Explanation

The chain rule, applied backwards.

Second paragraph.

Follow-upHow does it relate to gradient descent?

Design a feature store.hard

Type
system design
Topic
mlops
Frequency
very common
Tags
mlops
Answer

Offline and online stores kept consistent.

Explanation

Point-in-time joins avoid leakage.

Follow-upHow do you backfill?
"""


@pytest.fixture
def seed() -> Path:
    if not SEED.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SEED} is missing under CI: the shared seeds must sit beside the repository")
        pytest.skip(f"{SEED} not found: the shared seed pages live in ../shared beside the repository")
    return SEED


@pytest.fixture
def corpus(tmp_path) -> Path:
    return tmp_path / "corpus"


def _page(tmp_path, text: str = PAGE, name: str = "site-page.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_all_seed_questions_import_with_every_field_intact(seed, corpus):
    report = import_page(seed, corpus_dir=corpus)
    assert report.written and len(report.added) == 15 and report.target == corpus / "deep-learning.yaml"
    bank = load_bank(corpus)
    assert len(bank) == 15
    raw = seed.read_text(encoding="utf-8")
    for q in bank.questions:
        assert q.topic == "deep-learning" and q.source == "interviewskill-deep-learning"
        for text in (q.question, q.answer, q.explanation, q.follow_up, q.subtopic):
            assert text in raw  # verbatim
        assert f"{q.question}{q.difficulty.value}\n" in raw
        assert f"Follow-up{q.follow_up}\n" in raw
        assert f"Topic\n{q.subtopic}\nFrequency\n{q.frequency.value}\nTags\n{', '.join(q.tags)}\n" in raw
        assert f"Type\n{q.type.value}\n" in raw
    assert Counter(q.type.value for q in bank.questions) == {"conceptual": 14, "scenario": 1}
    assert Counter(q.difficulty.value for q in bank.questions) == {"medium": 11, "hard": 4}
    first = bank.get("what-is-backpropagation")
    assert first.model_dump(exclude={"key_points", "follow_up_answer"}) == {
        "id": "what-is-backpropagation",
        "question": "What is backpropagation?",
        "answer": "It computes gradients layer by layer so neural networks can learn.",
        "explanation": "Backpropagation applies the chain rule to calculate how each weight contributed to loss, "
        "then an optimizer updates weights.",
        "follow_up": "How does backpropagation relate to gradient descent?",
        "topic": "deep-learning",
        "subtopic": "backpropagation",
        "type": "conceptual",
        "difficulty": "medium",
        "frequency": "common",
        "tags": ["backpropagation"],
        "source": "interviewskill-deep-learning",
    }
    transformer = bank.get("explain-the-transformer-architecture-from-scratch")
    assert "softmax(QKᵀ/√d_k)V" in transformer.explanation
    assert transformer.tags == ["deep-learning", "explain", "the", "transformer", "architecture", "from"]


def test_reimport_skips_identical_questions_and_writes_nothing(seed, corpus):
    import_page(seed, corpus_dir=corpus)
    before = (corpus / "deep-learning.yaml").stat().st_mtime_ns
    report = import_page(seed, corpus_dir=corpus)
    assert (report.added, report.replaced, len(report.skipped), report.written) == ([], [], 15, False)
    assert (corpus / "deep-learning.yaml").stat().st_mtime_ns == before


def test_page_fields_map_and_paragraphs_survive(tmp_path):
    page = parse_question_page(PAGE, source="site-page")
    first, second = page.questions
    assert page.topic == "deep-learning"
    assert first.explanation == "The chain rule, applied backwards.\n\nSecond paragraph."
    assert first.tags == ["backpropagation", "calculus"]
    assert (second.type, second.frequency, second.difficulty) == ("system-design", "very-common", "hard")
    assert parse_question_page(PAGE, source="s", topic="ml-systems").questions[0].topic == "ml-systems"


def test_a_question_repeated_on_the_page_is_imported_once_and_a_same_titled_one_gets_its_own_id(tmp_path, corpus):
    # A block pasted twice was written as a second question, `what-is-backpropagation-2`.
    block = PAGE.split("What is backpropagation?medium")[1].split("Design a feature store.hard")[0]
    other = block.replace("It computes gradients layer by layer.", "Reverse-mode differentiation.")
    twice = PAGE.replace("2 questions", "3 questions") + "\nWhat is backpropagation?medium" + block
    page = parse_question_page(twice, source="s")
    assert [q.id for q in page.questions] == ["what-is-backpropagation", "design-a-feature-store"]
    assert page.repeated == ["what-is-backpropagation"]
    report = import_page(_page(tmp_path, twice), corpus_dir=corpus)
    assert (report.added, report.repeated) == (["what-is-backpropagation", "design-a-feature-store"], page.repeated)
    assert len(load_bank(corpus)) == 2
    retitled = PAGE.replace("2 questions", "3 questions") + "\nWhat is backpropagation?medium" + other
    ids = [q.id for q in parse_question_page(retitled, source="s").questions]
    assert ids == ["what-is-backpropagation", "design-a-feature-store", "what-is-backpropagation-2"]


def test_a_malformed_page_message_ends_its_sentence_before_the_fix():
    # "... has no 'Answer' Fix the page": the hint ran on without a full stop (MockintError now ends the sentence).
    with pytest.raises(ImportFormatError) as missing:
        parse_question_page(PAGE.replace("Answer\n\nOffline and online stores kept consistent.\n\n", ""), source="s")
    assert "has no 'Answer'. Fix the page" in str(missing.value)
    with pytest.raises(ImportFormatError) as asked:
        parse_question_page("Site\n", source="s")
    assert "is this a question page? Fix the page" in str(asked.value)


@pytest.mark.parametrize(
    ("broken", "line", "words"),
    [
        (PAGE.replace("What is backpropagation?medium", "What is backpropagation?"), 10, "difficulty"),
        (PAGE.replace("Type\nsystem design", "Type\nessay"), 34, "'essay' is not a valid Type; use one of"),
        (PAGE.replace("Type\nsystem design", "Tpye\nsystem design"), 34, "expected one of"),
        (PAGE.replace("Explanation\n\nPoint-in-time", "Explantion\n\nPoint-in-time"), 32, "no 'Explanation'"),
        (PAGE.replace("2 questions", "3 questions"), 7, "announces 3"),
        (PAGE.replace("2 questions\n", ""), 1, "N questions"),
        (PAGE.replace("Follow-upHow do you backfill?\n", ""), 50, "ends before"),
        (PAGE.replace("Tags\nmlops\n", "Tags\n"), 40, "'Tags' has no value"),
    ],
)
def test_malformed_page_is_refused_with_its_line_and_nothing_is_written(tmp_path, corpus, broken, line, words):
    with pytest.raises(ImportFormatError) as info:
        import_page(_page(tmp_path, broken), corpus_dir=corpus)
    assert f"line {line}:" in str(info.value) and words in str(info.value)
    assert not (corpus / "deep-learning.yaml").exists()


def test_changed_question_is_refused_unless_replace_which_keeps_hand_added_fields(tmp_path, corpus):
    import_page(_page(tmp_path), corpus_dir=corpus)
    target = corpus / "deep-learning.yaml"
    enriched = target.read_text(encoding="utf-8").replace(
        "key_points: []", "key_points: [Chain rule applied backwards.]", 1
    )
    target.write_text("# curated by hand\n" + enriched, encoding="utf-8")
    changed = _page(tmp_path, PAGE.replace("It computes gradients layer by layer.", "It computes gradients."))

    with pytest.raises(BankError, match="--replace"):
        import_page(changed, corpus_dir=corpus)
    assert load_bank(corpus).get("what-is-backpropagation").answer == "It computes gradients layer by layer."

    report = import_page(changed, corpus_dir=corpus, replace=True)
    assert report.replaced == ["what-is-backpropagation"] and report.skipped == ["design-a-feature-store"]
    updated = load_bank(corpus).get("what-is-backpropagation")
    assert updated.answer == "It computes gradients." and updated.key_points == ["Chain rule applied backwards."]


def test_adding_to_an_existing_file_keeps_its_comments(tmp_path, corpus):
    first_only = PAGE.replace("2 questions", "1 questions").split("Design a feature store.hard")[0]
    import_page(_page(tmp_path, first_only), corpus_dir=corpus)
    target = corpus / "deep-learning.yaml"
    target.write_text("# curated by hand\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    report = import_page(_page(tmp_path), corpus_dir=corpus)
    assert report.added == ["design-a-feature-store"] and report.skipped == ["what-is-backpropagation"]
    assert target.read_text(encoding="utf-8").startswith("# curated by hand\n")
    assert [q.id for q in load_bank(corpus).questions] == ["what-is-backpropagation", "design-a-feature-store"]


def test_dry_run_writes_nothing(tmp_path, corpus):
    report = import_page(_page(tmp_path), corpus_dir=corpus, dry_run=True)
    assert report.added == ["what-is-backpropagation", "design-a-feature-store"] and not report.written
    assert not (corpus / "deep-learning.yaml").exists()


def test_import_refuses_when_the_merged_bank_would_be_invalid(tmp_path, corpus):
    corpus.mkdir()
    (corpus / "other.yaml").write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(BankError, match="nothing was imported"):
        import_page(_page(tmp_path), corpus_dir=corpus)
    assert not (corpus / "deep-learning.yaml").exists()


def test_id_living_in_another_topic_file_is_refused(tmp_path, corpus):
    import_page(_page(tmp_path), corpus_dir=corpus, topic="basics")
    changed = _page(tmp_path, PAGE.replace("It computes gradients layer by layer.", "Gradients."))
    with pytest.raises(BankError, match=r"lives in basics\.yaml"):
        import_page(changed, corpus_dir=corpus, replace=True)
    assert not (corpus / "deep-learning.yaml").exists()


_line = st.sampled_from(
    [
        "InterviewSkill",
        "2 questions",
        "1 questions",
        "Deep Learning",
        "What is X?medium",
        "Type",
        "conceptual",
        "Topic",
        "Frequency",
        "common",
        "Tags",
        "a, b",
        "Answer",
        "Explanation",
        "Follow-upWhy?",
        "Follow-up",
        "",
        "easy",
        "hard",
        "???",
    ]
)


@st.composite
def _mutated_page(draw) -> str:
    """The valid page with a few lines dropped, replaced or truncated: near-misses exercise every branch."""
    lines = PAGE.split("\n")
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.one_of(st.just(""), _line, st.just(lines[i][: draw(st.integers(0, 30))])))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(st.one_of(_line, st.text(max_size=20)), max_size=60).map("\n".join),
        _mutated_page(),
    )
)
def test_arbitrary_text_parses_or_raises_import_format_error(text):
    try:
        page = parse_question_page(text, source="fuzz")
    except ImportFormatError as exc:
        assert str(exc).startswith("line ")
    else:
        assert all(q.topic == page.topic for q in page.questions)


def test_the_same_page_under_another_file_name_is_already_in_the_bank(tmp_path, corpus):
    # `source` comes from the file name, and was compared: a byte-identical copy "differed" in every question.
    import_page(_page(tmp_path), corpus_dir=corpus)
    before = (corpus / "deep-learning.yaml").read_text(encoding="utf-8")
    report = import_page(_page(tmp_path, name="copy-of-the-page.txt"), corpus_dir=corpus)
    assert (report.added, report.replaced, report.written) == ([], [], False)
    assert report.skipped == ["what-is-backpropagation", "design-a-feature-store"]
    assert (corpus / "deep-learning.yaml").read_text(encoding="utf-8") == before


def test_only_the_question_that_changed_is_a_conflict_and_its_changed_fields_are_named(tmp_path, corpus):
    # Editing one answer in a copy named changed.txt flagged both questions, and --replace "replaced" both.
    import_page(_page(tmp_path), corpus_dir=corpus)
    changed = _page(tmp_path, PAGE.replace("Offline and online stores kept consistent.", "One store."), "changed.txt")
    with pytest.raises(BankError) as info:
        import_page(changed, corpus_dir=corpus)
    assert "1 imported question(s) differ from bank entries with the same id: design-a-feature-store (answer)." in (
        str(info.value)
    )
    assert "what-is-backpropagation" not in str(info.value)
    report = import_page(changed, corpus_dir=corpus, replace=True)
    assert (report.replaced, report.skipped) == (["design-a-feature-store"], ["what-is-backpropagation"])
    bank = load_bank(corpus)
    assert bank.get("design-a-feature-store").source == "changed"
    assert bank.get("what-is-backpropagation").source == "site-page"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("deep-learning.yaml", "is a bank file, not a question page: import reads pages only. Copy it into"),
        ("bank.yml", "is a bank file, not a question page"),
        ("bank.csv", "is a CSV file: import reads question pages only. Write the questions as a page"),
    ],
)
def test_a_bank_file_or_a_table_is_not_told_to_fix_the_page(tmp_path, corpus, name, words):
    # A YAML bank file or a CSV was told "line 1: no 'N questions' line ... Fix the page".
    with pytest.raises(ImportFormatError) as info:
        import_page(_page(tmp_path, "questions: []\n", name), corpus_dir=corpus)
    assert words in str(info.value) and "Fix the page" not in str(info.value)
    assert not corpus.exists()


def test_refusals_name_the_corpus_to_validate_and_how_to_preview_a_replace(tmp_path, corpus):
    # "Fix it first (`mockint bank validate`)" validated the shipped bank, not the one being imported into.
    import_page(_page(tmp_path), corpus_dir=corpus)
    changed = _page(tmp_path, PAGE.replace("It computes gradients layer by layer.", "Gradients."), "changed.txt")
    with pytest.raises(BankError) as dry:
        import_page(changed, corpus_dir=corpus, dry_run=True)
    assert "Pass --replace to overwrite them" in str(dry.value) and "with --dry-run to see what it would write" in (
        str(dry.value)
    )
    (corpus / "other.yaml").write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(BankError) as broken:
        import_page(changed, corpus_dir=corpus)
    assert f"Fix it first (`mockint bank validate --corpus {corpus}` lists them)" in str(broken.value)


def test_every_problem_of_a_page_is_reported_at_once(tmp_path, corpus):
    # Only the first was: fix it, import again, and only then learn of the next.
    broken = PAGE.replace("What is backpropagation?medium", "What is backpropagation?trivial").replace(
        "Type\nsystem design", "Type\ntheory"
    )
    with pytest.raises(ImportFormatError) as info:
        import_page(_page(tmp_path, broken), corpus_dir=corpus)
    message = str(info.value)
    assert message.count("line ") == 2 and message.count("Fix the page") == 1
    assert "line 10: expected a question title ending in its difficulty" in message
    assert "; line 34: 'theory' is not a valid Type; use one of conceptual" in message
    assert not corpus.exists()
    # A paragraph ending in "hard" is not taken for the next question's title.
    hard = broken.replace("Second paragraph.", "Training without it is hard")
    with pytest.raises(ImportFormatError) as again:
        import_page(_page(tmp_path, hard), corpus_dir=corpus)
    assert str(again.value) == message
