"""The one door to OpenAI-compatible endpoints (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).

This is the only module that imports `openai`. It owns:

- retries: tenacity, bounded by a count and by the deadline, honouring Retry-After (the SDK's own retries
  are off: they would sleep past the deadline);
- one deadline per grade (`LLMClient.deadline()`): connect, every read, retries and the stream all fit in
  it. An httpx transport under the SDK clamps every socket wait to the time left and cuts a reply still
  arriving when it runs out, so a server sending a byte every few seconds cannot hold a grade;
- a bound on the reply's size, whatever the server does with `max_tokens`;
- what each endpoint accepts (response_format json_schema -> json_object -> plain, temperature,
  `max_tokens`), learnt from its error bodies and remembered per base URL for the process, behind a lock:
  many threads share it and none changes another client's state mid-call;
- turning every failure into a MockintError whose message says what to do and never holds a credential.
"""

import contextlib
import itertools
import json
import logging
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any, Literal, NamedTuple, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx2
import openai
import tenacity
from pydantic import SecretStr

from mockint.config import Settings, strip_credentials
from mockint.doors.tokens import count_messages, count_tokens
from mockint.errors import LLMError, LLMResponseError, LLMTimeoutError, LLMUnavailableError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Keyless servers (Ollama, llama.cpp, vLLM) ignore the key, but the SDK refuses to start without one.
_KEYLESS_PLACEHOLDER = "sk-no-key-required"
OPENAI_URL = "https://api.openai.com/v1"
# Structured output first; servers that reject it get JSON mode with the schema beside it (llama.cpp's
# servers turn that schema into a grammar, which is what lets a small local model reply in the right
# shape), then plain JSON mode, then no response_format.
OUTPUT_MODES = ("json_schema", "json_object_schema", "json_object", "plain")
_SERVER_MESSAGE_CHARS = 200
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_*\-]{4,}|Bearer\s+\S+)")
# A reply body past this is refused. The grader asks for at most 1,200 tokens; streamed one token per
# server-sent event (~250 bytes of JSON each) that is about 0.3 MB, so 2 MB only stops a server that
# ignores max_tokens (a 733 MB reply once took 124 s and 2.5 GB).
MAX_REPLY_BYTES = 2_000_000

# A 400 about the context length is not about response_format: stepping down the ladder would not help.
_CONTEXT_OVERFLOW = re.compile(r"context.{0,20}(length|window|size)|too many tokens|too long", re.IGNORECASE)
# An error body that names the response_format (llama-cpp-python answers json_schema with HTTP 500
# "Input should be 'text' or 'json_object'" at loc response_format.type).
_NAMES_FORMAT = re.compile(r"response_format|json_schema|json_object|structured output", re.IGNORECASE)
_NAMES_MAX_TOKENS = re.compile(r"max_tokens", re.IGNORECASE)

# How a user switches to the offline grader where the setting decides (the app). The CLI says its flag
# instead: `--grader llm` beats MOCKINT_GRADER, so advice to set it would change nothing there.
OFFLINE_BY_SETTING = "set MOCKINT_GRADER=offline"

_RETRYABLE = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)

# The absolute time.monotonic() by which the current grade must be done, for the transport below.
_DEADLINE: ContextVar[float | None] = ContextVar("mockint_llm_deadline", default=None)


def public_endpoint(base_url: str | None) -> str:
    """The endpoint as it may be shown, logged, stored and used in cache keys: no credentials."""
    return strip_credentials(base_url or OPENAI_URL).rstrip("/")


def check_base_url(base_url: str | None) -> None:
    """Raise a one-line LLMError when OPENAI_BASE_URL cannot be a server address (a typo in the port), or has a
    query string or fragment: the SDK appends the endpoint's path after it (`/v1?k=x` becomes
    `/v1/?k=xchat/completions`), and a key in a parameter no pattern names would be shown and stored with the
    endpoint. Neither is ever echoed."""
    if base_url is None:
        return
    shown = re.split(r"[?#]", public_endpoint(base_url), maxsplit=1)[0]
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - parsing the port is the check
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise LLMError(
            f"OPENAI_BASE_URL={shown} is not a valid server address.",
            hint="Set it to the server's URL, e.g. http://localhost:11434/v1 (scheme, host, optional port).",
        )
    if parts.query or parts.fragment:
        raise LLMError(
            f"OPENAI_BASE_URL={shown} has a query string or fragment after it (not shown: it may hold a key), which "
            "an OpenAI-compatible client cannot use.",
            hint=f"Set OPENAI_BASE_URL to the address alone ({shown}) and a key in OPENAI_API_KEY.",
        )


