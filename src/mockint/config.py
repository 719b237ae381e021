"""Settings from the environment and `.env` (pydantic-settings).

Every variable is documented in `.env.example`. The API key and the Chroma token are SecretStrs so they
never appear in a repr, a log line or an error message.
"""

import difflib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, SettingsConfigDict

from mockint.errors import ConfigError

log = logging.getLogger(__name__)

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")
# Query parameters that carry credentials (`?api-key=`, `?access_token=`, signed URLs' `sig=`).
_SECRET_PARAM = re.compile(
    r"([?&;](?:[^=&;#\s]*(?:key|token|secret|pass|pwd|sig|auth|credential)[^=&;#\s]*)=)[^&;#\s]*", re.I
)


def strip_credentials(text: str) -> str:
    """`text` with every URL in it shown without credentials: no `user:password@`, and `[redacted]` for
    the value of any query parameter that names a key, token, secret, password or signature. The one
    function every face, log, report and store uses before a URL leaves the process."""

    def clean(match: re.Match[str]) -> str:
        url = match.group()
        scheme, _, rest = url.partition("://")
        authority, sep, tail = rest.partition("/")
        if "@" in authority:
            authority = authority.rsplit("@", 1)[1]
        return _SECRET_PARAM.sub(r"\1[redacted]", f"{scheme}://{authority}{sep}{tail}")

    return _URL.sub(clean, text)


# Chroma's collection names (chromadb 1.x's Rust validation): 3-512 characters of [a-zA-Z0-9._-], alphanumeric at
# both ends, no "..", not an IPv4 address. MOCKINT_COLLECTION is a prefix that gets "-<12 hex>" per bank
# (`store.questions.collection_name`), and is used alone for a bank made in memory: so it keeps the same rules
# within 512 - 13 characters.
_COLLECTION_PREFIX = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9._-]{1,497}[a-zA-Z0-9])")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


class ChromaServer(NamedTuple):
    """Where a Chroma server listens, from MOCKINT_CHROMA_HOST (and MOCKINT_CHROMA_PORT)."""

    host: str
    port: int | None  # None: the URL gave none, MOCKINT_CHROMA_PORT decides
    ssl: bool


