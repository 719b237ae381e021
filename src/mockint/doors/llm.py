"""The one door to OpenAI-compatible endpoints (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).

This is the only module that imports `openai`. It owns retries (the SDK's are disabled so the
count is ours), the structured-output fallback ladder, and turning every SDK failure into a
MockintError whose message says what to do and never contains the API key.
"""

import itertools
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import openai
from pydantic import SecretStr

from mockint.config import Settings
from mockint.doors.tokens import count_messages, count_tokens
from mockint.errors import LLMError, LLMUnavailableError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Keyless servers (Ollama, llama.cpp, vLLM) ignore the key, but the SDK refuses to start without one.
_KEYLESS_PLACEHOLDER = "sk-no-key-required"
# Structured output first; servers that reject it get plain JSON mode, then no response_format.
_FORMAT_LADDER = ("json_schema", "json_object", "text")
_SERVER_MESSAGE_CHARS = 200
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_*\-]{4,}|Bearer\s+\S+)")

# A 400 about the context length is not about response_format: stepping down the ladder would not help.
_CONTEXT_OVERFLOW = re.compile(r"context.{0,20}(length|window|size)|too many tokens|too long", re.IGNORECASE)

_RETRYABLE = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


@dataclass(frozen=True)
class LLMReply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    model: str