class Reach(NamedTuple):
    """Whether the endpoint answers, for a face to say before the first grade finds out."""

    state: Literal["reachable", "key refused", "unreachable"]
    detail: str = ""  # why not, without credentials (e.g. "could not connect ([Errno 111] Connection refused)")


@dataclass(frozen=True)
class LLMReply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    model: str
    output_mode: str = "json_schema"


@dataclass(frozen=True)
class Capabilities:
    """What one endpoint has accepted so far. Starts optimistic; only a rejection steps it down."""

    output_mode: str = OUTPUT_MODES[0]
    temperature: bool = True
    max_tokens_field: str = "max_tokens"


class _CapabilityMemory:
    """Per base URL (and model, for the parameters a model refuses), for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], Capabilities] = {}

    def get(self, key: tuple[str, str]) -> Capabilities:
        with self._lock:
            return self._known.get(key, Capabilities())

    def learn(self, key: tuple[str, str], change: dict[str, Any]) -> None:
        """Record a step down; a thread that learnt the same first wins, and a step never goes back up."""
        with self._lock:
            known = self._known.get(key, Capabilities())
            mode = change.get("output_mode")
            if mode is not None and OUTPUT_MODES.index(mode) <= OUTPUT_MODES.index(known.output_mode):
                change = {k: v for k, v in change.items() if k != "output_mode"}
            self._known[key] = replace(known, **change)


CAPABILITIES = _CapabilityMemory()


class _DeadlinePassed(httpx2.ReadTimeout):
    """The grade's deadline ran out while a request was waiting or a reply was arriving."""


class _ReplyTooLarge(httpx2.ReadError):
    """The reply body passed MAX_REPLY_BYTES."""


class _BoundedTransport(httpx2.BaseTransport):
    """Every socket wait clamped to the deadline's time left; the body cut at the deadline or size bound."""

    def __init__(self, inner: httpx2.BaseTransport, max_bytes: int) -> None:
        self._inner = inner
        self._max_bytes = max_bytes

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = _DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _DeadlinePassed("the deadline passed before the request was sent", request=request)
            timeouts = request.extensions.get("timeout") or {}
            request.extensions["timeout"] = {
                k: left if timeouts.get(k) is None else min(timeouts[k], left)
                for k in ("connect", "read", "write", "pool")
            }
        try:
            response = self._inner.handle_request(request)
        except httpx2.TimeoutException as exc:
            if deadline is not None and time.monotonic() >= deadline:
                raise _DeadlinePassed("the deadline passed before the reply began", request=request) from exc
            raise
        stream = _BoundedStream(response.stream, response.extensions, deadline, self._max_bytes, request)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


class _BoundedStream(httpx2.SyncByteStream):
    def __init__(
        self, inner: Any, extensions: dict, deadline: float | None, max_bytes: int, request: httpx2.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._max_bytes = max_bytes
        self._request = request
        self._timer: threading.Timer | None = None
        self._fired = False
        network = extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        if deadline is not None and isinstance(sock, socket.socket):
            # A read in progress when the deadline passes is woken by shutting the socket: its timeout was
            # fixed when the body started, and a server that sends late then hangs must not outlast it.
            self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._cut, args=(sock,))
            self._timer.daemon = True
            self._timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self._fired = True
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        try:
            for chunk in self._inner:
                received += len(chunk)
                if received > self._max_bytes:
                    raise _ReplyTooLarge(f"the reply passed {self._max_bytes} bytes", request=self._request)
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    raise _DeadlinePassed("the deadline passed while the reply was arriving", request=self._request)
                yield chunk
        except httpx2.TransportError as exc:
            late = self._deadline is not None and time.monotonic() >= self._deadline
            if (self._fired or late) and not isinstance(exc, _DeadlinePassed | _ReplyTooLarge):
                raise _DeadlinePassed(
                    "the deadline passed while the reply was arriving", request=self._request
                ) from exc
            raise

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._inner.close()