def parse_chroma_host(value: str) -> ChromaServer:
    """A bare host (`127.0.0.1`, `chroma.example.com`), `host:port`, or a URL (`https://host:port`; https means
    TLS). Raises ValueError saying what is wrong, showing the value without any credentials in it."""
    text = value.strip()
    url = text if "://" in text else f"http://{text}"
    shown = strip_credentials(url) if "://" in text else strip_credentials(url).removeprefix("http://")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{shown} is not a Chroma server address: give a host, host:port or an http(s):// URL")
    if "@" in parts.netloc:
        raise ValueError(
            f"{shown} must not hold a user name or password (they would be shown and logged): give the host alone "
            "and the server's token in MOCKINT_CHROMA_TOKEN"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{shown} has a port that is not a number from 1 to 65535") from None
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{shown} is not a Chroma server address: give a host, host:port or an http(s):// URL")
    return ChromaServer(parts.hostname, port, parts.scheme == "https")


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mockint"


class Settings(BaseSettings):
    # A blank value is no value: `cp .env.example .env` leaves `MOCKINT_DATA_DIR=` and the like, which would
    # otherwise be Path("."), the current folder, or an empty model name.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    # LLM (any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp, LM Studio).
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    model: str = Field(default="gpt-4o-mini", validation_alias="MOCKINT_MODEL")
    grader: Literal["auto", "offline", "llm"] = Field(default="auto", validation_alias="MOCKINT_GRADER")
    fallback_to_offline: bool = Field(default=True, validation_alias="MOCKINT_FALLBACK_OFFLINE")
    llm_timeout: float = Field(default=60.0, gt=0, validation_alias="MOCKINT_LLM_TIMEOUT")
    llm_max_retries: int = Field(default=3, ge=0, le=10, validation_alias="MOCKINT_LLM_MAX_RETRIES")
    # One grade's whole budget (connect, stream, retries, the repair request): past it the grade fails
    # and, with fallback on, the offline grade stands in. 45 s: a local 8B model writes a full reply in
    # 20-30 s on a laptop, and a user waits about that long before giving up on a feedback card.
    llm_deadline: float = Field(default=45.0, gt=0, validation_alias="MOCKINT_LLM_DEADLINE")
    llm_context_tokens: int = Field(default=8192, ge=1024, validation_alias="MOCKINT_LLM_CONTEXT_TOKENS")
    max_answer_tokens: int = Field(default=800, ge=50, validation_alias="MOCKINT_MAX_ANSWER_TOKENS")

    # Where `mockint app` serves (its --host and --port win).
    serve_host: str = Field(default="127.0.0.1", min_length=1, validation_alias="MOCKINT_HOST")
    serve_port: int = Field(default=8501, ge=1, le=65535, validation_alias="MOCKINT_PORT")

    # Where things live.
    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="MOCKINT_DATA_DIR")
    corpus_dir: Path | None = Field(default=None, validation_alias="MOCKINT_CORPUS_DIR")
    models_dir_setting: Path | None = Field(default=None, validation_alias="MOCKINT_MODELS_DIR")

    # Chroma: embedded persistent store in data_dir unless a server host (or URL) is given. `collection` is the
    # prefix of the collection names: each bank folder gets its own (`store.questions.collection_name`).
    chroma_host: str | None = Field(default=None, validation_alias="MOCKINT_CHROMA_HOST")
    chroma_port: int = Field(default=8000, ge=1, le=65535, validation_alias="MOCKINT_CHROMA_PORT")
    # Sent as `Authorization: Bearer <token>` to a server started with token authentication.
    chroma_token: SecretStr | None = Field(default=None, validation_alias="MOCKINT_CHROMA_TOKEN")
    collection: str = Field(default="mockint-questions", validation_alias="MOCKINT_COLLECTION")

    # Embeddings: local all-MiniLM-L6-v2 (offline) or an OpenAI-compatible embeddings endpoint.
    embeddings: Literal["local", "openai"] = Field(default="local", validation_alias="MOCKINT_EMBEDDINGS")
    openai_embedding_model: str = Field(
        default="text-embedding-3-small", validation_alias="MOCKINT_OPENAI_EMBEDDING_MODEL"
    )

    # Speech: offline Whisper (faster-whisper, the bundled tiny.en or any CTranslate2 Whisper folder),
    # or an OpenAI-compatible transcription endpoint.
    transcription: Literal["offline", "openai"] = Field(default="offline", validation_alias="MOCKINT_TRANSCRIPTION")
    whisper_model: Path | None = Field(default=None, validation_alias="MOCKINT_WHISPER_MODEL")
    transcription_model: str = Field(default="whisper-1", validation_alias="MOCKINT_TRANSCRIPTION_MODEL")

    @field_validator("openai_base_url", "chroma_host", "whisper_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("data_dir", "corpus_dir", "models_dir_setting", "whisper_model")
    @classmethod
    def _home_is_expanded(cls, value: Path | None) -> Path | None:
        # A shell expands ~ but .env is no shell: left alone, ~/x is a folder named "~" in whatever folder mockint
        # runs from, so the history would change with the current folder.
        return value.expanduser() if value is not None else None

    @field_validator("data_dir", "models_dir_setting")
    @classmethod
    def _not_a_file(cls, value: Path | None) -> Path | None:
        # Found here: further in, a file in its place reads as a broken install ("Not a directory: .../models").
        if value is not None and value.exists() and not value.is_dir():
            raise ValueError(
                f"{value} is a file, not a folder: point it at a folder, or leave it unset for the default"
            )
        return value

    @field_validator("collection")
    @classmethod
    def _collection_is_a_chroma_name(cls, value: str) -> str:
        # Checked here, before Chroma sees it: a name Chroma refuses is a setting to fix, not a store to rebuild.
        if not _COLLECTION_PREFIX.fullmatch(value) or ".." in value or _IPV4.fullmatch(value):
            raise ValueError(
                "a Chroma collection name prefix is 3-499 letters, digits, '.', '_' or '-', starts and ends with "
                "a letter or digit, has no '..' and is not an IP address (e.g. my-questions)"
            )
        return value

    @field_validator("chroma_host")
    @classmethod
    def _chroma_host_is_an_address(cls, value: str | None) -> str | None:
        if value is not None:
            parse_chroma_host(value)
        return value

    @field_validator("openai_api_key", "chroma_token", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def llm_configured(self) -> bool:
        """An LLM counts as configured once a key or a base URL (keyless servers) is given."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def active_grader(self) -> Literal["offline", "llm"]:
        if self.grader == "auto":
            return "llm" if self.llm_configured else "offline"
        return self.grader

    @property
    def chroma_server(self) -> ChromaServer | None:
        """The Chroma server to use, port resolved: the URL's, else MOCKINT_CHROMA_PORT when set, else 443 for
        https (a server behind a TLS proxy) or Chroma's own 8000. None: the embedded store."""
        if self.chroma_host is None:
            return None
        server = parse_chroma_host(self.chroma_host)
        if server.port is not None:
            return server
        if "chroma_port" not in self.model_fields_set and server.ssl:
            return server._replace(port=443)
        return server._replace(port=self.chroma_port)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def models_dir(self) -> Path:
        """Models derived on this machine (the ONNX exports of the local embedding model and answer scorer)."""
        return self.models_dir_setting or self.data_dir / "models"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def _close_setting(name: str, known: list[str]) -> str | None:
    """The real setting `name` most likely misspells. Compared without the MOCKINT_/OPENAI_ prefixes, which
    every name shares and which would otherwise make MOCKINT_LLM_API_KEY look like MOCKINT_LLM_TIMEOUT."""
    bare = {k.removeprefix("MOCKINT_").removeprefix("OPENAI_"): k for k in known}
    guess = difflib.get_close_matches(name.removeprefix("MOCKINT_"), list(bare), n=1)
    return bare[guess[0]] if guess else None


# Names other tools read for the endpoint (OPENAI_API_BASE: the OpenAI SDK before 1.0 and LangChain), and slips.
# Only warned about while OPENAI_BASE_URL is unset: beside it, they are another tool's settings.
_ENDPOINT_ALIASES = ("OPENAI_API_BASE", "OPENAI_API_BASE_URL", "OPENAI_BASEURL", "OPENAI_BASE", "OPENAI_URL")


def warn_unknown_settings() -> None:
    """A warning for each MOCKINT_* variable in the environment or .env that no setting reads (a typo would
    otherwise be ignored without a word), naming the closest real one; and for the endpoint under a name other
    tools use. Never its value: it may be a key."""
    known = sorted(f.validation_alias for f in Settings.model_fields.values())
    in_environment = {name.upper() for name in os.environ}
    in_file = {name.upper() for name in DotEnvSettingsSource(Settings).env_vars}
    for name in sorted(n for n in in_environment | in_file if n.startswith("MOCKINT_")):
        where = "the environment" if name in in_environment else ".env"
        if name not in known:
            close = _close_setting(name, known)
            guess = f" Did you mean {close}?" if close else " See .env.example for every setting."
            log.warning("%s (in %s) is not a mockint setting and is ignored.%s", name, where, guess)
    if "OPENAI_BASE_URL" not in in_environment | in_file:
        for name in sorted(n for n in in_environment | in_file if n in _ENDPOINT_ALIASES):
            where = "the environment" if name in in_environment else ".env"
            log.warning(
                "%s (in %s) is not read by mockint, and OPENAI_BASE_URL is not set. Did you mean OPENAI_BASE_URL?",
                name,
                where,
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings, read once per process. Tests call `get_settings.cache_clear()` after monkeypatching."""
    warn_unknown_settings()
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "settings"
        # Our own validators' messages come as "Value error, <message>": the prefix says nothing to a user.
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(
            f"Invalid setting {name}: {message}.",
            hint="Fix it in your environment or .env (see .env.example).",
        ) from None
