"""Bank loading and validation: every problem is located by file, question, field (and line)."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mockint.config import get_settings
from mockint.doors.bank_files import Bank, BankValidationError, dump_questions, load_bank, stats, validate_corpus
from mockint.errors import BankError
from mockint.types.question import Question, QuestionFilter


def _question(**overrides) -> dict:
    fields = {
        "id": "what-is-dropout",
        "question": "What is dropout?",
        "answer": "Randomly zeroing activations during training.",
        "explanation": "It stops co-adaptation of units.",
        "follow_up": "Is dropout used at inference?",
        "topic": "deep-learning",
        "type": "conceptual",
        "difficulty": "medium",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def _write(corpus, name: str, questions: list[dict]) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text(yaml.safe_dump({"questions": questions}, sort_keys=False), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus"
    path.mkdir()
    return path


def _only_problem(corpus):
    report = validate_corpus(corpus)
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def test_loads_questions_in_stable_order_and_groups_them(corpus):
    _write(corpus, "b.yaml", [_question(id="b1", topic="nlp"), _question(id="b2", topic="nlp")])
    _write(corpus, "a.yaml", [_question(id="a1")])
    bank = load_bank(corpus)
    assert [q.id for q in bank.questions] == ["a1", "b1", "b2"]
    assert bank.topics == ["deep-learning", "nlp"]
    grouped = {t: [q.id for q in qs] for t, qs in bank.by_topic().items()}
    assert grouped == {"deep-learning": ["a1"], "nlp": ["b1", "b2"]}
    assert bank.get("b2").topic == "nlp"
    assert stats(bank)["topic"] == {"nlp": 2, "deep-learning": 1}


def test_default_corpus_dir_comes_from_settings(corpus, monkeypatch):
    from mockint.config import get_settings

    _write(corpus, "x.yaml", [_question(id="from-settings")])
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(corpus))
    get_settings.cache_clear()
    assert [q.id for q in load_bank().questions] == ["from-settings"]


def test_unknown_id_says_how_to_find_ids(corpus):
    _write(corpus, "a.yaml", [_question()])
    with pytest.raises(BankError) as info:
        load_bank(corpus).get("what-is-dropuot")
    message = str(info.value)
    assert "what-is-dropuot" in message and "Did you mean: what-is-dropout" in message
    assert "mockint search" in message and "mockint bank stats" in message


def test_duplicate_id_names_both_places(corpus):
    _write(corpus, "a.yaml", [_question()])
    _write(corpus, "b.yaml", [_question(id="other"), _question()])
    problem = _only_problem(corpus)
    assert (problem.file, problem.question, problem.field) == ("corpus/b.yaml", "what-is-dropout", "id")
    assert "corpus/a.yaml:2" in problem.message
    assert problem.line == 10


def test_missing_field(corpus):
    _write(corpus, "a.yaml", [_question(answer=None)])
    problem = _only_problem(corpus)
    assert (problem.file, problem.question, problem.field) == ("corpus/a.yaml", "what-is-dropout", "answer")
    assert "missing" in problem.message


def test_empty_field(corpus):
    _write(corpus, "a.yaml", [_question(explanation="   ")])
    problem = _only_problem(corpus)
    assert (problem.question, problem.field) == ("what-is-dropout", "explanation")
    assert "must not be empty" in problem.message


def test_unknown_field_suggests_the_right_name(corpus):
    _write(corpus, "a.yaml", [{**_question(), "folow_up_answer": "No."}])
    problem = _only_problem(corpus)
    assert problem.field == "folow_up_answer"
    assert "unknown field" in problem.message and "did you mean 'follow_up_answer'" in problem.message


def test_bad_enum_value_lists_allowed_values(corpus):
    _write(corpus, "a.yaml", [_question(difficulty="tricky")])
    problem = _only_problem(corpus)
    assert problem.field == "difficulty"
    assert "'tricky'" in problem.message and all(v in problem.message for v in ("easy", "medium", "hard"))


def test_question_without_id_is_named_by_position(corpus):
    _write(corpus, "a.yaml", [_question(id="first"), _question(id=None)])
    problem = _only_problem(corpus)
    assert (problem.question, problem.field) == ("#2", "id")


def test_yaml_syntax_error_has_its_line(corpus):
    (corpus / "a.yaml").write_text("questions:\n  - id: x\n    question: [unclosed\n    answer: y\n", encoding="utf-8")
    problem = _only_problem(corpus)
    assert problem.file == "corpus/a.yaml"
    assert "YAML syntax error" in problem.message
    assert problem.line in (3, 4, 5)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "items: []\n", "questions: {a: 1}\n"])
def test_file_that_is_not_a_questions_mapping(corpus, text):
    (corpus / "a.yaml").write_text(text, encoding="utf-8")
    problem = _only_problem(corpus)
    assert problem.file == "corpus/a.yaml"
    assert "questions" in problem.message


def test_all_problems_across_files_are_collected_and_nothing_is_half_loaded(corpus):
    _write(corpus, "a.yaml", [_question(id="ok-1"), _question(id="bad-1", type="essay")])
    _write(corpus, "b.yaml", [_question(id="bad-2", answer=""), _question(id="bad-3", topic="Not A Slug")])
    (corpus / "c.yaml").write_text("questions: [\n", encoding="utf-8")
    _write(corpus, "d.yaml", [_question(id="bad-4", difficulty=None)])
    report = validate_corpus(corpus)
    assert len(report.problems) == 5
    with pytest.raises(BankValidationError) as info:
        load_bank(corpus)
    err = info.value
    assert len(err.problems) == 5
    assert "5 problems" in str(err) and "and 2 more" in str(err) and "mockint bank validate" in str(err)


def test_missing_corpus_dir_says_how_to_point_at_one(tmp_path, monkeypatch):
    # A folder the caller named (`--corpus`) is a path to check; one from MOCKINT_CORPUS_DIR is fixed there.
    with pytest.raises(BankError, match="Check the path") as given:
        load_bank(tmp_path / "nope")
    assert "MOCKINT_CORPUS_DIR" not in str(given.value)
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(tmp_path / "nope"))
    get_settings.cache_clear()
    with pytest.raises(BankError, match="Set MOCKINT_CORPUS_DIR to a folder of bank YAML files") as configured:
        load_bank()
    assert "--corpus" not in str(configured.value)


def test_a_yml_file_is_read_like_a_yaml_one(corpus):
    # A `notes.yml` beside `systems.yaml` was skipped without a word.
    _write(corpus, "systems.yaml", [_question(id="q-yaml")])
    _write(corpus, "notes.yml", [_question(id="q-yml")])
    assert [q.id for q in load_bank(corpus)] == ["q-yml", "q-yaml"]


@pytest.mark.parametrize("files", [{}, {"a.yaml": "questions: []\n"}, {"notes.txt": "questions: []\n"}])
def test_a_bank_without_questions_is_an_error_saying_where_and_what_a_bank_file_is(corpus, files):
    # An empty bank loaded as 0 questions: `index` said "0 added" and the app blamed the sidebar's filters.
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    with pytest.raises(BankError) as empty:
        load_bank(corpus)
    message = str(empty.value)
    assert f"No questions in {corpus}" in message
    assert "Bank files are the *.yaml (or *.yml) files directly in that folder" in message
    assert ("hold none" in message) == ("a.yaml" in files)
    assert validate_corpus(corpus).problems == []  # the importer may still fill an empty folder


def test_shipped_corpus_is_valid():
    bank = load_bank()
    assert len(bank) >= 15 and "deep-learning" in bank.topics


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300).filter(str.strip)


@settings(max_examples=60, deadline=None)
@given(answer=_text, explanation=_text, key_points=st.lists(_text, max_size=3))
def test_dumped_questions_load_back_identically(answer, explanation, key_points):
    q = Question(**_question(answer=answer, explanation=explanation + "\n\nSecond paragraph.", key_points=key_points))
    text = dump_questions([q])
    assert Bank([Question(**item) for item in yaml.safe_load(text)["questions"]]).questions == [q]


def test_dump_is_block_style_in_schema_order():
    q = Question(**_question(key_points=["Zeroes activations with probability p."], tags=["regularisation"]))
    text = dump_questions([q])
    assert text.startswith("questions:\n- id: what-is-dropout\n  question: What is dropout?\n")
    assert text.index("key_points") < text.index("topic") < text.index("difficulty") < text.index("tags")
    assert "follow_up_answer" not in text  # unset optional fields are left out
    assert "  key_points:\n  - Zeroes activations with probability p.\n" in text
    assert "  tags: [regularisation]\n" in text


def test_question_filter_matches_every_set_field_and_ignores_empty_ones():
    questions = load_bank().questions
    q = questions[0]
    assert QuestionFilter().pool(questions) == questions
    assert QuestionFilter(topic="", difficulty=None).matches(q)
    assert QuestionFilter(topic=q.topic, difficulty=q.difficulty.value, type=q.type.value).matches(q)
    other = next(t for t in {x.topic for x in questions} if t != q.topic)
    assert not QuestionFilter(topic=other).matches(q)
    picked = QuestionFilter(topic=q.topic).pool(questions, exclude_ids={q.id})
    assert picked and q not in picked and all(x.topic == q.topic for x in picked)
