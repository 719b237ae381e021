"""The question bank: `corpus/<topic>.yaml` (or `.yml`) files, each a mapping `questions: [<Question>, ...]`.

Validation collects every problem across every file (a report), so a user fixes the bank in one
pass; `load_bank` refuses a bank with any problem rather than handing out half of it.
"""

import difflib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from mockint import resources
from mockint.config import get_settings
from mockint.errors import BankError
from mockint.types.question import Question

# Files the importer writes end in .yaml; a hand-saved `.yml` is read too, as YAML tools treat them alike and a
# bank file skipped without a word looks like lost questions.
BANK_SUFFIX = ".yaml"
BANK_SUFFIXES = (BANK_SUFFIX, ".yml")
FIND_IDS_HINT = 'Find ids with `mockint search "<words>"` or list them all with `mockint bank stats --ids`.'
_SHOWN_IN_SUMMARY = 3
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class BankProblem:
    """One thing wrong with the bank, located as precisely as the YAML allows."""

    file: str
    message: str
    question: str | None = None
    field: str | None = None
    line: int | None = None

    def to_error(self) -> BankError:
        return BankError(self.message, file=self.file, question=self.question, field=self.field, line=self.line)

    def __str__(self) -> str:
        return str(self.to_error())


@dataclass
class ValidationReport:
    """Every question that parsed, every problem found, and which file (and line) each question came from."""

    corpus_dir: Path
    questions: list[Question] = field(default_factory=list)
    problems: list[BankProblem] = field(default_factory=list)
    locations: dict[str, tuple[Path, int | None]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class BankValidationError(BankError):
    """The bank has one or more problems; `.problems` holds them all."""

    def __init__(self, problems: Sequence[BankProblem]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            only = self.problems[0]
            super().__init__(
                only.message,
                file=only.file,
                question=only.question,
                field=only.field,
                line=only.line,
                hint="Fix it, then check with `mockint bank validate`.",
            )
            return
        shown = "; ".join(str(p) for p in self.problems[:_SHOWN_IN_SUMMARY])
        more = len(self.problems) - _SHOWN_IN_SUMMARY
        tail = f" (and {more} more)" if more > 0 else ""
        super().__init__(
            f"The question bank has {len(self.problems)} problems: {shown}{tail}.",
            hint="Run `mockint bank validate` to list them all.",
        )


class Bank:
    """The validated questions, in a stable order (files by name, then file order), and the folder they
    came from (None for a bank made in memory)."""

    def __init__(self, questions: Sequence[Question], corpus_dir: Path | None = None):
        self.questions: list[Question] = list(questions)
        self.corpus_dir = corpus_dir
        self._by_id = {q.id: q for q in self.questions}

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            close = difflib.get_close_matches(question_id, self._by_id, n=3)
            guess = f" Did you mean: {', '.join(close)}?" if close else ""
            raise BankError(f"No question with id '{question_id}'.{guess}", hint=FIND_IDS_HINT) from None

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions})

    def by_topic(self) -> dict[str, list[Question]]:
        grouped: dict[str, list[Question]] = {topic: [] for topic in self.topics}
        for q in self.questions:
            grouped[q.topic].append(q)
        return grouped


def load_bank(corpus_dir: Path | None = None) -> Bank:
    """The whole bank, or a BankValidationError summarising every problem found."""
    report = validate_corpus(corpus_dir)
    if report.problems:
        raise BankValidationError(report.problems)
    if not report.questions:
        raise empty_bank_error(report)
    return Bank(report.questions, report.corpus_dir)


def empty_bank_error(report: ValidationReport) -> BankError:
    """A bank without questions: nothing to practise, index or grade, and usually a wrong folder or file name,
    so say where we looked and what a bank file is."""
    if report.files:
        found = f"its {len(report.files)} bank file(s) ({', '.join(p.name for p in report.files)}) hold none"
    else:
        # A bank copied with its folder lands one level down, where the bank is not read. Only that level is
        # looked at: a whole tree (a home folder passed by mistake) could take minutes to walk.
        deeper = next((p for p in sorted(report.corpus_dir.glob("*/*")) if p.suffix in BANK_SUFFIXES), None)
        found = "it has no bank files" + (
            f" ({deeper.relative_to(report.corpus_dir)} is in a subfolder: bank files must be directly in it)"
            if deeper
            else ""
        )
    # As for a missing folder, the fix names where the folder came from: MOCKINT_CORPUS_DIR, or the path passed.
    elsewhere = "check the path"
    if report.corpus_dir == get_settings().corpus_dir:
        elsewhere = "set MOCKINT_CORPUS_DIR to another folder (unset, the shipped bank)"
    return BankError(
        f"No questions in {report.corpus_dir}: {found}.",
        hint="Bank files are the *.yaml (or *.yml) files directly in that folder, each a mapping `questions:` holding "
        "a list of questions (README: 'Bank file fields'). Add some, import a page with "
        f"`mockint bank import PAGE --corpus {report.corpus_dir}`, or {elsewhere}.",
    )


