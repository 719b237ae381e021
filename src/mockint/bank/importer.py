"""Import question pages (the InterviewSkill text layout) into `corpus/<topic>.yaml`.

A page is a header (site, title, description, "N questions", category) then one block per question:

    What is backpropagation?medium      <- question text with its difficulty glued on
    Type / Topic / Frequency / Tags     <- each label on its own line, its value on the next
    Answer, Explanation                 <- label, then the text up to the next label
    Follow-upHow does ...?              <- label glued to the text

The import is all or nothing: the whole merged bank is validated before a single atomic write.
"""

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from mockint import resources
from mockint.doors.bank_files import (
    BANK_SUFFIX,
    BANK_SUFFIXES,
    BankValidationError,
    dump_questions,
    parse_bank_text,
    refuse_file_as_corpus,
    validate_corpus,
)
from mockint.errors import BankError, ImportFormatError
from mockint.types.question import SLUG_RE, Frequency, Question, QuestionType, slugify

_COUNT_RE = re.compile(r"^(\d+)\s+questions?$", re.IGNORECASE)
_TITLE_RE = re.compile(r"^(?P<text>.*\S)\s*(?P<difficulty>easy|medium|hard)$", re.IGNORECASE)
_VALUE_LABELS = ("Type", "Topic", "Frequency", "Tags")
_TEXT_LABELS = ("Answer", "Explanation")
_FOLLOW_UP = "Follow-up"
_LABELS = (*_VALUE_LABELS, *_TEXT_LABELS)
_REQUIRED = ("Type", "Answer", "Explanation")
# Fields the page carries. Others (key_points, follow_up_answer) are added by hand and survive a re-import.
_PAGE_FIELDS = (
    "question",
    "answer",
    "explanation",
    "follow_up",
    "topic",
    "subtopic",
    "type",
    "difficulty",
    "frequency",
    "tags",
    "source",
)
# What makes two questions the same: every page field but `source`, which comes from the page's file name, so
# the same page saved under another name is still the same questions.
_CONTENT_FIELDS = tuple(name for name in _PAGE_FIELDS if name != "source")


@dataclass(frozen=True)
class ParsedPage:
    category: str
    topic: str
    questions: list[Question]
    # Ids of questions the page repeats word for word: kept once, so the bank does not ask them twice.
    repeated: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    target: Path
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    written: bool = False
    # The whole bank as the import leaves it (or would, with dry_run); empty when nothing changes.
    bank: list[Question] = field(default_factory=list)


class _Lines:
    """The page's lines with 1-based numbers, consumed front to back."""

    def __init__(self, text: str) -> None:
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.pos = 0

    @property
    def number(self) -> int:
        return self.pos + 1

    def at_end(self) -> bool:
        return self.pos >= len(self.lines)

    def peek(self) -> str:
        return self.lines[self.pos].strip()

    def skip_blank(self) -> None:
        while not self.at_end() and not self.peek():
            self.pos += 1

    def take(self) -> str:
        line = self.peek()
        self.pos += 1
        return line

    def fail(self, message: str, number: int | None = None) -> ImportFormatError:
        return ImportFormatError(
            f"line {number or min(self.number, len(self.lines))}: {message}",
            hint="Fix the page (a header, then per question: title+difficulty, Type, Topic, Frequency, Tags, "
            "Answer, Explanation, Follow-up) and import again.",
        )


def parse_question_page(text: str, *, source: str, topic: str | None = None) -> ParsedPage:
    """Questions of one page; ImportFormatError (with a line number) for anything malformed."""
    lines = _Lines(text)
    count, count_line, category = _parse_header(lines)
    slug = topic or slugify(category, max_words=6)
    if not SLUG_RE.match(slug) or not re.search(r"[a-z]", category.lower() if topic is None else slug):
        raise lines.fail(f"the category {category!r} does not give a topic slug; pass --topic SLUG", count_line)

    questions: list[Question] = []
    repeated: list[str] = []
    problems: list[ImportFormatError] = []
    blocks = 0
    lines.skip_blank()
    while not lines.at_end():
        start = lines.pos
        blocks += 1
        try:
            block = _parse_block(lines, slug, source)
        except ImportFormatError as exc:
            # Every problem of the page in one go, as `bank validate` lists a bank's: go on at the next title.
            problems.append(exc)
            lines.pos = start + 1
            while not lines.at_end() and not _starts_block(lines.lines, lines.pos):
                lines.pos += 1
            continue
        lines.skip_blank()
        same = next((q for q in questions if not _differing_fields(q, block)), None)
        if same is not None:
            repeated.append(same.id)
            continue
        # The same title with other content is another question: it gets an id of its own.
        question_id, n = block.id, 2
        while any(q.id == question_id for q in questions):
            question_id, n = f"{block.id}-{n}", n + 1
        questions.append(block.model_copy(update={"id": question_id}))
    if blocks != count:
        problems.append(lines.fail(f"the header announces {count} questions but the page has {blocks}", count_line))
    if problems:
        raise ImportFormatError("; ".join(p.problem for p in problems), hint=problems[0].hint)
    return ParsedPage(category=category, topic=slug, questions=questions, repeated=repeated)


