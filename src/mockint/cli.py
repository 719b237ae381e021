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