def bank_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.iterdir() if p.suffix in BANK_SUFFIXES and p.is_file())


def validate_corpus(corpus_dir: Path | None = None, overrides: Mapping[str, str] | None = None) -> ValidationReport:
    """Check every bank file in `corpus_dir`.

    `overrides` maps a file name to the text it would have, so a writer (the importer) can check the
    bank it is about to produce before touching the disk.
    """
    corpus_dir = Path(corpus_dir) if corpus_dir is not None else resources.corpus_dir()
    refuse_file_as_corpus(corpus_dir)
    if not corpus_dir.is_dir():
        raise BankError(f"The corpus folder {corpus_dir} does not exist.", hint=_missing_corpus_hint(corpus_dir))
    overrides = dict(overrides or {})
    texts: dict[Path, str | None] = {path: None for path in bank_files(corpus_dir)}
    for name, text in overrides.items():
        texts[corpus_dir / name] = text
    report = ValidationReport(corpus_dir=corpus_dir, files=sorted(texts))
    for path in report.files:
        label = bank_file_label(path, corpus_dir)
        text = texts[path]
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                byte = exc.object[exc.start]
                report.problems.append(
                    BankProblem(
                        label,
                        f"is not UTF-8 text (byte 0x{byte:02x} at position {exc.start}): save it as UTF-8, e.g. "
                        f"`iconv -f latin1 -t utf-8 {path.name} > fixed.yaml`",
                    )
                )
                continue
            except OSError as exc:
                report.problems.append(BankProblem(label, f"cannot be read ({exc.strerror or exc})"))
                continue
        questions, lines, problems = parse_bank_text(text, label)
        report.problems.extend(problems)
        for q, line in zip(questions, lines, strict=True):
            if q.id in report.locations:
                first_path, first_line = report.locations[q.id]
                first = bank_file_label(first_path, corpus_dir) + (f":{first_line}" if first_line else "")
                report.problems.append(
                    BankProblem(label, f"duplicate id '{q.id}', already used at {first}", q.id, "id", line)
                )
                continue
            report.locations[q.id] = (path, line)
            report.questions.append(q)
    return report


def refuse_file_as_corpus(corpus_dir: Path) -> None:
    """A BankError when the corpus path names a file: a user who passes a bank file (`my-bank/nlp.yaml`) for
    the bank means the folder that holds it, and "does not exist" or an errno would send them looking elsewhere."""
    if not corpus_dir.exists() or corpus_dir.is_dir():
        return
    parent = corpus_dir.parent
    if corpus_dir == get_settings().corpus_dir:
        hint = f"Set MOCKINT_CORPUS_DIR to the bank's folder, the one holding the topic .yaml files (perhaps {parent})."
    else:
        hint = f"--corpus takes the bank's folder, the one holding the topic .yaml files: pass --corpus {parent}."
    raise BankError(f"{corpus_dir} is a file, not a folder.", hint=hint)


def _missing_corpus_hint(corpus_dir: Path) -> str:
    """The fix where the folder came from: only some commands take --corpus, so a folder named by
    MOCKINT_CORPUS_DIR is fixed there, and a folder the caller passed (--corpus) is a path to check."""
    if corpus_dir == get_settings().corpus_dir:
        return (
            "Set MOCKINT_CORPUS_DIR to a folder of bank YAML files (<topic>.yaml), or unset it to use the shipped bank."
        )
    return "Check the path: it should be a folder of bank YAML files (<topic>.yaml)."