class LLMClient:
    """A chat/embedding/transcription client with bounded retries, a deadline and user-facing errors."""

    def __init__(
        self,
        base_url: str | None,
        api_key: SecretStr | None,
        model: str,
        timeout: float = 60.0,
        max_retries: int = 3,
        *,
        deadline: float = 45.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        retry_after_max: float = 30.0,
        max_reply_bytes: int = MAX_REPLY_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        offline_switch: str = OFFLINE_BY_SETTING,
    ) -> None:
        check_base_url(base_url)
        self.base_url = base_url
        self.offline_switch = offline_switch
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.deadline_seconds = deadline
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self._sleep = sleep
        self._secret = api_key.get_secret_value() if api_key is not None else None
        self._sdk = openai.OpenAI(
            api_key=self._secret or _KEYLESS_PLACEHOLDER,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=openai.DefaultHttpxClient(transport=_BoundedTransport(httpx2.HTTPTransport(), max_reply_bytes)),
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, offline_switch: str = OFFLINE_BY_SETTING) -> "LLMClient":
        return cls(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            deadline=settings.llm_deadline,
            offline_switch=offline_switch,
        )

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.where!r}, model={self.model!r})"

    @property
    def where(self) -> str:
        """The endpoint without credentials: the only form of the URL that leaves this object."""
        return public_endpoint(self.base_url)

    @property
    def address(self) -> str:
        """The endpoint as messages show it: no credentials and no query string (which may carry a key in a
        parameter no pattern names), so a user can read it and compare it with OPENAI_BASE_URL."""
        parts = urlsplit(self.where)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    @property
    def _key(self) -> tuple[str, str]:
        return (self.where, self.model)

    @property
    def response_format_mode(self) -> str:
        """The output mode this endpoint has accepted so far (json_schema, json_object or plain)."""
        return CAPABILITIES.get(self._key).output_mode

    @contextlib.contextmanager
    def deadline(self, seconds: float | None = None) -> Iterator[None]:
        """Every call inside shares one deadline (`seconds`, default the client's); an outer one wins."""
        if _DEADLINE.get() is not None:
            yield
            return
        token = _DEADLINE.set(time.monotonic() + (self.deadline_seconds if seconds is None else seconds))
        try:
            yield
        finally:
            _DEADLINE.reset(token)

    # -- chat ---------------------------------------------------------------------------------

    def complete_json(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float = 0.0,
        max_tokens: int = 1200,
    ) -> LLMReply:
        """One chat completion whose reply should be a JSON object (validated by the caller)."""

        def call(caps: Capabilities) -> LLMReply:
            started = time.perf_counter()
            args = self._chat_args(messages, caps, schema, schema_name, temperature, max_tokens)
            completion = self._sdk.chat.completions.create(**args)
            if isinstance(completion, str):  # the SDK hands back the raw body when it is not JSON (an HTML page)
                raise LLMResponseError(
                    f"The LLM server at {self.address} did not answer with a chat completion.",
                    hint="Check that OPENAI_BASE_URL is the server's OpenAI-compatible /v1 address.",
                )
            latency = (time.perf_counter() - started) * 1000
            text = _message_text(completion)
            prompt_tokens, completion_tokens = _usage(getattr(completion, "usage", None))
            return LLMReply(
                text=text,
                prompt_tokens=count_messages(messages, self.model) if prompt_tokens is None else prompt_tokens,
                completion_tokens=count_tokens(text, self.model) if completion_tokens is None else completion_tokens,
                latency_ms=latency,
                model=_model_name(completion) or self.model,
                output_mode=caps.output_mode,
            )

        with self.deadline():
            return self._with_capabilities(lambda caps: self._call(lambda: call(caps), "chat"))

    def stream_json(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float = 0.0,
        max_tokens: int = 1200,
    ) -> "ReplyStream":
        """Like `complete_json`, but iterate the result for text deltas; `.reply` once exhausted."""
        return ReplyStream(self, messages, schema, schema_name, temperature, max_tokens)

    def _chat_args(
        self,
        messages: list[dict[str, str]],
        caps: Capabilities,
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float,
        max_tokens: int,
    ) -> dict[str, Any]:
        args: dict[str, Any] = {"model": self.model, "messages": messages, caps.max_tokens_field: max_tokens}
        if caps.temperature:
            args["temperature"] = temperature
        if caps.output_mode == "json_schema" and schema is not None:
            args["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": True},
            }
        elif caps.output_mode == "json_object_schema" and schema is not None:
            args["response_format"] = {"type": "json_object", "schema": schema}
        elif caps.output_mode != "plain":
            args["response_format"] = {"type": "json_object"}
        return args

    def _with_capabilities(self, run: Callable[[Capabilities], T]) -> T:
        """Run with what this endpoint is known to accept; on a rejection that names a parameter, learn
        (shared by every thread) and run again. Reasoning models refuse any temperature but the default
        and want `max_completion_tokens`; those 400s drop or rename the parameter instead."""
        while True:
            caps = CAPABILITIES.get(self._key)
            try:
                return run(caps)
            except _Rejected as exc:
                message = self._server_message(exc.cause)
                if caps.temperature and "temperature" in message.lower():
                    change: dict[str, Any] = {"temperature": False}
                elif caps.max_tokens_field == "max_tokens" and _NAMES_MAX_TOKENS.search(message):
                    change = {"max_tokens_field": "max_completion_tokens"}
                elif caps.output_mode != OUTPUT_MODES[-1] and (exc.cause.status_code < 500 or exc.names_format):
                    change = {"output_mode": OUTPUT_MODES[OUTPUT_MODES.index(caps.output_mode) + 1]}
                else:
                    raise self._bad_request(exc.cause) from None
                log.debug("server at %s rejected a parameter (%s); now %s", self.where, message[:80], change)
                CAPABILITIES.learn(self._key, change)

    # -- reachability -------------------------------------------------------------------------

    def reach(self, seconds: float) -> Reach:
        """One request (listing the models), no retries, all of it within `seconds`. Any HTTP answer but a
        refused key counts as reachable: llama.cpp and some proxies have no /models and answer 404."""
        with self.deadline(seconds):
            try:
                self._sdk.with_options(timeout=seconds, max_retries=0).models.with_raw_response.list()
            except openai.AuthenticationError as exc:
                return Reach("key refused", f"HTTP {exc.status_code}")
            except openai.APIStatusError:
                return Reach("reachable")
            except openai.APIConnectionError as exc:  # refused, no such host, timed out or cut at the deadline
                if isinstance(exc, openai.APITimeoutError) or isinstance(exc.__cause__, httpx2.TimeoutException):
                    return Reach("unreachable", f"no answer within {seconds:g} s")
                return Reach("unreachable", self._describe(exc))
        return Reach("reachable")

    # -- embeddings and speech ----------------------------------------------------------------

    def embed(self, texts: list[str], model: str) -> list[list[float]]:
        if not texts:
            return []
        with self.deadline():
            return self._call(
                lambda: _vectors(self._sdk.embeddings.create(input=texts, model=model), len(texts)), "embeddings"
            )

    def transcribe(self, audio: bytes, filename: str, model: str) -> str:
        def call() -> str:
            result = self._sdk.audio.transcriptions.create(file=(filename, audio), model=model)
            text = result if isinstance(result, str) else getattr(result, "text", None)
            if not isinstance(text, str):
                raise _Unusable("not a transcription (no text in it)")
            return text

        with self.deadline():
            return self._call(call, "transcription")

    # -- retries and errors -------------------------------------------------------------------

    def _call(self, fn: Callable[[], T], what: str) -> T:
        """Run `fn` with bounded retries on timeouts, connection errors, 429 and 5xx, within the deadline."""
        attempts = self.max_retries + 1

        tries = 0

        def attempt() -> T:
            nonlocal tries
            tries += 1
            log.debug("LLM %s request to %s (model %s), try %d/%d", what, self.where, self.model, tries, attempts)
            try:
                return fn()
            except openai.APIStatusError as exc:
                self._raise_if_final(exc, what)
                raise
            except openai.APIConnectionError as exc:
                if isinstance(exc.__cause__, _ReplyTooLarge):
                    raise self._too_large(what) from None
                if tls := self._plain_http(exc):
                    raise LLMError(
                        f"The LLM server at {self.address} did not answer over TLS ({tls}): it likely speaks plain "
                        "HTTP.",
                        hint=f"Use http:// instead of https:// in OPENAI_BASE_URL, {self._fallback(what)}.",
                    ) from None
                if isinstance(exc.__cause__, _DeadlinePassed):
                    raise self._unavailable(exc, tries, what, out_of_time=True) from None
                raise
            except (openai.APIError, ValueError) as exc:
                raise self._unusable_reason(exc) from exc

        def give_up(state: tenacity.RetryCallState) -> T:
            last = state.outcome.exception()
            if isinstance(last, _Unusable):
                raise self._unusable(last, state.attempt_number, what) from None
            raise self._unavailable(last, state.attempt_number, what, self._beyond_deadline(state)) from None

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._retryable),
            stop=tenacity.stop_after_attempt(attempts) | self._beyond_deadline,
            wait=self._wait,
            sleep=self._sleep,
            retry_error_callback=give_up,
            before_sleep=lambda s: log.debug(
                "LLM %s failed (%s); retrying in %.2f s", what, self._describe(s.outcome.exception()), s.upcoming_sleep
            ),
        )
        return retrying(attempt)

    @staticmethod
    def _retryable(exc: BaseException) -> bool:
        if isinstance(exc, openai.APIConnectionError | _Unusable):
            return True
        return isinstance(exc, openai.APIStatusError) and (isinstance(exc, _RETRYABLE) or exc.status_code >= 500)

    @staticmethod
    def _beyond_deadline(state: tenacity.RetryCallState) -> bool:
        """No time left, or the wait the server asks for (or the backoff) would end past the deadline."""
        deadline = _DEADLINE.get()
        return deadline is not None and time.monotonic() + state.upcoming_sleep >= deadline

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Exponential backoff with jitter; a server's Retry-After wins, capped."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, openai.APIStatusError):
            wanted = _retry_after_seconds(exc.response.headers)
            if wanted is not None:
                return min(max(wanted, 0.0), self.retry_after_max)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (state.attempt_number - 1))
        return ceiling * (0.5 + random.random() / 2)

    def _raise_if_final(self, exc: openai.APIStatusError, what: str) -> None:
        """Errors a retry cannot fix are raised at once; retryable ones return."""
        names_format = bool(_NAMES_FORMAT.search(self._server_message(exc)))
        if what == "chat" and exc.status_code in (400, 422, 500) and names_format:
            raise _Rejected(exc, names_format=True)
        if isinstance(exc, _RETRYABLE) or exc.status_code >= 500:
            return
        # No key anywhere (a user name and password in the URL are credentials too): nothing was refused.
        keyless = self._secret is None and "@" not in urlsplit(self.base_url or "").netloc
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError) and keyless:
            raise LLMError(
                f"The LLM server at {self.address} needs an API key (HTTP {exc.status_code}), and none is set.",
                hint="The server needs a key: set OPENAI_API_KEY.",
            ) from None
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            raise LLMError(
                f"The LLM server at {self.address} refused the credentials (HTTP {exc.status_code}).",
                hint="Check OPENAI_API_KEY (and that OPENAI_BASE_URL is the server the key belongs to).",
            ) from None
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError) and what == "chat":
            if _CONTEXT_OVERFLOW.search(self._server_message(exc)):
                raise self._bad_request(exc) from None
            raise _Rejected(exc, names_format=False)
        if isinstance(exc, openai.NotFoundError):
            raise LLMError(
                f"The LLM server at {self.address} does not know model '{self.model}' or this endpoint "
                f"({what}): {self._server_message(exc)}",
                hint=self._not_found_hint(what),
            ) from None
        raise self._bad_request(exc, what)

    def _not_found_hint(self, what: str) -> str:
        """A 404 is a wrong model or a wrong address; a base URL without /v1 (or with the endpoint's path on it)
        is the common slip, and the SDK adds /chat/completions to whatever it is given."""
        setting = {"embeddings": "MOCKINT_OPENAI_EMBEDDING_MODEL", "transcription": "MOCKINT_TRANSCRIPTION_MODEL"}
        check = f"{setting.get(what, 'MOCKINT_MODEL')} (the server lists its models at {self.address}/models)"
        if self.base_url is not None:
            parts = urlsplit(self.address)
            path = parts.path.rstrip("/")
            for endpoint in ("/chat/completions", "/embeddings", "/audio/transcriptions"):
                if path.endswith(endpoint):
                    base = urlunsplit((parts.scheme, parts.netloc, path.removesuffix(endpoint), "", ""))
                    return f"OPENAI_BASE_URL is the address before {endpoint}: try {base}; else check {check}."
            if not path.endswith("/v1"):
                base = urlunsplit((parts.scheme, parts.netloc, f"{path}/v1", "", ""))
                return f"OPENAI_BASE_URL usually ends in /v1: try {base}; else check {check}."
        return f"Check {check} and OPENAI_BASE_URL."

    def _plain_http(self, exc: openai.APIConnectionError) -> str | None:
        """The TLS error, when an https:// address met a server that does not speak TLS (a local server on
        http://): a retry fails the same way, and the fix is the scheme. A certificate it does not trust is
        another matter, left to the usual connection error."""
        if urlsplit(self.address).scheme != "https":
            return None
        error: BaseException | None = exc
        while error is not None:
            if isinstance(error, ssl.SSLError) and not isinstance(error, ssl.SSLCertVerificationError):
                return self._redact(error.reason or str(error))
            error = error.__cause__ or error.__context__
        return None

    def _bad_request(self, exc: openai.APIStatusError, what: str = "chat") -> LLMError:
        settings = "MOCKINT_MODEL and MOCKINT_LLM_CONTEXT_TOKENS"
        if what == "embeddings":
            settings = "MOCKINT_OPENAI_EMBEDDING_MODEL"
        elif what == "transcription":
            settings = "MOCKINT_TRANSCRIPTION_MODEL"
        return LLMError(
            f"The LLM server at {self.address} rejected the request (HTTP {exc.status_code}): "
            f"{self._server_message(exc)}",
            hint=f"Check {settings} for this server, {self._fallback(what)}.",
        )

    def _fallback(self, what: str) -> str:
        """What does without the endpoint for this request: the grader's advice is no use to `mockint index`
        with MOCKINT_EMBEDDINGS=openai."""
        if what == "embeddings":
            return "or set MOCKINT_EMBEDDINGS=local"
        if what == "transcription":
            return "or set MOCKINT_TRANSCRIPTION=offline"
        return f"or {self.offline_switch}"

    def _unusable_reason(self, exc: openai.APIError | ValueError) -> "_Unusable":
        """Why a 200 reply could not be read. The SDK parses the body with json and the codec, and raises their
        errors unwrapped; a stream's error event comes as a bare APIError."""
        if isinstance(exc, json.JSONDecodeError):
            if not exc.doc.strip():
                return _Unusable("an empty body")
            # json's messages end in "at" ("Invalid control character at") before the position it appends.
            return _Unusable(f"not valid JSON ({exc.msg.removesuffix(' at')} at character {exc.pos})")
        if isinstance(exc, UnicodeDecodeError):
            return _Unusable("not UTF-8 text")
        if isinstance(exc, openai.APIError):
            return _Unusable(f"an error instead of a reply: {self._redact(exc.message)[:_SERVER_MESSAGE_CHARS]}")
        return _Unusable(f"not readable ({self._redact(str(exc))[:_SERVER_MESSAGE_CHARS]})")

    def _unusable(self, exc: "_Unusable", attempts: int, what: str) -> LLMResponseError:
        times = "once" if attempts == 1 else f"{attempts} times"
        return LLMResponseError(
            f"The LLM server at {self.address} answered {times}, but its reply was unusable; last: {exc}.",
            hint="Check the server's log (did it crash or cut the reply off?) and that OPENAI_BASE_URL is its "
            f"OpenAI-compatible /v1 address, {self._fallback(what)}.",
        )

    def _too_large(self, what: str) -> LLMResponseError:
        return LLMResponseError(
            f"The LLM server at {self.address} sent a reply over {MAX_REPLY_BYTES // 1_000_000} MB; it was refused "
            "(the server ignores max_tokens).",
            hint=f"Use a server or model that honours max_tokens, {self._fallback(what)}.",
        )

    def _unavailable(
        self, exc: BaseException | None, attempts: int, what: str, out_of_time: bool = False
    ) -> LLMUnavailableError:
        within = f" within the {self.deadline_seconds:g} s deadline" if out_of_time else ""
        times = "once" if attempts == 1 else f"{attempts} times"
        kind = LLMTimeoutError if self._too_slow(exc, out_of_time) else LLMUnavailableError
        return kind(
            f"The LLM server at {self.address} failed the {what} request {times}{within}; last: {self._describe(exc)}.",
            hint=self._unavailable_hint(exc, out_of_time, what),
        )

    @staticmethod
    def _too_slow(exc: BaseException | None, out_of_time: bool) -> bool:
        """The server was there but did not reply in time. A refused connection or an HTTP error is not that,
        however much of the deadline was left when retries stopped."""
        cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) and exc.__cause__ else exc
        if isinstance(cause, httpx2.ConnectError) or isinstance(exc, openai.APIStatusError):
            return False
        return out_of_time or isinstance(exc, openai.APITimeoutError) or isinstance(cause, httpx2.TimeoutException)

    def _unavailable_hint(self, exc: BaseException | None, out_of_time: bool, what: str) -> str:
        """What to do about this failure: advice for another failure (rate limits after a refused connection)
        sends the user looking in the wrong place. What failed decides, before the time left: a refused
        connection means no server, however much of the deadline was left when retries stopped."""
        offline = self._fallback(what)
        cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) and exc.__cause__ else exc
        if isinstance(cause, httpx2.ConnectError):
            if self.base_url is None:
                return f"Check your internet connection (the server is OpenAI at {self.address}), {offline}."
            return f"Is the server running at {self.address}? Start it or fix OPENAI_BASE_URL, {offline}."
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code == 429:
                return f"The server is rate limiting you: wait a minute, check your plan's rate limits, {offline}."
            return (
                f"The server failed (HTTP {exc.status_code}): check its log and that OPENAI_BASE_URL and "
                f"MOCKINT_MODEL are right, {offline}."
            )
        if self._too_slow(exc, out_of_time):
            return (
                f"The server at {self.address} answers too slowly: raise MOCKINT_LLM_TIMEOUT and "
                f"MOCKINT_LLM_DEADLINE (slow local models need a minute or more), {offline}."
            )
        if isinstance(cause, httpx2.TransportError):
            return f"The connection to {self.address} broke: check the server's log and your network, {offline}."
        if self.base_url is None:
            return f"Check your internet connection (the server is OpenAI at {self.address}), {offline}."
        return f"Is the server running at {self.address}? Start it or fix OPENAI_BASE_URL, {offline}."

    def _describe(self, exc: BaseException | None) -> str:
        cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) else exc
        if isinstance(cause, _DeadlinePassed):
            return f"no complete reply before the {self.deadline_seconds:g} s deadline (MOCKINT_LLM_DEADLINE)"
        if isinstance(exc, openai.APITimeoutError) or isinstance(cause, httpx2.TimeoutException):
            return f"timed out after {self.timeout:g} s"
        if isinstance(cause, httpx2.TransportError) and not isinstance(exc, openai.APIConnectionError):
            return f"the connection broke mid-reply ({self._redact(str(cause))})"
        if isinstance(exc, openai.APIConnectionError):
            return f"could not connect ({self._redact(str(cause))})" if cause else "could not connect"
        if isinstance(exc, openai.APIStatusError):
            label = "rate limited" if exc.status_code == 429 else "server error"
            wait = _retry_after_seconds(exc.response.headers) if exc.status_code == 429 else None
            asked = f", asked to wait {wait:g} s" if wait else ""
            return f"{label}, HTTP {exc.status_code}{asked}: {self._server_message(exc)}"
        return self._redact(str(exc))

    def _server_message(self, exc: openai.APIStatusError) -> str:
        body = exc.body
        message = body.get("message") if isinstance(body, dict) else None
        if message is None and isinstance(body, dict | list):
            message = str(body)
        text = str(message or exc.message or "no details")
        return self._redact(text)[:_SERVER_MESSAGE_CHARS]

    def _redact(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "[redacted]")
        return strip_credentials(_KEY_PATTERN.sub("[redacted]", text))


