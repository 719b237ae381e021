"""The `mockint` command line. A face: it parses arguments, calls the layers below and turns
MockintError into a one-line message with a non-zero exit (`--verbose` shows the traceback)."""

import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from mockint.errors import MockintError

if TYPE_CHECKING:  # imported where used: pydantic and the speech stack would slow `mockint --help`
    from mockint.config import Settings
    from mockint.grading.grader import Grader
    from mockint.speech.delivery import DeliveryInsights
    from mockint.speech.transcription import Transcript
    from mockint.types.question import Question


class _ReadableHelp:
    """Help that reads as usage. Left alone, typer (0.29) labels a parameter with its Python annotation:
    `<bool>` beside a plain flag, which takes no value, and `{query}` for a required argument in the usage
    line. Flags get no label and arguments their name in capitals (`mockint search [OPTIONS] QUERY`), as
    click and most tools show them; options that take a list name one value in their declaration."""

    def get_params(self, ctx: typer.Context) -> list:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if param.param_type_name == "argument":
                param.metavar = (param.name or "").upper()
            elif getattr(param, "is_flag", False):
                param.metavar = ""
        return params

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except typer.BadParameter as exc:
            # typer checks numbers with pydantic, whose "Input should be greater than or equal to 1" reads as a
            # programmer's message; the kind of number and its range say what to give.
            kind = getattr(getattr(exc.param, "type_descriptor", None), "annotation", None)
            if kind in (int, float) and exc.message.startswith("Input should be"):
                low, high = getattr(exc.param, "min", None), getattr(exc.param, "max", None)
                exc.message = _number_wanted("whole number" if kind is int else "number", low, high)
            raise

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []  # type: ignore[attr-defined]
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar if param.required else f"[{param.metavar}]"
                pieces.append(f"{name}..." if param.nargs != 1 else name)
        return pieces


def _number_wanted(kind: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"give a {kind} from {low:g} to {high:g}."
    if low is not None:
        return f"give a {kind} of at least {low:g}."
    return f"give a {kind} of at most {high:g}." if high is not None else f"give a {kind}."


class _Command(_ReadableHelp, TyperCommand):
    pass


class _Interrupted(Exception):
    """Ctrl-C during a command. Typer turns a KeyboardInterrupt into exit 130 without a word, which a user
    cannot tell from a crash; this passes typer untouched, for main() to say so."""


class _Group(_ReadableHelp, TyperGroup):
    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), self.subcommand_metavar]

    def invoke(self, ctx: typer.Context):  # click's signature, passed through
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise _Interrupted from exc


class _Typer(typer.Typer):
    """Every command of this CLI gets the readable help, including ones added later."""

    def command(self, *args, **kwargs):  # typer's own signature, passed through
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


app = _Typer(
    cls=_Group,
    name="mockint",
    help="Mock-interview coach: practise ML/AI interview questions and get rubric feedback.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
bank_app = _Typer(cls=_Group, help="Validate, import and summarise the question bank.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
_CORPUS_HELP = "Corpus folder. Default: MOCKINT_CORPUS_DIR if set, else the shipped corpus/."

_state = {"verbose": False}
# How the LLM errors' hints tell a CLI user to grade offline: `--grader llm` beats MOCKINT_GRADER.
OFFLINE_BY_FLAG = "use --grader offline"


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks and debug logs.")] = False,
) -> None:
    _state["verbose"] = verbose
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoCredentials())
        if not verbose:
            handler.setFormatter(_PlainForUsers(handler.formatter))


class _PlainForUsers(logging.Formatter):
    """Without --verbose, what mockint itself says (a one-time model export, a store rebuilt, token counts
    estimated) is a plain line like its errors, not `WARNING mockint.doors.tokens: ...` with a traceback;
    other libraries' records keep their level and logger, which say where they come from."""

    def __init__(self, others: logging.Formatter | None) -> None:
        super().__init__()
        self.others = others or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "mockint" or record.name.startswith("mockint."):
            return f"mockint: {record.getMessage()}"
        return self.others.format(record)