def parse_bank_text(text: str, file_label: str) -> tuple[list[Question], list[int | None], list[BankProblem]]:
    """Parse one bank file's text: its valid questions, their line numbers, and its problems."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return [], [], [BankProblem(file_label, f"YAML syntax error: {exc.problem or exc}", line=line)]
    except yaml.YAMLError as exc:
        return [], [], [BankProblem(file_label, f"YAML error: {exc}")]

    shape = "expected a mapping with one key `questions:` holding a list of questions"
    if not isinstance(data, dict) or "questions" not in data:
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        return [], [], [BankProblem(file_label, f"{shape}, found {found}", line=1)]
    extra = sorted(str(k) for k in data if k != "questions")
    problems = []
    if extra:
        problems.append(BankProblem(file_label, f"unknown top-level key(s) {', '.join(extra)}; {shape}", line=1))
    items = data["questions"]
    if items is None:
        items = []
    item_nodes = _question_nodes(node)
    if not isinstance(items, list):
        problems.append(
            BankProblem(
                file_label,
                f"`questions` must be a list, found a {type(items).__name__}",
                field="questions",
                line=_key_line(node, "questions"),
            )
        )
        return [], [], problems

    questions, lines = [], []
    for index, item in enumerate(items):
        item_node = item_nodes[index] if index < len(item_nodes) else None
        line = item_node.start_mark.line + 1 if item_node is not None else None
        position = f"#{index + 1}"
        if not isinstance(item, dict):
            problems.append(
                BankProblem(
                    file_label, f"must be a mapping of fields, found a {type(item).__name__}", position, line=line
                )
            )
            continue
        label = item["id"] if isinstance(item.get("id"), str) and item["id"].strip() else position
        try:
            questions.append(Question.model_validate(item))
            lines.append(line)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else None
                field_line = _key_line(item_node, name) if name else None
                problems.append(BankProblem(file_label, _describe(err), label, name, field_line or line))
    return questions, lines, problems


def _describe(err: Mapping) -> str:
    """A pydantic error in the words of someone editing a YAML file."""
    kind = err["type"]
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        name = str(err["loc"][0])
        close = difflib.get_close_matches(name, Question.model_fields, n=1)
        guess = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown field; {guess}allowed fields: {', '.join(Question.model_fields)}"
    if kind == "enum":
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{err['input']!r} is not allowed; use one of {allowed}"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    message = str(err["msg"]).removeprefix("Value error, ")
    suffix = f" (got {err['input']!r})" if kind in ("string_type", "list_type") else ""
    location = ".".join(str(p) for p in err["loc"][1:])
    where = f"item {int(location) + 1}: " if location.isdigit() else ""
    return f"{where}{message}{suffix}"


def _question_nodes(root) -> list:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "questions" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return []


def _key_line(node, name: str | None) -> int | None:
    if not isinstance(node, yaml.MappingNode) or name is None:
        return None
    for key, _ in node.value:
        if key.value == name:
            return key.start_mark.line + 1
    return None


def bank_file_label(path: Path, corpus_dir: Path) -> str:
    """How a bank file is named in messages: its folder and name, e.g. `corpus/nlp.yaml`."""
    try:
        return str(Path(corpus_dir.name) / path.relative_to(corpus_dir))
    except ValueError:
        return str(path)


def stats(bank: Bank) -> dict[str, Counter]:
    """Question counts by topic, type and difficulty."""
    return {
        "topic": Counter(q.topic for q in bank.questions),
        "type": Counter(q.type.value for q in bank.questions),
        "difficulty": Counter(q.difficulty.value for q in bank.questions),
    }


class _BankDumper(yaml.SafeDumper):
    """Block style; long text folded and multi-line text literal, so diffs of the bank stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if "\n" in value:
        style = "|"
    elif len(value) > _FOLD_AT:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    # Tags read best on one line; sentences (key points) one per line.
    short = all(isinstance(item, str) and len(item) <= _FLOW_ITEM_MAX for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)


_FOLD_AT = 88
_FLOW_ITEM_MAX = 30
_BankDumper.add_representer(str, _represent_str)
_BankDumper.add_representer(list, _represent_list)


def dump_questions(questions: Sequence[Question]) -> str:
    """Bank-file text for `questions`: keys in schema order, unset optional fields left out."""
    data = {"questions": [q.model_dump(mode="json", exclude_none=True) for q in questions]}
    text = yaml.dump(data, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    if yaml.safe_load(text) != data:
        # PyYAML refuses block styles it cannot represent, but be certain: plain dumping always round-trips.
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text