class ReplyStream:
    """Text deltas of one streamed chat completion; `.reply` holds the full LLMReply afterwards.

    A failure before the first delta is retried like any request; once text has been handed out
    a retry would repeat it, so a later failure raises LLMUnavailableError instead. The stream shares the
    deadline of the grade it is part of (or gets the client's own, fixed when iteration starts).
    """

    def __init__(
        self,
        client: LLMClient,
        messages: list[dict[str, str]],
        schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float,
        max_tokens: int,
    ) -> None:
        self._client = client
        self._messages = messages
        self._schema = schema
        self._schema_name = schema_name
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._reply: LLMReply | None = None

    @property
    def reply(self) -> LLMReply:
        if self._reply is None:
            raise RuntimeError("iterate the stream to the end before reading .reply")
        return self._reply

    def __iter__(self) -> Iterator[str]:
        client = self._client
        started = time.perf_counter()
        deadline = _DEADLINE.get() or time.monotonic() + client.deadline_seconds

        def open_and_peek(caps: Capabilities) -> tuple[Any, list[Any]]:
            # Reading up to the first text is part of the retried request: until then nothing
            # has been handed out, so a retry repeats nothing.
            args = client._chat_args(
                self._messages, caps, self._schema, self._schema_name, self._temperature, self._max_tokens
            )

            def attempt() -> tuple[Any, list[Any]]:
                stream = client._sdk.chat.completions.create(
                    **args, stream=True, stream_options={"include_usage": True}
                )
                head: list[Any] = []
                try:
                    for chunk in stream:
                        head.append(chunk)
                        if _deltas(chunk):
                            break
                except httpx2.TransportError as exc:
                    stream.close()
                    # Not yet handed out: retried like a failed request (unless out of time or too large).
                    raise openai.APIConnectionError(request=httpx2.Request("POST", client.where)) from exc
                except BaseException:
                    stream.close()
                    raise
                return stream, head

            return client._call(attempt, "chat")

        # The deadline is set only around calls that block, never across a `yield`: the consumer's code
        # between deltas runs outside it, in whatever context it likes.
        with _deadline_scope(deadline):
            stream, head, caps = client._with_capabilities(lambda caps: (*open_and_peek(caps), caps))
        parts: list[str] = []
        usage = None
        model = client.model
        try:
            for chunk in itertools.chain(head, stream):
                model = _model_name(chunk) or model
                usage = getattr(chunk, "usage", None) or usage
                for delta in _deltas(chunk):
                    parts.append(delta)
                    yield delta
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            # The SDK may wrap the transport's error; what broke is the cause.
            cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) and exc.__cause__ else exc
            if isinstance(cause, _ReplyTooLarge):
                raise client._too_large("chat") from None
            raise client._unavailable(cause, 1, "streamed chat", isinstance(cause, _DeadlinePassed)) from None
        except (openai.APIError, ValueError, _Unusable) as exc:
            # Text was handed out already: a retry would repeat it.
            unusable = exc if isinstance(exc, _Unusable) else client._unusable_reason(exc)
            raise client._unusable(unusable, 1, "streamed chat") from None
        finally:
            stream.close()
        text = "".join(parts)
        prompt_tokens, completion_tokens = _usage(usage)
        self._reply = LLMReply(
            text=text,
            prompt_tokens=count_messages(self._messages, client.model) if prompt_tokens is None else prompt_tokens,
            completion_tokens=count_tokens(text, client.model) if completion_tokens is None else completion_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            model=model,
            output_mode=caps.output_mode,
        )