class LLMClient:
    """A chat/embedding/transcription client with bounded retries and user-facing errors."""

    def __init__(
        self,
        base_url: str | None,
        api_key: SecretStr | None,
        model: str,
        timeout: float = 60.0,
        max_retries: int = 3,
        *,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        retry_after_max: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self._sleep = sleep
        self._secret = api_key.get_secret_value() if api_key is not None else None
        self._format_level = 0
        self._send_temperature = True
        self._sdk = openai.OpenAI(
            api_key=self._secret or _KEYLESS_PLACEHOLDER,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "LLMClient":
        return cls(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r})"

    @property
    def where(self) -> str:
        return self.base_url or "https://api.openai.com/v1"

    @property
    def response_format_mode(self) -> str:
        """Which rung of the structured-output ladder this server has accepted so far."""
        return _FORMAT_LADDER[self._format_level]

    # -- chat ---------------------------------------------------------------------------------

    def complete_json(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float = 0.0,
    ) -> LLMReply:
        """One chat completion whose reply should be a JSON object (validated by the caller)."""

        def call(fmt: dict[str, Any] | None) -> LLMReply:
            started = time.perf_counter()
            completion = self._sdk.chat.completions.create(**self._chat_args(messages, fmt, temperature))
            latency = (time.perf_counter() - started) * 1000
            text = (completion.choices[0].message.content or "") if completion.choices else ""
            usage = completion.usage
            return LLMReply(
                text=text,
                prompt_tokens=usage.prompt_tokens if usage else count_messages(messages, self.model),
                completion_tokens=usage.completion_tokens if usage else count_tokens(text, self.model),
                latency_ms=latency,
                model=completion.model or self.model,
            )

        return self._with_format_fallback(lambda fmt: self._call(lambda: call(fmt), "chat"), schema, schema_name)

    def stream_json(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float = 0.0,
    ) -> "ReplyStream":
        """Like `complete_json`, but iterate the result for text deltas; `.reply` once exhausted."""
        return ReplyStream(self, messages, schema, schema_name, temperature)

    def _chat_args(
        self, messages: list[dict[str, str]], fmt: dict[str, Any] | None, temperature: float
    ) -> dict[str, Any]:
        args: dict[str, Any] = {"model": self.model, "messages": messages}
        if self._send_temperature:
            args["temperature"] = temperature
        if fmt is not None:
            args["response_format"] = fmt
        return args

    def _response_format(self, schema: dict[str, Any] | None, schema_name: str) -> dict[str, Any] | None:
        mode = self.response_format_mode
        if mode == "json_schema" and schema is not None:
            return {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema, "strict": True}}
        if mode in ("json_schema", "json_object"):
            return {"type": "json_object"}
        return None

    def _with_format_fallback(
        self, run: Callable[[dict[str, Any] | None], T], schema: dict[str, Any] | None, schema_name: str
    ) -> T:
        """Step down the ladder when the server rejects a response_format, remembering it for this client.

        Reasoning models refuse any temperature but the default; that 400 drops the parameter instead.
        """
        while True:
            fmt = self._response_format(schema, schema_name)
            try:
                return run(fmt)
            except _FormatRejected as exc:
                if self._send_temperature and "temperature" in self._server_message(exc.cause).lower():
                    log.debug("server rejected temperature; sending none")
                    self._send_temperature = False
                    continue
                if fmt is None or self._format_level >= len(_FORMAT_LADDER) - 1:
                    raise self._bad_request(exc.cause) from None
                log.debug(
                    "server rejected response_format %s; trying %s", fmt["type"], _FORMAT_LADDER[self._format_level + 1]
                )
                self._format_level += 1

    # -- embeddings and speech ----------------------------------------------------------------

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        if not texts:
            return []
        response = self._call(lambda: self._sdk.embeddings.create(input=texts, model=model), "embeddings")
        return [item.embedding for item in sorted(response.data, key=lambda d: d.index)]

    def transcribe(self, audio: bytes, filename: str, model: str) -> str:
        result = self._call(
            lambda: self._sdk.audio.transcriptions.create(file=(filename, audio), model=model), "transcription"
        )
        return result if isinstance(result, str) else result.text

    # -- retries and errors -------------------------------------------------------------------

    def _call(self, fn: Callable[[], T], what: str) -> T:
        """Run `fn` with bounded retries on timeouts, connection errors, 429 and 5xx."""
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                log.debug("LLM %s request to %s (model %s), try %d/%d", what, self.where, self.model, attempt, attempts)
                return fn()
            except openai.APIStatusError as exc:
                self._raise_if_final(exc, what)
                last: openai.APIError = exc
            except openai.APIConnectionError as exc:
                last = exc
            if attempt < attempts:
                delay = self._delay(attempt, last)
                log.debug("LLM %s failed (%s); retrying in %.2f s", what, self._describe(last), delay)
                self._sleep(delay)
        raise self._unavailable(last, attempts, what)

    def _raise_if_final(self, exc: openai.APIStatusError, what: str) -> None:
        """Errors a retry cannot fix are raised at once; retryable ones return."""
        if isinstance(exc, _RETRYABLE) or exc.status_code >= 500:
            return
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            raise LLMError(
                f"The LLM server at {self.where} refused the credentials (HTTP {exc.status_code}).",
                hint="Check OPENAI_API_KEY (and that OPENAI_BASE_URL is the server the key belongs to).",
            ) from None
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError) and what == "chat":
            if _CONTEXT_OVERFLOW.search(self._server_message(exc)):
                raise self._bad_request(exc) from None
            raise _FormatRejected(exc)
        if isinstance(exc, openai.NotFoundError):
            raise LLMError(
                f"The LLM server at {self.where} does not know model '{self.model}' or this endpoint "
                f"({what}): {self._server_message(exc)}",
                hint="Check MOCKINT_MODEL (and the embedding/transcription model settings) and OPENAI_BASE_URL.",
            ) from None
        raise self._bad_request(exc)

    def _bad_request(self, exc: openai.APIStatusError) -> LLMError:
        return LLMError(
            f"The LLM server at {self.where} rejected the request (HTTP {exc.status_code}): "
            f"{self._server_message(exc)}",
            hint="Check MOCKINT_MODEL and MOCKINT_LLM_CONTEXT_TOKENS for this server, or set MOCKINT_GRADER=offline.",
        )

    def _unavailable(self, exc: openai.APIError, attempts: int, what: str) -> LLMUnavailableError:
        return LLMUnavailableError(
            f"The LLM server at {self.where} failed the {what} request {attempts} time(s); "
            f"last: {self._describe(exc)}.",
            hint="Check that OPENAI_BASE_URL points at a running OpenAI-compatible server, that OPENAI_API_KEY "
            "is valid, and your rate limits (raise MOCKINT_LLM_TIMEOUT for slow local models), "
            "or set MOCKINT_GRADER=offline.",
        )

    def _describe(self, exc: openai.APIError) -> str:
        if isinstance(exc, openai.APITimeoutError):
            return f"timed out after {self.timeout:g} s"
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            return f"could not connect ({self._redact(str(cause))})" if cause else "could not connect"
        if isinstance(exc, openai.APIStatusError):
            label = "rate limited" if exc.status_code == 429 else "server error"
            return f"{label}, HTTP {exc.status_code}: {self._server_message(exc)}"
        return self._redact(str(exc))

    def _server_message(self, exc: openai.APIStatusError) -> str:
        body = exc.body
        message = body.get("message") if isinstance(body, dict) else None
        text = str(message or exc.message or "no details")
        return self._redact(text)[:_SERVER_MESSAGE_CHARS]

    def _redact(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "[redacted]")
        return _KEY_PATTERN.sub("[redacted]", text)

    def _delay(self, attempt: int, exc: openai.APIError) -> float:
        """Exponential backoff with jitter; a server's Retry-After wins, capped."""
        if isinstance(exc, openai.APIStatusError):
            wanted = _retry_after_seconds(exc.response.headers)
            if wanted is not None:
                return min(max(wanted, 0.0), self.retry_after_max)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling * (0.5 + random.random() / 2)