class _NoCredentials(logging.Filter):
    """Every log line, ours or a library's (httpx logs each request's URL), without URL credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        from mockint.config import strip_credentials  # here: importing pydantic costs `--help` 0.3 s

        record.msg, record.args = strip_credentials(record.getMessage()), None
        return True


@app.command("app")
def app_command(
    host: Annotated[
        str | None, typer.Option(metavar="<host>", help="Address to serve on. Default: MOCKINT_HOST, else 127.0.0.1.")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, metavar="<int>", help="Port to serve on. Default: MOCKINT_PORT, else 8501."),
    ] = None,
) -> None:
    """Serve the Streamlit practice app."""
    from mockint.app.server import serve
    from mockint.config import get_settings

    # Read like every other setting (environment, then .env), so MOCKINT_PORT in .env is not ignored.
    settings = get_settings()
    host = host or settings.serve_host
    port = port or settings.serve_port
    _check_can_serve(host, port)
    typer.echo(f"mockint: serving on http://{host}:{port}  (Ctrl+C to stop)")
    raise typer.Exit(serve(port, host))


def _check_can_serve(host: str, port: int) -> None:
    """A ServeError when Streamlit could not listen on host:port. Streamlit finds out only after it has
    started, and then says "Port N is not available" in its own log format and exits 1; binding here
    first, as Streamlit binds (SO_REUSEADDR, so a port left in TIME_WAIT by a stopped app still counts as
    free), lets the user read why in one line before anything else is printed."""
    import errno
    import os
    import socket

    from mockint.errors import ServeError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise ServeError(
            f"Cannot serve on {host}: no such address.",
            hint="Pass --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every network interface).",
        ) from None
    with socket.socket(family, kind, proto) as probe:
        if os.name != "nt":  # on Windows it would let a second socket share a port in use
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"Port {port} is in use on {host}: another program (perhaps another mockint app) serves there.",
                    hint="Pass --port N for another port (or set MOCKINT_PORT), or stop the other process.",
                ) from None
            if exc.errno == errno.EACCES:
                raise ServeError(
                    f"Port {port} needs administrator rights on this machine.",
                    hint="Pass --port N with N of 1024 or more, e.g. the default 8501.",
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ServeError(
                    f"Cannot serve on {host}: it is not an address of this machine.",
                    hint="Pass --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every network interface).",
                ) from None
            raise ServeError(
                f"Cannot serve on {host}:{port}: {exc.strerror}.", hint="Pass another --host or --port."
            ) from None


@bank_app.command("import")
def bank_import_command(
    file: Annotated[Path, typer.Argument(help="Question page to import (InterviewSkill text layout).")],
    corpus: Annotated[Path | None, typer.Option(help=_CORPUS_HELP)] = None,
    topic: Annotated[str | None, typer.Option(help="Topic slug. Default: from the page's category.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite bank entries that differ.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report, write nothing.")] = False,
    no_near_duplicates: Annotated[
        bool,
        typer.Option("--no-near-duplicates", help="Skip the warning about imported questions the bank already asks."),
    ] = False,
) -> None:
    """Import a question page into corpus/<topic>.yaml (validated, all or nothing)."""
    from mockint.bank.importer import import_page

    report = import_page(file, corpus_dir=corpus, topic=topic, replace=replace, dry_run=dry_run)
    for label, ids in (
        ("added", report.added),
        ("replaced", report.replaced),
        ("skipped (identical)", report.skipped),
        ("skipped (repeated on the page)", report.repeated),
    ):
        for question_id in ids:
            typer.echo(f"  {label}: {question_id}")
    changes = report.added or report.replaced
    verb = "would write" if dry_run and changes else "wrote" if report.written else "no change to"
    typer.echo(
        f"{verb} {report.target}: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.skipped) + len(report.repeated)} skipped"
    )
    changed = {*report.added, *report.replaced}
    validate = "mockint bank validate" + (f" --corpus {corpus}" if corpus is not None else "")
    bare = [q.id for q in report.bank if q.id in changed and not q.key_points]
    if bare:
        # A page carries no key points, so the imported questions are graded without a rubric of their own.
        typer.echo(
            f"{len(bare)} imported question(s) have no key points yet: each is graded against points taken from its "
            f"reference answer and explanation. Add `key_points:` (the atomic points a full answer makes) to them "
            f"in {report.target}, then run `{validate}`."
        )
    if not no_near_duplicates and changed:
        _warn_near_duplicates(changed, report.bank, validate)


def _warn_near_duplicates(changed: set[str], bank: list, validate: str) -> None:
    """A warning, not a refusal: two questions on one subject can both be worth asking, so the user decides."""
    from mockint.bank.near_duplicates import near_duplicates_of
    from mockint.doors.embeddings import shared_local_embedder

    # Embedding the whole bank takes a while (10-35 s for the shipped bank): say so before, not after.
    typer.echo(f"Looking for near-duplicates of {len(changed)} imported questions among {len(bank)}…", err=True)
    pairs = near_duplicates_of(changed, bank, shared_local_embedder(), progress=sys.stderr.isatty())
    for pair in pairs:
        typer.secho(str(pair), fg=typer.colors.YELLOW)
    if pairs:
        typer.echo(f"If a pair asks the same thing, remove or reword one of them; `{validate}` checks the whole bank.")


@app.command("eval")
def eval_command(
    grader: Annotated[
        list[str] | None,
        typer.Option(
            metavar="<grader>", help="offline or llm; repeat to compare side by side. Default: the configured grader."
        ),
    ] = None,
    baseline: Annotated[
        list[str] | None,
        typer.Option(metavar="<baseline>", help="token-overlap, tfidf or embedding; repeat. Default: all three."),
    ] = None,
    no_baselines: Annotated[bool, typer.Option("--no-baselines", help="Run no baseline.")] = False,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Labelled answers: a labelled-set .jsonl, or any CSV/JSONL with the column options. "
            "Default: eval/labelled/."
        ),
    ] = None,
    question_col: Annotated[str | None, typer.Option(help="Column with the question text.")] = None,
    reference_col: Annotated[str | None, typer.Option(help="Column with the reference answer.")] = None,
    answer_col: Annotated[str | None, typer.Option(help="Column with the answer to grade.")] = None,
    score_col: Annotated[str | None, typer.Option(help="Column with the human score.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a unique answer id. Default: row number.")] = None,
    score_min: Annotated[float, typer.Option(help="Lowest score of the file's scale (rescaled to 0).")] = 0.0,
    score_max: Annotated[float, typer.Option(help="Highest score of the file's scale (rescaled to 5).")] = 1.0,
    filter: Annotated[
        list[str] | None,
        typer.Option(
            metavar="<COLUMN=VALUE>", help="Keep rows where COLUMN=VALUE, e.g. split=unseen_questions; repeat to AND."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, metavar="<int>", help="Grade only the first N answers.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, metavar="<int>", help="Parallel LLM requests.")] = 8,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the LLM grade cache.")] = False,
    out: Annotated[Path | None, typer.Option(help="Run folder. Default: eval/runs/<timestamp>-<label>.")] = None,
    label: Annotated[str | None, typer.Option(help="Name of the run (in the folder name).")] = None,
    compare: Annotated[Path | None, typer.Option(help="An earlier run folder or result.json to compare with.")] = None,
    threshold: Annotated[float, typer.Option(help="With --compare: list scores that moved more than this.")] = 0.5,
    price: Annotated[
        list[str] | None,
        typer.Option(
            metavar="<MODEL=IN,OUT>",
            help="USD per 1M input and output tokens of MODEL, overriding the built-in table; repeat.",
        ),
    ] = None,
    resamples: Annotated[
        int, typer.Option(min=100, metavar="<int>", help="Bootstrap resamples for the 95% intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")] = False,
) -> None:
    """Measure graders against human-scored answers: agreement, adversarial answers, twins, latency, cost."""
    from mockint.config import get_settings
    from mockint.evals import baselines as baselines_mod
    from mockint.evals import data as eval_data
    from mockint.evals import metrics
    from mockint.evals import report as eval_report
    from mockint.evals import runner as eval_runner

    settings = get_settings()
    kinds = grader or [settings.active_grader]
    for kind in kinds:
        if kind not in eval_runner.GRADER_KINDS:
            raise typer.BadParameter(f"'{kind}': choose offline or llm.", param_hint="--grader")
    names = [] if no_baselines else baseline or list(baselines_mod.BASELINE_NAMES)
    for name in names:
        if name not in baselines_mod.BASELINE_NAMES:
            raise typer.BadParameter(
                f"'{name}': choose {', '.join(baselines_mod.BASELINE_NAMES)}.", param_hint="--baseline"
            )
    try:
        prices = {**metrics.PRICES_PER_MTOK, **dict(metrics.parse_price(p) for p in price or [])}
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--price") from None

    filters = [eval_data.parse_filter(f) for f in filter or []]
    columns = (question_col, reference_col, answer_col, score_col)
    spec = None
    if any(columns) or id_col:
        if not all(columns):
            raise typer.BadParameter("give all four of --question-col --reference-col --answer-col --score-col.")
        spec = eval_data.TableSpec(
            *columns, id_col=id_col, score_min=score_min, score_max=score_max, filters=filters, limit=limit
        )
    cases = eval_data.load_cases(data, spec, filters=filters, limit=limit)
    cache_dir = None if no_cache else settings.cache_dir
    graders = [eval_runner.build_eval_grader(kind, settings, cache_dir, OFFLINE_BY_FLAG) for kind in kinds]
    source = data or eval_data.default_labelled_dir()
    label = label or "-".join([*kinds, source.stem])
    out = out or eval_report.run_dir_for(Path("eval/runs"), label)
    record = eval_report.run_and_write(
        cases,
        graders,
        baselines_mod.build_baselines(names),
        label=label,
        data=str(source),
        out_dir=out,
        concurrency={g.name: concurrency if kind == "llm" else 1 for g, kind in zip(graders, kinds, strict=True)},
        resamples=resamples,
        seed=seed,
        prices=prices,
        progress=not no_progress,
        previous=compare,
        threshold=threshold,
    )
    typer.echo(eval_report.console_summary(record))
    typer.echo(f"Report: {(out / 'report.md').resolve()}")
    for run in record.systems:
        late = eval_runner.timed_out(run.result)
        if late > len(run.result.cases) / 2:
            typer.secho(_timeouts_advice(late, len(run.result.cases), concurrency, settings), err=True, fg="yellow")
    invalid = [run.summary.system for run in record.systems if run.summary.invalid]
    if invalid:
        # A script or CI job reads the exit code and stderr, not the summary: both say the run measured nothing.
        typer.secho(
            f"mockint: METRICS INVALID for {', '.join(invalid)}: too many answers got no score, so the report "
            "measures nothing. Fix the first error above and run again.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)


def _timeouts_advice(late: int, total: int, concurrency: int, settings: "Settings") -> str:
    """Most answers timed out. A local server (llama.cpp, Ollama, LM Studio) works on one request at a time, so
    the parallel requests of an eval wait in its queue until their deadline: one at a time is the usual cure."""
    deadline = (
        f"raise MOCKINT_LLM_DEADLINE (now {settings.llm_deadline:g} s) and MOCKINT_LLM_TIMEOUT "
        f"(now {settings.llm_timeout:g} s)"
    )
    if concurrency > 1:
        return (
            f"mockint: {late} of {total} answers timed out. A local server (llama.cpp, Ollama) answers one request "
            f"at a time, and --concurrency {concurrency} makes the others wait: run with --concurrency 1, and "
            f"{deadline} for a slow model."
        )
    return f"mockint: {late} of {total} answers timed out: {deadline}; slow local models need a minute or more."


@app.command("grade")
def grade_command(
    question: Annotated[str, typer.Option("--question", "-q", help="Question id from the bank.")],
    answer: Annotated[
        str | None, typer.Option("--answer", "-a", help="The answer text, or - to read it from stdin.")
    ] = None,
    audio: Annotated[
        Path | None,
        typer.Option(
            help="A recorded answer (WAV, FLAC or OGG) instead of --answer: transcribed as `transcribe -q` does, "
            "graded, with its delivery shown apart.",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the grade as JSON (with --audio: transcript, grade, delivery).")
    ] = False,
    grader: Annotated[
        str | None, typer.Option(metavar="<grader>", help="offline or llm. Default: the configured grader.")
    ] = None,
) -> None:
    """Grade one answer to a bank question, typed or recorded, and print the rubric feedback."""
    from rich.console import Console

    from mockint.cli.grade_view import print_delivery, print_grade, print_transcript
    from mockint.grading.factory import GRADER_KINDS, build_grader
    from mockint.types.grade import GradingItem

    if (answer is None) == (audio is None):
        raise typer.BadParameter("give the answer as --answer TEXT or as --audio FILE (one of the two).")
    if grader is not None and grader not in GRADER_KINDS:
        raise typer.BadParameter(f"'{grader}': choose offline or llm.", param_hint="--grader")
    text = None if answer is None else _answer_text(answer)
    q = _bank_question(question)
    # Before transcribing: a grader that cannot be built would otherwise fail only after seconds of decoding.
    chosen = build_grader(kind=grader, offline_switch=OFFLINE_BY_FLAG)
    transcript = delivery = None
    if audio is not None:
        transcript, delivery = _heard_answer(audio, q)
        text = transcript.text
    if sys.stderr.isatty():
        _say_who_grades(chosen)
    grade = chosen.grade(GradingItem.from_question(q), text)
    if grade.grader.fallback_reason:
        # Before the grade, not below it: whoever asked for the LLM must not read the offline score as its.
        typer.secho(f"mockint: {grade.grader.fallback_reason}", err=True, fg=typer.colors.YELLOW)
    if json_output and transcript is None:
        typer.echo(grade.model_dump_json(indent=2))
    elif json_output:
        parts = {"transcript": transcript.model_dump(mode="json", exclude={"speech_segments"})}
        parts |= {"grade": grade.model_dump(mode="json"), "delivery": delivery.model_dump(mode="json")}
        typer.echo(json.dumps(parts, indent=2, ensure_ascii=False))
    else:
        console = Console()
        if transcript is not None:
            print_transcript(transcript, console)
        print_grade(grade, console, question=q.question)
        if delivery is not None:
            print_delivery(delivery, console)


def _bank_question(question_id: str) -> "Question":
    """Ids are lower-case slugs, so one typed in capitals still names its question (or gets its "did you mean")."""
    from mockint.doors.bank_files import load_bank

    bank = load_bank()
    return bank.get(question_id if question_id in bank else question_id.strip().lower())


def _answer_text(answer: str) -> str:
    """The answer given with --answer TEXT or piped in with --answer -, refused when it is empty or not UTF-8:
    a stray byte (an editor saving Windows-1252, a Latin-1 terminal) reaches Python as a surrogate escape, which
    the tokenizers cannot take."""
    from mockint.errors import GradingError

    if answer == "-":
        raw = sys.stdin.buffer.read()
        try:
            # utf-8-sig: Notepad starts a UTF-8 file with a byte-order mark, which is no part of the answer.
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            hint = "Save it as UTF-8 and run again, e.g. iconv -f cp1252 -t utf-8 answer.txt > answer-utf8.txt."
            raise _not_utf8(raw[exc.start], exc.start, hint) from None
        if not text.strip():
            raise GradingError(
                "Nothing to grade: stdin was empty.",
                hint="Put the answer in the file you redirect (--answer - < answer.txt), or pass --answer TEXT.",
            )
        return text
    try:
        answer.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Python keeps an undecodable byte b of the command line as the lone surrogate U+DC00 + b.
        byte = ord(answer[exc.start]) - 0xDC00
        hint = "Set your terminal to UTF-8, or save it as UTF-8 in a file and pass it with --answer - < answer.txt."
        raise _not_utf8(byte, exc.start, hint) from None
    if not answer.strip():
        raise GradingError(
            "Nothing to grade: the answer is empty.", hint="Pass it with --answer TEXT, or pipe it in with --answer -."
        )
    return answer


def _not_utf8(byte: int, position: int, hint: str) -> MockintError:
    from mockint.errors import GradingError

    return GradingError(
        f"The answer is not UTF-8 text: byte 0x{byte:02x} at position {position} (Latin-1 or Windows-1252?).",
        hint=hint,
    )


def _say_who_grades(grader: "Grader") -> None:
    """A slow local model takes up to the deadline, and a silent terminal looks hung."""
    from urllib.parse import urlsplit

    from mockint.grading.factory import FallbackGrader
    from mockint.grading.llm.grader import LLMGrader

    llm = grader.primary if isinstance(grader, FallbackGrader) else grader
    if isinstance(llm, LLMGrader):
        host = urlsplit(llm.client.address).netloc
        typer.echo(f"Grading with {llm.client.model} at {host}…", err=True)


def _heard_answer(file: Path, question: "Question") -> "tuple[Transcript, DeliveryInsights]":
    """The transcript of a recorded answer and its delivery insights, as the app makes them. A mostly unclear
    transcript is refused: the app grades one only once the candidate has fixed or confirmed it."""
    from mockint.errors import SpeechError
    from mockint.speech.delivery import expected_answer_words

    transcript = _transcribe_file(file, question)
    if transcript.mostly_unclear:
        raise SpeechError(
            f"{_mostly_unclear(transcript)}, so it is not graded.",
            hint=f"Record again closer to the microphone, or save the transcript (mockint transcribe {file} "
            f"-q {question.id} > answer.txt), fix it and grade that: mockint grade -q {question.id} --answer - "
            "< answer.txt.",
        )
    expected = expected_answer_words(question.answer, question.explanation, question.difficulty)
    return transcript, transcript.delivery(expected_words=expected)


def _mostly_unclear(transcript: "Transcript") -> str:
    return f"Most of this recording could not be made out ({transcript.unclear_share:.0%} of the words are unclear)"


@bank_app.command("validate")
def bank_validate_command(
    corpus: Annotated[Path | None, typer.Option(help=_CORPUS_HELP)] = None,
    no_near_duplicates: Annotated[
        bool, typer.Option("--no-near-duplicates", help="Skip flagging questions that say the same thing.")
    ] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="<float>",
            help="Cosine of question+answer at or above which two questions are near-duplicates.",
        ),
    ] = None,
) -> None:
    """Check every bank file; list every problem, warning (and near-duplicate pairs)."""
    from mockint.bank.advice import bank_warnings
    from mockint.bank.near_duplicates import DEFAULT_THRESHOLD, check_bank
    from mockint.doors.bank_files import empty_bank_error, validate_corpus

    report = validate_corpus(corpus)
    if not report.questions and not report.problems:
        raise empty_bank_error(report)
    for problem in report.problems:
        typer.secho(f"error: {problem}", fg=typer.colors.RED)
    warnings = bank_warnings(report)
    for warning in warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)
    pairs = []
    checked = not no_near_duplicates and bool(report.questions)
    if checked:
        from mockint.doors.embeddings import shared_local_embedder

        limit = DEFAULT_THRESHOLD if threshold is None else threshold
        # Embedding the whole bank takes a while (35 s on a busy 2-core machine): say so, and show a bar.
        typer.echo(f"Looking for near-duplicates among {len(report.questions)} questions…", err=True)
        pairs = check_bank(report.questions, shared_local_embedder(), limit, progress=sys.stderr.isatty())
        for pair in pairs:
            typer.secho(str(pair), fg=typer.colors.YELLOW)
    # Near-duplicates not looked for are not counted: "0 pairs" would claim a check that did not run.
    counts = [
        (len(report.questions), "valid question"),
        (len(report.files), "file"),
        (len(report.problems), "problem"),
        (len(warnings), "warning"),
    ] + ([(len(pairs), "near-duplicate pair")] if checked else [])
    said = [f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counts]
    typer.echo(f"{report.corpus_dir}: {said[0]} in {said[1]}, {', '.join(said[2:])}")
    if report.problems or pairs:
        raise typer.Exit(1)


@bank_app.command("stats")
def bank_stats_command(
    corpus: Annotated[Path | None, typer.Option(help=_CORPUS_HELP)] = None,
    ids: Annotated[bool, typer.Option("--ids", help="Also list every question id, by topic.")] = False,
    tags: Annotated[bool, typer.Option("--tags", help="Also list every tag with its number of questions.")] = False,
) -> None:
    """Question counts by topic, type and difficulty (and, with --ids or --tags, every question id or tag)."""
    from rich.console import Console
    from rich.table import Table

    from mockint.doors.bank_files import load_bank, stats

    bank = load_bank(corpus)
    total = len(bank)
    console = Console()
    for name, counts in stats(bank).items():
        table = Table(title=f"by {name}")
        table.add_column(name)
        table.add_column("questions", justify="right")
        table.add_column("share", justify="right")
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(key, str(count), f"{100 * count / total:.1f}%")
        table.add_row("total", str(total), "100.0%" if total else "-", style="bold")
        console.print(table)
    if ids:
        for topic, questions in bank.by_topic().items():
            console.print(f"[bold]{topic}[/bold]")
            for q in questions:
                console.print(f"  {q.id}  [dim]{q.difficulty.value} · {q.type.value}[/dim]", highlight=False)
    if tags:
        counts = Counter(t for q in bank.questions for t in q.tags)
        console.print("[bold]tags[/bold]")
        for tag, count in sorted(counts.items()):
            console.print(f"  {tag}  {count}", highlight=False)


@app.command("index")
def index_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Discard the stored vectors and embed everything.")
    ] = False,
) -> None:
    """Embed the question bank into the vector store (incremental: only new or edited questions)."""
    from mockint.store.questions import QuestionStore

    store = QuestionStore.from_settings()
    report = store.sync(progress=sys.stderr.isatty(), rebuild=rebuild)
    typer.echo(f"{store.db.location}: {report.summary()}")
    store.close()


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="What to look for, in your own words.")],
    topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy, medium or hard.")] = None,
    type: Annotated[
        str | None, typer.Option("--type", help="conceptual, scenario, coding, system-design or behavioral.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="<tag>", help="Only questions with this tag (repeatable).")
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, metavar="<int>", help="How many results.")] = 5,
) -> None:
    """Find questions by meaning (syncs the store first when the bank changed)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from mockint.store.questions import QuestionStore

    if not query.strip():
        raise MockintError(
            "Nothing to search for: the query is empty.", hint='Give some words, e.g. mockint search "dropout".'
        )
    store = QuestionStore.from_settings()
    _check_tags(tag or [], {t for q in store.bank.questions for t in q.tags})
    hits = store.search(query, k=k, topic=topic, difficulty=difficulty, type=type, tags=tag)
    store.close()
    if not hits:
        typer.echo("No matching questions.")
        return
    # The id goes under the question, not in a column of its own: ids run to 63 characters, which left
    # the question 2 characters wide in an 80-column terminal.
    table = Table(title=f"closest to {query!r}")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("question", overflow="fold")
    for hit in hits:
        q = hit.question
        details = f"[dim]{q.id}\n{q.topic} · {q.difficulty.value} · {q.type.value}[/dim]"
        table.add_row(f"{hit.score:.3f}", f"{escape(q.question)}\n{details}")
    Console().print(table)


