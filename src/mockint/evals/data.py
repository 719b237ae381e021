"""Labelled answers for `mockint eval`: the bank's labelled set, or any CSV / JSONL of graded answers.

Every problem in a file raises EvalDataError naming the file, the row (and line) and the column, and
saying how to fix it: a half-loaded evaluation would report numbers about the wrong data.
"""

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mockint.errors import EvalDataError
from mockint.types.grade import SCORE_MAX, GradingItem

CATEGORIES = (
    "excellent",
    "good",
    "partial",
    "misconception",
    "wrong",
    "off-topic",
    "empty",
    "spoken",
    "rambling",
    "padded",
    "keyword-stuffed",
    "prompt-injection",
    "copied-question",
)
# Answers that must score <= 1 whatever the grader: nothing, or an attempt to game it.
ADVERSARIAL = frozenset({"keyword-stuffed", "prompt-injection", "copied-question", "empty"})

ItemLookup = Callable[[str], GradingItem | None]


class LabelledCase(BaseModel):
    """One answer with its human gold score on the 0-5 scale and what it is graded against."""

    id: str
    item: GradingItem
    answer: str
    gold: float = Field(ge=0, le=SCORE_MAX)
    category: str | None = None
    pair_id: str | None = None
    variant: Literal["clean", "spoken", "padded"] | None = None
    note: str | None = None


class _LabelledRow(BaseModel):
    """A line of eval/labelled/*.jsonl, as the people writing the set type it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question_id: str = Field(min_length=1)
    answer: str
    gold: float = Field(ge=0, le=SCORE_MAX)
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    pair_id: str | None = None
    variant: Literal["clean", "spoken", "padded"] | None = None
    note: str | None = None


_ROW_HINT = (
    'Each line must be one JSON object like {"id": "dropout-03", "question_id": "<bank id>", "answer": "...", '
    '"gold": 3.5, "category": "partial", "pair_id": null, "variant": null} (see eval/README.md).'
)


def default_labelled_dir() -> Path:
    """`eval/labelled` of the source checkout (the labelled set is not shipped in the wheel)."""
    return Path(__file__).resolve().parents[3] / "eval" / "labelled"


def bank_lookup() -> ItemLookup:
    from mockint.doors.bank_files import load_bank

    bank = load_bank()

    def lookup(question_id: str) -> GradingItem | None:
        return GradingItem.from_question(bank.get(question_id)) if question_id in bank else None

    return lookup


def load_labelled(path: Path, lookup: ItemLookup | None = None) -> list[LabelledCase]:
    """The labelled set: a .jsonl file or a folder of them, joined to the bank by question_id."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise EvalDataError(f"{path} holds no *.jsonl files.", hint="Point --data at a labelled file.")
    elif path.is_file():
        files = [path]
    else:
        raise EvalDataError(f"{path} does not exist.", hint="Check the path given to --data.")
    lookup = lookup or bank_lookup()
    cases: list[LabelledCase] = []
    seen: dict[str, str] = {}
    for file in files:
        for line_no, row in _labelled_rows(file):
            where = f"{file}:{line_no}"
            if row.id in seen:
                raise EvalDataError(
                    f"{where}: id '{row.id}' is used twice (also at {seen[row.id]}).",
                    hint="Give every answer its own id.",
                )
            seen[row.id] = where
            item = lookup(row.question_id)
            if item is None:
                raise EvalDataError(
                    f"{where}, column 'question_id': '{row.question_id}' is not in the bank.",
                    hint="Use the id of a bank question (`mockint bank` lists them) or fix a typo.",
                )
            cases.append(LabelledCase(item=item, **row.model_dump(exclude={"question_id"})))
    _check_pairs(cases, seen)
    return cases


