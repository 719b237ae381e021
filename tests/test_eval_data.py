import json
from pathlib import Path

import pytest

from mockint.errors import EvalDataError
from mockint.evals.data import TableSpec, load_labelled, load_table, parse_filter

DATA = Path(__file__).parent / "data"
SMALL = DATA / "eval_small.jsonl"
TABLE = DATA / "eval_table.csv"


@pytest.fixture
def fixture_bank(monkeypatch):
    from mockint.config import get_settings

    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(DATA / "eval_corpus"))
    get_settings.cache_clear()


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def row(**over) -> dict:
    base = {
        "id": "x-1",
        "question_id": "fixture-dropout",
        "answer": "It regularises.",
        "gold": 2,
        "category": "partial",
        "pair_id": None,
        "variant": None,
    }
    return {**base, **over}


def test_small_set_joins_the_bank(fixture_bank):
    cases = load_labelled(SMALL)
    assert len(cases) == 15
    first = cases[0]
    assert first.item.question_id == "fixture-dropout"
    assert first.item.key_points[0] == "randomly zeroes units during training"
    assert (first.gold, first.category, first.pair_id, first.variant) == (5, "excellent", "dropout-pair-1", "clean")
    assert next(c for c in cases if c.id == "vanish-05").answer == ""


def test_a_folder_loads_every_jsonl(fixture_bank, tmp_path):
    write_rows(tmp_path / "a.jsonl", [row(id="a")])
    write_rows(tmp_path / "b.jsonl", [row(id="b")])
    assert [c.id for c in load_labelled(tmp_path)] == ["a", "b"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "bad.jsonl:2: not valid JSON"),
        (json.dumps(row(id="y", gold=7)), "bad.jsonl:2, column 'gold'"),
        (json.dumps(row(id="y", category="great")), "bad.jsonl:2, column 'category'"),
        (json.dumps(row(id="y", colour="red")), "bad.jsonl:2, column 'colour'"),
        (json.dumps(row(id="x-1")), "id 'x-1' is used twice"),
        (json.dumps(row(id="y", question_id="fixture-dropuot")), "bad.jsonl:2, column 'question_id'"),
        (json.dumps(row(id="y", variant="spoken")), "column 'pair_id'"),
        (json.dumps(row(id="y", pair_id="p")), "column 'variant'"),
        (json.dumps(row(id="y", pair_id="p", variant="spoken")), "pair 'p' has 0 clean"),
    ],
)
def test_malformed_rows_name_file_row_and_column(fixture_bank, tmp_path, line, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(row()) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(EvalDataError) as info:
        load_labelled(path)
    assert expected in str(info.value)
    assert info.value.hint


def test_twins_must_answer_the_same_question(fixture_bank, tmp_path):
    path = write_rows(
        tmp_path / "t.jsonl",
        [
            row(id="a", pair_id="p", variant="clean"),
            row(id="b", pair_id="p", variant="padded", question_id="fixture-vanishing-gradient"),
        ],
    )
    with pytest.raises(EvalDataError, match="mixes questions"):
        load_labelled(path)


def saf_like(**over) -> TableSpec:
    base = {
        "question_col": "question",
        "reference_col": "reference_answer",
        "answer_col": "student_answer",
        "score_col": "score",
        "id_col": "answer_id",
    }
    return TableSpec(**{**base, **over})


def test_csv_rescales_filters_and_limits():
    cases = load_table(TABLE, saf_like(filters=[("split", "test")]))
    assert [c.id for c in cases] == ["a-2", "a-3", "a-4"]
    assert [c.gold for c in cases] == [0.0, 2.5, 3.75]
    assert cases[0].item.reference_answer.startswith("Reliable, ordered delivery\nwith")
    assert cases[0].item.key_points == [] and cases[0].category is None
    assert [c.id for c in load_table(TABLE, saf_like(limit=2))] == ["a-1", "a-2"]


def test_custom_score_range_and_default_ids(tmp_path):
    path = write_rows(
        tmp_path / "ext.jsonl",
        [
            {"q": "Q?", "ref": "R.", "ans": "A.", "mark": 10},
            {"q": "Q?", "ref": "R.", "ans": "B.", "mark": 4},
        ],
    )
    spec = TableSpec(
        question_col="q", reference_col="ref", answer_col="ans", score_col="mark", score_min=0, score_max=10
    )
    cases = load_table(path, spec)
    assert [(c.id, c.gold) for c in cases] == [("row-1", 5.0), ("row-2", 2.0)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (saf_like(answer_col="answer"), "no column 'answer'"),
        (saf_like(filters=[("fold", "1")]), "no column 'fold'"),
        (saf_like(score_max=0.5), "row 1 (line 3), column 'score': score 1.0 is outside"),
        (saf_like(id_col="question_id"), "column 'question_id': id '1' is empty or repeated"),
        (saf_like(filters=[("split", "nope")]), "no rows to evaluate"),
        (saf_like(score_min=1, score_max=1), "must be below"),
    ],
)
def test_table_errors_name_file_row_and_column(spec, expected):
    with pytest.raises(EvalDataError) as info:
        load_table(TABLE, spec)
    assert expected in str(info.value)
    assert "eval_table.csv" in str(info.value) or "score-min" in str(info.value)