class ReplyStream:
    """Text deltas of one streamed chat completion; `.reply` holds the full LLMReply afterwards.

    A failure before the first delta is retried like any request; once text has been handed out
    a retry would repeat it, so a later failure raises LLMUnavailableError instead.
    """

    def __init__(
        self,
        client: LLMClient,
        messages: list[dict[str, str]],
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float,
    ) -> None:
        self._client = client
        self._messages = messages
        self._schema = schema
        self._schema_name = schema_name
        self._temperature = temperature
        self._reply: LLMReply | None = None

    @property
    def reply(self) -> LLMReply:
        if self._reply is None:
            raise RuntimeError("iterate the stream to the end before reading .reply")
        return self._reply

    def __iter__(self) -> Iterator[str]:
        client = self._client
        started = time.perf_counter()

        def open_and_peek(fmt: dict[str, Any] | None) -> tuple[Any, list[Any]]:
            # Reading up to the first text is part of the retried request: until then nothing
            # has been handed out, so a retry repeats nothing.
            args = client._chat_args(self._messages, fmt, self._temperature)

            def attempt() -> tuple[Any, list[Any]]:
                stream = client._sdk.chat.completions.create(
                    **args, stream=True, stream_options={"include_usage": True}
                )
                head: list[Any] = []
                try:
                    for chunk in stream:
                        head.append(chunk)
                        if any(c.delta and c.delta.content for c in chunk.choices):
                            break
                except BaseException:
                    stream.close()
                    raise
                return stream, head

            return client._call(attempt, "chat")

        stream, head = client._with_format_fallback(open_and_peek, self._schema, self._schema_name)
        parts: list[str] = []
        usage = None
        model = client.model
        try:
            for chunk in itertools.chain(head, stream):
                model = chunk.model or model
                usage = chunk.usage or usage
                for choice in chunk.choices:
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        parts.append(delta)
                        yield delta
        except openai.APIError as exc:
            raise client._unavailable(exc, 1, "streamed chat") from None
        finally:
            stream.close()
        text = "".join(parts)
        self._reply = LLMReply(
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else count_messages(self._messages, client.model),
            completion_tokens=usage.completion_tokens if usage else count_tokens(text, client.model),
            latency_ms=(time.perf_counter() - started) * 1000,
            model=model,
        )


class _FormatRejected(Exception):
    """Internal: a chat request got a 4xx that may be the response_format; not user-facing."""

    def __init__(self, cause: openai.APIStatusError) -> None:
        super().__init__(cause.status_code)
        self.cause = cause


def _retry_after_seconds(headers: Any) -> float | None:
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return None