def _json_objects(path: Path, hint: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON object on each non-blank line of a JSONL file, with its line number."""
    for line_no, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalDataError(f"{path}:{line_no}: not valid JSON ({exc.msg}).", hint=hint) from None
        if not isinstance(data, dict):
            raise EvalDataError(f"{path}:{line_no}: expected a JSON object.", hint=hint)
        yield line_no, data


def _labelled_rows(file: Path) -> Iterator[tuple[int, _LabelledRow]]:
    for line_no, data in _json_objects(file, _ROW_HINT):
        try:
            yield line_no, _LabelledRow.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            column = ".".join(str(p) for p in first["loc"]) or "?"
            raise EvalDataError(f"{file}:{line_no}, column '{column}': {first['msg']}.", hint=_ROW_HINT) from None


def _check_pairs(cases: list[LabelledCase], where: dict[str, str]) -> None:
    """A pair is one clean answer plus its twins; a lone or doubled clean one breaks the invariance check."""
    pairs: dict[str, list[LabelledCase]] = {}
    for case in cases:
        if case.pair_id is not None:
            if case.variant is None:
                raise EvalDataError(
                    f"{where[case.id]}, column 'variant': '{case.id}' has a pair_id but no variant.",
                    hint='Set variant to "clean", "spoken" or "padded".',
                )
            pairs.setdefault(case.pair_id, []).append(case)
        elif case.variant is not None:
            raise EvalDataError(
                f"{where[case.id]}, column 'pair_id': '{case.id}' has a variant but no pair_id.",
                hint="Give twins the same pair_id, or set variant to null.",
            )
    for pair_id, members in pairs.items():
        clean = [c for c in members if c.variant == "clean"]
        if len(clean) != 1 or len(members) < 2:
            raise EvalDataError(
                f"{where[members[0].id]}, column 'pair_id': pair '{pair_id}' has {len(clean)} clean answer(s) "
                f"and {len(members) - len(clean)} twin(s).",
                hint='A pair needs exactly one variant "clean" answer and at least one spoken/padded twin.',
            )
        if any(c.item.question_id != clean[0].item.question_id for c in members):
            raise EvalDataError(
                f"{where[members[0].id]}: pair '{pair_id}' mixes questions.",
                hint="Twins must answer the same question_id.",
            )


@dataclass(frozen=True)
class TableSpec:
    """How to read an external labelled file: which columns hold what, and the score range."""

    question_col: str
    reference_col: str
    answer_col: str
    score_col: str
    id_col: str | None = None
    score_min: float = 0.0
    score_max: float = 1.0
    filters: list[tuple[str, str]] = field(default_factory=list)
    limit: int | None = None


def parse_filter(text: str) -> tuple[str, str]:
    column, sep, value = text.partition("=")
    if not sep or not column.strip():
        raise EvalDataError(f"--filter '{text}' is not COLUMN=VALUE.", hint="E.g. --filter split=unseen_questions.")
    return column.strip(), value.strip()


def load_table(path: Path, spec: TableSpec) -> list[LabelledCase]:
    """Labelled answers from a CSV or JSONL file with any column names; scores rescaled to 0-5."""
    path = Path(path)
    if not path.is_file():
        raise EvalDataError(f"{path} does not exist.", hint="Check the path given to --data.")
    if spec.score_max <= spec.score_min:
        raise EvalDataError(
            f"--score-min {spec.score_min} must be below --score-max {spec.score_max}.",
            hint="Give the range of the file's score column, e.g. --score-min 0 --score-max 1.",
        )
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows, decimal_comma = _json_rows(path), False
    else:
        rows, delimiter = _csv_table(path)
        # Where the comma is the decimal mark, spreadsheets separate cells with ';' and write 0.5 as 0,5.
        decimal_comma = delimiter == ";"
    cases: list[LabelledCase] = []
    seen: set[str] = set()
    needed = [
        spec.question_col,
        spec.reference_col,
        spec.answer_col,
        spec.score_col,
        spec.id_col,
        *(c for c, _ in spec.filters),
    ]
    for row_no, (where, row) in enumerate(rows, start=1):
        for column in filter(None, needed):
            if column not in row:
                raise EvalDataError(
                    f"{path} {where}: no column '{column}' (columns: {', '.join(map(str, row))}).",
                    hint="Name an existing column with --question-col/--reference-col/"
                    "--answer-col/--score-col/--id-col/--filter.",
                )
        if any(str(row[c]) != v for c, v in spec.filters):
            continue
        gold = _rescaled(row[spec.score_col], spec, f"{path} {where}, column '{spec.score_col}'", decimal_comma)
        case_id = str(row[spec.id_col]).strip() if spec.id_col else f"row-{row_no}"
        if not case_id or case_id in seen:
            raise EvalDataError(
                f"{path} {where}, column '{spec.id_col}': id '{case_id}' is empty or repeated.",
                hint="Choose an --id-col whose values are unique, or leave --id-col out.",
            )
        seen.add(case_id)
        question, reference = (str(row[spec.question_col] or "").strip(), str(row[spec.reference_col] or "").strip())
        for column, text in ((spec.question_col, question), (spec.reference_col, reference)):
            if not text:
                raise EvalDataError(
                    f"{path} {where}, column '{column}': empty.",
                    hint="Every row needs its question and reference answer; drop or fill the row.",
                )
        item = GradingItem(question=question, reference_answer=reference)
        cases.append(LabelledCase(id=case_id, item=item, answer=str(row[spec.answer_col] or ""), gold=gold))
        if spec.limit is not None and len(cases) >= spec.limit:
            break
    if not cases:
        raise EvalDataError(
            f"{path}: no rows to evaluate.",
            hint="Check --filter (values must match exactly) and that the file has data rows."
            if spec.filters
            else "The file has no data rows: give a CSV or TSV with a header row, or JSONL with one object per line.",
        )
    return cases


def _rescaled(raw: Any, spec: TableSpec, where: str, decimal_comma: bool = False) -> float:
    if raw is None or not str(raw).strip():
        raise EvalDataError(
            f"{where}: the score is missing.",
            hint="Fill in the human score, or remove the row: an answer without one cannot be compared.",
        )
    try:
        value = float(raw.replace(",", ".", 1) if decimal_comma and isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        raise EvalDataError(
            f"{where}: score '{raw}' is not a number.",
            hint="Fix the cell, or point --score-col at the numeric score column.",
        ) from None
    if not spec.score_min <= value <= spec.score_max:
        raise EvalDataError(
            f"{where}: score {value} is outside {spec.score_min}..{spec.score_max}.",
            hint="Set --score-min/--score-max to the scale the file uses.",
        )
    return SCORE_MAX * (value - spec.score_min) / (spec.score_max - spec.score_min)


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a BOM), or UTF-16 when a BOM says so. Anything else is refused
    in one line naming the file, what is wrong and the fix, never decoded by guesswork."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EvalDataError(f"Cannot read {path}: {exc.strerror}.", hint="Check the path passed to --data.") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise EvalDataError(
                f"{path} starts like UTF-16 but does not decode as UTF-16.", hint="Re-save it as UTF-8."
            ) from None
    if b"\0" in raw:
        raise EvalDataError(
            f"{path} is not a text file (it contains NUL bytes).",
            hint="Export the data as a UTF-8 CSV or JSONL file and pass that.",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EvalDataError(
            f"{path} is not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} (Latin-1 or Windows-1252?).",
            hint=f"Re-save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 {path} > utf8-{path.name}`.",
        ) from None


# What spreadsheets separate cells with: the comma; the semicolon where the comma is the decimal mark; the tab.
_DELIMITERS = ",;\t"


def _csv_table(path: Path) -> tuple[Iterator[tuple[str, dict[str, Any]]], str]:
    """The rows of a CSV or TSV file, and the delimiter they were read with."""
    text = read_text(path)
    delimiter = _delimiter(text, "\t" if path.suffix.lower() == ".tsv" else ",")
    return _csv_rows(path, text, delimiter), delimiter


def _delimiter(text: str, default: str) -> str:
    """`default`, unless the header is one column that exactly one other delimiter splits: a `question;answer`
    header is a semicolon file whatever its name, and reading it beats telling the user to re-save it. A header
    that two delimiters split is left to `default` and its "no column" error, which lists what was read."""
    header = text.partition("\n")[0].rstrip("\r")

    def columns(delimiter: str) -> int:
        return len(next(csv.reader([header], delimiter=delimiter), []))

    if columns(default) > 1:
        return default
    others = [d for d in _DELIMITERS if d != default and columns(d) > 1]
    return others[0] if len(others) == 1 else default


def _csv_rows(path: Path, text: str, delimiter: str) -> Iterator[tuple[str, dict[str, Any]]]:
    # strict: a quote that never closes is an error, not a cell that swallows every row after it.
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=csv.excel, delimiter=delimiter, strict=True)
    row_no, start = 0, 2  # data starts on the line after the header
    try:
        if not reader.fieldnames:
            raise EvalDataError(f"{path} is empty.", hint="A CSV needs a header row naming its columns.")
        start = reader.line_num + 1
        for row in reader:
            row_no += 1
            where = f"row {row_no} (line {reader.line_num})"
            _check_cell_count(path, where, row, reader.fieldnames)
            yield where, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise EvalDataError(
            f"{path} line {start}: the CSV cannot be read from here ({exc}; a quote that is never closed?).",
            hint='Close the quote, or double a quote inside a quoted cell ("").',
        ) from None


def _check_cell_count(path: Path, where: str, row: dict[str | None, Any], header: Any) -> None:
    """DictReader pads a short row with None and files a long row's extra cells under None; either way the
    cells no longer sit under their headers, and a padded row would be graded as an empty answer."""
    extra = row.get(None) or []
    cells = len(header) + len(extra) - sum(1 for key, value in row.items() if key is not None and value is None)
    if cells == len(header):
        return
    hint = (
        "Quote cells that contain commas or newlines."
        if extra
        else "Fill in the missing cells (an empty cell still needs its comma), or remove the row."
    )
    raise EvalDataError(
        f"{path} {where} has {cells} cells; the header has {len(header)}: {', '.join(header)}.", hint=hint
    )


def _json_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for line_no, data in _json_objects(path, "Write one JSON object per line."):
        yield f"line {line_no}", data


def load_cases(
    data: Path | None,
    spec: TableSpec | None = None,
    *,
    filters: list[tuple[str, str]] | None = None,
    limit: int | None = None,
) -> list[LabelledCase]:
    """What `mockint eval` grades: the labelled set by default, a labelled-set JSONL, or a table read with `spec`
    (which carries its own filters and limit)."""
    if spec is not None:
        if data is None:
            raise EvalDataError("Column options need a file.", hint="Pass --data FILE with --answer-col etc.")
        return load_table(data, spec)
    path = data or default_labelled_dir()
    if path.is_file() and path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise EvalDataError(
            f"{path} is not in the labelled-set format.",
            hint="Name its columns: --question-col --reference-col --answer-col --score-col "
            "[--score-min 0 --score-max 1].",
        )
    cases = load_labelled(path)
    for column, value in filters or []:
        if column not in _FILTERABLE:
            raise EvalDataError(
                f"--filter {column}=...: the labelled set has no column '{column}'.",
                hint=f"Filter on one of: {', '.join(_FILTERABLE)}.",
            )
        cases = [c for c in cases if _FILTERABLE[column](c) == value]
    if not cases:
        raise EvalDataError(f"{path}: no answers to evaluate.", hint="Check --filter values (they must match exactly).")
    return cases[:limit] if limit is not None else cases


_FILTERABLE: dict[str, Callable[[LabelledCase], str | None]] = {
    "id": lambda c: c.id,
    "question_id": lambda c: c.item.question_id,
    "category": lambda c: c.category,
    "pair_id": lambda c: c.pair_id,
    "variant": lambda c: c.variant,
}