def test_non_numeric_score(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("question,reference_answer,student_answer,score,answer_id\nQ,R,A,high,1\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"s.csv row 1 \(line 2\), column 'score': score 'high' is not a number"):
        load_table(path, saf_like())


@pytest.mark.parametrize(
    ("last_row", "expected"),
    [
        ("Q,R,0", r"row 2 \(line 3\) has 3 cells; the header has 4: question, reference_answer, score, student_answer"),
        ("Q,R,A", r"row 2 \(line 3\) has 3 cells; .*Fill in the missing cells"),
        ("Q,R,0,A,B", r"row 2 \(line 3\) has 5 cells; the header has 4: .*Quote cells"),
    ],
    ids=["answer-missing", "score-missing", "extra-cell"],
)
def test_a_row_with_the_wrong_number_of_cells_is_refused(tmp_path, last_row, expected):
    # A short row used to be graded as an empty answer (and counted as perfect agreement when its gold was 0).
    path = tmp_path / "s.csv"
    path.write_text(f"question,reference_answer,score,student_answer\nQ,R,1,A\n{last_row}\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match=expected):
        load_table(path, saf_like(id_col=None))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("semi.csv", "question;reference_answer;student_answer;score;answer_id\nQ?;R, in short.;A;0,5;1\n"),
        ("tabs.csv", "question\treference_answer\tstudent_answer\tscore\tanswer_id\nQ?\tR, in short.\tA\t0.5\t1\n"),
        ("commas.tsv", 'question,reference_answer,student_answer,score,answer_id\nQ?,"R, in short.",A,0.5,1\n'),
    ],
    ids=["semicolons", "tabs-in-csv", "commas-in-tsv"],
)
def test_a_table_is_read_with_the_delimiter_its_header_uses(tmp_path, name, text):
    # A semicolon file (as spreadsheets save CSV where the comma is the decimal mark) used to fail with
    # "no column 'question' (columns: question;reference_answer;...)".
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (case,) = load_table(path, saf_like())
    assert (case.item.reference_answer, case.answer, case.gold) == ("R, in short.", "A", 2.5)


def test_a_header_two_delimiters_split_is_read_with_commas(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("question;x,reference_answer;student_answer;score\nQ;1,R;A;1\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"no column 'question' \(columns: question;x, reference_answer;"):
        load_table(path, saf_like(id_col=None))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("blank.csv", "question,reference_answer,student_answer,score\nQ,R,A,1\nQ,R,B, \n"),
        (
            "null.jsonl",
            '{"question": "Q", "reference_answer": "R", "student_answer": "A", "score": 1}\n'
            '{"question": "Q", "reference_answer": "R", "student_answer": "B", "score": null}\n',
        ),
    ],
    ids=["blank-cell", "json-null"],
)
def test_a_missing_score_names_the_row_and_what_to_do(tmp_path, name, text):
    # It used to say "score '' is not a number" (or 'None'), which reads as a bad value rather than no value.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"(row 2 \(line 3\)|line 2), column 'score': the score is missing\. Fill"):
        load_table(path, saf_like(id_col=None))


def test_filter_syntax():
    assert parse_filter("split=unseen_questions") == ("split", "unseen_questions")
    with pytest.raises(EvalDataError, match="COLUMN=VALUE"):
        parse_filter("unseen_questions")


def test_load_cases_filters_the_labelled_set(fixture_bank):
    from mockint.evals.data import load_cases

    spoken = load_cases(SMALL, filters=[("category", "spoken")])
    assert [c.id for c in spoken] == ["dropout-02"]
    assert [c.id for c in load_cases(SMALL, filters=[("question_id", "fixture-vanishing-gradient")], limit=2)] == [
        "vanish-01",
        "vanish-02",
    ]
    with pytest.raises(EvalDataError, match="no column 'split'"):
        load_cases(SMALL, filters=[("split", "test")])
    with pytest.raises(EvalDataError, match="no answers"):
        load_cases(SMALL, filters=[("category", "nonsense")])
    with pytest.raises(EvalDataError, match="--question-col"):
        load_cases(TABLE)


CSV_TEXT = "question,reference_answer,student_answer,score,answer_id\nQ?,R.,A caf\u00e9 answer,1,1\nQ?,R.,B,0,2\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (CSV_TEXT.encode("latin-1"), r"x.csv is not UTF-8: byte 0xe9 on line 2 .*iconv -f latin1 -t utf-8"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" * 20, r"x.csv is not a text file \(it contains NUL bytes\)"),
        (
            CSV_TEXT.replace("A caf\u00e9", '"A caf\u00e9').encode("utf-8"),
            r"x.csv line 2: the CSV cannot be read from here .*never closed",
        ),
    ],
    ids=["latin-1", "binary", "unbalanced-quote"],
)
def test_an_unreadable_file_is_one_message_naming_file_problem_and_fix(tmp_path, content, expected):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(EvalDataError, match=expected) as info:
        load_table(path, saf_like())
    assert "\n" not in str(info.value)


def test_utf16_with_a_bom_is_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(CSV_TEXT.encode("utf-16"))
    cases = load_table(path, saf_like())
    assert [(c.id, c.answer) for c in cases] == [("1", "A caf\u00e9 answer"), ("2", "B")]


def test_a_file_without_data_rows_is_not_blamed_on_a_filter(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("question,reference_answer,student_answer,score,answer_id\n", encoding="utf-8")
    with pytest.raises(EvalDataError) as info:
        load_table(path, saf_like())
    assert "no rows to evaluate" in str(info.value) and "--filter" not in str(info.value)
    assert "header row" in str(info.value)