@contextlib.contextmanager
def _deadline_scope(deadline: float) -> Iterator[None]:
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class _Rejected(Exception):
    """Internal: a chat request got a 4xx (or a 500 naming response_format) that may be about a
    parameter this endpoint does not accept; not user-facing."""

    def __init__(self, cause: openai.APIStatusError, *, names_format: bool) -> None:
        super().__init__(cause.status_code)
        self.cause = cause
        self.names_format = names_format


class _Unusable(Exception):
    """Internal: the server answered, but with no reply the SDK could read (cut off, empty, not JSON, the wrong
    shape, an error event in a stream). Retried like a server error: a proxy or a crashing server cuts one
    reply, and the next may be whole."""


def _message_text(completion: Any) -> str:
    """The first choice's text. The SDK builds replies without validating them, so a wrong shape shows only here."""
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list):
        raise _Unusable("not a chat completion (no list of choices)")
    if not choices:
        return ""
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if message is None or not isinstance(content, str | None):
        raise _Unusable("not a chat completion (its first choice holds no text message)")
    return content or ""


def _deltas(chunk: Any) -> list[str]:
    """The text in one streamed chunk. A chunk without choices (the usage at the end) holds none."""
    choices = getattr(chunk, "choices", None) or []
    if not isinstance(choices, list):
        raise _Unusable("not a chat completion stream (a chunk holds no list of choices)")
    texts = []
    for choice in choices:
        content = getattr(getattr(choice, "delta", None), "content", None)
        if not isinstance(content, str | None):
            raise _Unusable("not a chat completion stream (a chunk's text is not text)")
        if content:
            texts.append(content)
    return texts


def _usage(usage: Any) -> tuple[int | None, int | None]:
    """The token counts a server reported; None where it reported none a number (they are then estimated)."""
    prompt, completion = (getattr(usage, name, None) for name in ("prompt_tokens", "completion_tokens"))
    return (prompt if isinstance(prompt, int) else None, completion if isinstance(completion, int) else None)


def _model_name(reply: Any) -> str | None:
    model = getattr(reply, "model", None)
    return model if isinstance(model, str) and model else None


def _vectors(response: Any, count: int) -> list[list[float]]:
    """The embeddings in input order, one per text sent."""
    data = getattr(response, "data", None)
    if not isinstance(data, list) or len(data) != count:
        raise _Unusable(f"not {count} embeddings")
    try:
        ordered = sorted(data, key=lambda d: d.index)
        vectors = [[float(x) for x in item.embedding] for item in ordered]
    except (AttributeError, TypeError, ValueError):
        raise _Unusable("not a list of embeddings with their index") from None
    return vectors


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