def _check_tags(tags: list[str], known: set[str]) -> None:
    """The store finds nothing for a tag no question has; on the command line that is a typo to point out."""
    import difflib

    from mockint.errors import BankError

    for tag in tags:
        if tag not in known:
            # A bank has hundreds of tags, too many for one line: the closest few, and where to see them all.
            close = difflib.get_close_matches(tag, known, n=3)
            guess = f" Did you mean: {', '.join(close)}?" if close else ""
            raise BankError(
                f"No questions with tag '{tag}'.{guess}", hint="List the tags with `mockint bank stats --tags`."
            )


@app.command("transcribe")
def transcribe_command(
    file: Annotated[Path, typer.Argument(help="A recording: WAV, FLAC or OGG.")],
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="Question id: bias the decoding to its terms.")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print segments with confidence and timing as JSON.")
    ] = False,
) -> None:
    """Transcribe a recording the way the app does; unclear parts are marked [? like this ?]."""
    q = None if question is None else _bank_question(question)
    transcript = _transcribe_file(file, q)
    if json_output:
        typer.echo(transcript.model_dump_json(indent=2, exclude={"speech_segments"}))
        return
    typer.echo(transcript.marked_text())
    if transcript.mostly_unclear:
        typer.secho(
            f"{_mostly_unclear(transcript)}: check the microphone and record again.", err=True, fg=typer.colors.YELLOW
        )
    typer.secho(f"{transcript.engine}, {transcript.duration_s:.1f} s of audio", err=True, dim=True)