def _starts_block(lines: list[str], index: int) -> bool:
    """A title with its difficulty, then (past blank lines) a Type, Topic, Frequency or Tags label, as every
    question opens; a paragraph that happens to end in "hard" is followed by text or a text label instead."""
    match = _TITLE_RE.match(lines[index].strip())
    if not match or match.group("text") in _LABELS:
        return False
    following = next((line.strip() for line in lines[index + 1 :] if line.strip()), "")
    return following in _VALUE_LABELS


def _parse_header(lines: _Lines) -> tuple[int, int, str]:
    while not lines.at_end():
        number, line = lines.number, lines.take()
        match = _COUNT_RE.match(line)
        if match:
            lines.skip_blank()
            if lines.at_end():
                raise lines.fail("expected the category line (e.g. 'Deep Learning') after the question count")
            return int(match.group(1)), number, lines.take()
    raise lines.fail("no 'N questions' line found in the page header; is this a question page?", 1)


def _parse_block(lines: _Lines, topic: str, source: str) -> Question:
    title_line = lines.number
    title = lines.take()
    match = _TITLE_RE.match(title)
    if not match or match.group("text") in _LABELS:
        raise lines.fail(
            f"expected a question title ending in its difficulty (easy, medium or hard), got {title!r}", title_line
        )
    found: dict[str, tuple[str, int]] = {}
    while True:
        lines.skip_blank()
        if lines.at_end():
            raise lines.fail(f"the question at line {title_line} ends before its '{_FOLLOW_UP}' line")
        number, label = lines.number, lines.take()
        if label.startswith(_FOLLOW_UP):
            follow_up = label.removeprefix(_FOLLOW_UP).strip()
            if not follow_up:
                lines.skip_blank()
                follow_up = "" if lines.at_end() else lines.take()
            found[_FOLLOW_UP] = (follow_up, number)
            break
        if label not in _LABELS:
            raise lines.fail(f"expected one of {', '.join(_LABELS)} or {_FOLLOW_UP}, got {label!r}", number)
        if label in found:
            raise lines.fail(f"'{label}' appears twice in the question at line {title_line}", number)
        value = _take_value(lines) if label in _VALUE_LABELS else _take_text(lines)
        if not value:
            raise lines.fail(f"'{label}' has no value", number)
        found[label] = (value, number)

    for label in _REQUIRED:
        if label not in found:
            raise lines.fail(f"the question at line {title_line} has no '{label}'", title_line)
    if not found[_FOLLOW_UP][0]:
        raise lines.fail(f"'{_FOLLOW_UP}' has no text", found[_FOLLOW_UP][1])

    text = match.group("text")
    fields = {
        "id": slugify(text),
        "question": text,
        "answer": found["Answer"][0],
        "explanation": found["Explanation"][0],
        "follow_up": found[_FOLLOW_UP][0],
        "topic": topic,
        "subtopic": found["Topic"][0] if "Topic" in found else None,
        "type": _enum(lines, found["Type"], QuestionType),
        "difficulty": match.group("difficulty").lower(),
        "tags": [t.strip() for t in found["Tags"][0].split(",") if t.strip()] if "Tags" in found else [],
        "source": source,
    }
    if "Frequency" in found:
        fields["frequency"] = _enum(lines, found["Frequency"], Frequency)
    try:
        return Question(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise lines.fail(f"the question does not fit the schema ({where}: {err['msg']})", title_line) from None


def _take_value(lines: _Lines) -> str:
    lines.skip_blank()
    if lines.at_end() or lines.peek() in _LABELS or lines.peek().startswith(_FOLLOW_UP):
        return ""
    return lines.take()


def _take_text(lines: _Lines) -> str:
    """Paragraphs up to the next label, blank lines between paragraphs kept."""
    collected: list[str] = []
    while not lines.at_end():
        line = lines.peek()
        if line in _LABELS or line.startswith(_FOLLOW_UP):
            break
        collected.append(line)
        lines.pos += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(collected)).strip()


def _enum(lines: _Lines, value_at: tuple[str, int], enum: type[QuestionType] | type[Frequency]) -> str:
    value, number = value_at
    label = "Type" if enum is QuestionType else "Frequency"
    candidate = slugify(value, max_words=3)
    allowed = [member.value for member in enum]
    if candidate not in allowed:
        raise lines.fail(f"{value!r} is not a valid {label}; use one of {', '.join(allowed)}", number)
    return candidate


def _merge(existing: Question, incoming: Question) -> Question:
    return existing.model_copy(update={name: getattr(incoming, name) for name in _PAGE_FIELDS})


def _differing_fields(a: Question, b: Question) -> list[str]:
    return [name for name in _CONTENT_FIELDS if getattr(a, name) != getattr(b, name)]


