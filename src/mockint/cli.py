"""The `mockint` command line. A face: it parses arguments, calls the layers below and turns
MockintError into a one-line message with a non-zero exit (`--verbose` shows the traceback)."""

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from mockint.errors import MockintError

app = typer.Typer(
    name="mockint",
    help="Mock-interview coach: practise ML/AI interview questions and get rubric feedback.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
bank_app = typer.Typer(help="Validate, import and summarise the question bank.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")

_state = {"verbose": False}


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks and debug logs.")] = False,
) -> None:
    _state["verbose"] = verbose
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@app.command("app")
def app_command(
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
) -> None:
    """Serve the Streamlit practice app."""
    import subprocess

    script = Path(__file__).with_name("app.py")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    typer.echo(f"mockint: serving on http://{host}:{port}  (Ctrl+C to stop)")
    raise typer.Exit(subprocess.call(cmd))


@bank_app.command("import")
def bank_import_command(
    file: Annotated[Path, typer.Argument(help="Question page to import (InterviewSkill text layout).")],
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (default: the shipped corpus/).")] = None,
    topic: Annotated[str | None, typer.Option(help="Topic slug (default: from the page's category).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite bank entries that differ.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report, write nothing.")] = False,
) -> None:
    """Import a question page into corpus/<topic>.yaml (validated, all or nothing)."""
    from mockint.bank_import import import_page

    report = import_page(file, corpus_dir=corpus, topic=topic, replace=replace, dry_run=dry_run)
    for label, ids in (("added", report.added), ("replaced", report.replaced), ("skipped (identical)", report.skipped)):
        for question_id in ids:
            typer.echo(f"  {label}: {question_id}")
    changes = report.added or report.replaced
    verb = "would write" if dry_run and changes else "wrote" if report.written else "no change to"
    typer.echo(
        f"{verb} {report.target}: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.skipped)} skipped"
    )


# -- end of commands: add new commands above this line --


def main() -> None:
    # Standalone mode handles usage errors and --help; only our own errors reach here.
    try:
        app()
    except MockintError as exc:
        if _state["verbose"]:
            raise
        typer.secho(f"mockint: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(1)


if __name__ == "__main__":
    main()