def _transcribe_file(file: Path, question: "Question | None") -> "Transcript":
    """A recording file's transcript, its decoding biased by the question when there is one (as the app does)."""
    from mockint.errors import SpeechError
    from mockint.speech.bias import question_bias
    from mockint.speech.transcription import transcribe

    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise SpeechError(f"No such file: {file}.", hint="Check the path to the recording.") from None
    except OSError as exc:
        raise SpeechError(f"Cannot read {file}: {exc.strerror}.", hint="Check the path to the recording.") from exc
    if not data:
        # Said here, where the file's name is known: the speech layer's "the recording is empty" has to fit a
        # browser recording as well, so it cannot name the file or leave the microphone out.
        raise SpeechError(f"{file} is empty (0 bytes).", hint="Pass a recording with sound in it: WAV, FLAC or OGG.")
    return transcribe(data, file.name, bias=question_bias(question) if question is not None else None)


# -- end of commands: add new commands above this line --


def main() -> None:
    # Standalone mode handles usage errors and --help; only our own errors reach here.
    try:
        app()
    except MockintError as exc:
        if _state["verbose"]:
            raise
        from mockint.config import strip_credentials

        typer.secho(strip_credentials(f"mockint: {exc}"), err=True, fg=typer.colors.RED)
        sys.exit(1)
    except _Interrupted:
        if _state["verbose"]:
            raise
        # On a terminal the cursor sits after the echoed ^C: start the line over it.
        typer.echo(f"{chr(13) if sys.stderr.isatty() else ''}mockint: interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