def import_page(
    path: Path,
    *,
    corpus_dir: Path | None = None,
    topic: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import one page file into `corpus_dir/<topic>.yaml`; all or nothing."""
    path = Path(path)
    if topic is not None and not SLUG_RE.match(topic):
        raise ImportFormatError(f"--topic {topic!r} is not a slug.", hint="Use lowercase words joined by hyphens.")
    _refuse_other_formats(path)
    text = _read_page(path)
    try:
        page = parse_question_page(text, source=slugify(path.stem, max_words=20), topic=topic)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{path}: {exc.problem}", hint=exc.hint) from None

    corpus_dir = Path(corpus_dir) if corpus_dir is not None else resources.corpus_dir()
    refuse_file_as_corpus(corpus_dir)
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BankError(
            f"Cannot create the bank folder {corpus_dir}: {exc.strerror}.", hint="Pass another --corpus folder."
        ) from None
    current = validate_corpus(corpus_dir)
    if current.problems:
        raise BankError(
            f"The existing bank in {corpus_dir} has {len(current.problems)} problem(s), first: {current.problems[0]}.",
            hint=f"Fix it first (`mockint bank validate --corpus {corpus_dir}` lists them); nothing was imported.",
        )
    target = corpus_dir / f"{page.topic}{BANK_SUFFIX}"
    report = ImportReport(target=target, repeated=page.repeated)
    existing = {q.id: q for q in current.questions}
    target_questions = [q for q in current.questions if current.locations[q.id][0] == target]
    conflicts = []
    for q in page.questions:
        old = existing.get(q.id)
        differing = _differing_fields(old, q) if old is not None else []
        if old is None:
            target_questions.append(q)
            report.added.append(q.id)
        elif not differing:
            report.skipped.append(q.id)
        elif current.locations[q.id][0] != target:
            conflicts.append(f"{q.id} ({', '.join(differing)}; lives in {current.locations[q.id][0].name})")
        elif replace:
            target_questions = [_merge(old, q) if t.id == q.id else t for t in target_questions]
            report.replaced.append(q.id)
        else:
            conflicts.append(f"{q.id} ({', '.join(differing)})")
    if conflicts:
        raise BankError(
            f"{len(conflicts)} imported question(s) differ from bank entries with the same id: "
            f"{'; '.join(conflicts[:5])}{' ...' if len(conflicts) > 5 else ''}.",
            hint="Pass --replace to overwrite them (entries in another topic file must be moved by hand)"
            + (", with --dry-run to see what it would write" if dry_run else "")
            + "; nothing was imported.",
        )
    if not report.added and not report.replaced:
        return report

    new_text = _target_text(target, target_questions, appended=not report.replaced and target.exists())
    merged = validate_corpus(corpus_dir, overrides={target.name: new_text})
    if merged.problems:
        raise BankValidationError(merged.problems)
    report.bank = merged.questions
    if not dry_run:
        _atomic_write(target, new_text)
        report.written = True
    return report


def _refuse_other_formats(path: Path) -> None:
    """A bank file or a table passed for a page would fail on its first line with "fix the page", which
    sends the user to edit a file that is fine as it is."""
    suffix = path.suffix.lower()
    if suffix in BANK_SUFFIXES:
        raise ImportFormatError(
            f"{path} is a bank file, not a question page: import reads pages only.",
            hint="Copy it into the bank's folder as it is, then check it with `mockint bank validate --corpus DIR`.",
        )
    if suffix in (".csv", ".tsv", ".json", ".jsonl", ".xlsx"):
        raise ImportFormatError(
            f"{path} is a {suffix[1:].upper()} file: import reads question pages only.",
            hint="Write the questions as a page (docs/examples/question-page.txt shows the layout) or as a bank "
            "file (README: 'Bank file fields').",
        )


def _read_page(path: Path) -> str:
    """The page's text, or an ImportFormatError naming what is wrong with the path in words (not an errno)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFormatError(f"No such file: {path}.", hint="Check the path.") from None
    except IsADirectoryError:
        raise ImportFormatError(f"{path} is a folder.", hint="Pass the question page's text file.") from None
    except PermissionError:
        raise ImportFormatError(
            f"No permission to read {path}.", hint="Check the file's permissions, or copy it somewhere you can read."
        ) from None
    except UnicodeDecodeError:
        raise ImportFormatError(
            f"{path} is not UTF-8 text.", hint="Pass a question page saved as UTF-8 text (not a PDF or Word file)."
        ) from None
    except OSError as exc:
        raise ImportFormatError(f"Cannot read {path}: {exc.strerror}.", hint="Check the path.") from None


def _target_text(target: Path, questions: list[Question], *, appended: bool) -> str:
    """The file's new text. Adding to an existing file appends, so hand-written comments survive."""
    if appended:
        old_text = target.read_text(encoding="utf-8")
        kept = len(parse_bank_text(old_text, target.name)[0])
        items = dump_questions(questions[kept:]).split("\n", 1)[1]
        indent = " " * _item_indent(old_text)
        items = "".join(f"{indent}{line}" if line.strip() else line for line in items.splitlines(True))
        candidate = old_text.rstrip("\n") + "\n" + items
        parsed, _, problems = parse_bank_text(candidate, target.name)
        if not problems and parsed == questions:
            return candidate
    return dump_questions(questions)


def _item_indent(text: str) -> int:
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- "):
            return len(line) - len(stripped)
    return 0


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
