"""User-facing errors.

Every error the user can meet derives from MockintError, whose message says what went wrong
*and what to do about it*. Faces (the CLI, the Streamlit app) translate these into a one-line
message; everything else lets them propagate.
"""


class MockintError(Exception):
    """Base error: the message states the problem and the fix."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.problem = message
        self.hint = hint
        super().__init__(f"{_sentence(message)} {hint}".strip() if hint else message)


def _sentence(message: str) -> str:
    """The problem as a sentence, so the fix after it does not run on ("Connection refused Start the server")."""
    message = message.rstrip()
    return message if not message or message[-1] in ".!?:" else f"{message}."


class ConfigError(MockintError):
    """Configuration in the environment or .env is invalid."""


class BankError(MockintError):
    """A question-bank file is broken. Carries where, so the user can find it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        question: str | None = None,
        field: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.question = question
        self.field = field
        self.line = line
        where = []
        if file:
            where.append(f"{file}:{line}" if line else file)
        if question:
            where.append(f"question {question}")
        if field:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)


class ImportFormatError(MockintError):
    """A question page to import is malformed."""


class StoreError(MockintError):
    """The vector store cannot be reached or used."""


class EmbeddingError(MockintError):
    """The embedding model cannot be loaded or called."""


class LLMError(MockintError):
    """The LLM endpoint failed after bounded retries, or answered nonsense."""


class LLMUnavailableError(LLMError):
    """The LLM endpoint could not be reached or kept failing (timeouts, 429, 5xx)."""


class LLMTimeoutError(LLMUnavailableError):
    """The LLM endpoint answered too slowly: each try timed out, or the deadline ran out."""


class LLMResponseError(LLMError):
    """The LLM answered, but not with a usable result even after a repair retry."""


class GradingError(MockintError):
    """No grader could produce a grade. Never replaced by an invented score."""


class SpeechError(MockintError):
    """A recording could not be decoded or transcribed."""


class EvalDataError(MockintError):
    """A labelled-answer file for `mockint eval` is malformed."""


class HistoryError(MockintError):
    """The attempts database cannot be read or written."""


class ServeError(MockintError):
    """`mockint app` cannot serve where it was asked to (the port is taken, the address is not this machine's)."""
