"""Token counting with tiktoken, degrading to an estimate where its tables cannot be loaded.

tiktoken downloads its BPE tables once and caches them under TIKTOKEN_CACHE_DIR (tiktoken reads
the variable itself). Without internet and without a cache the tables cannot load; counting then
falls back to about four characters per token and says so once in the log, in plain words. It never raises.
"""

import logging
import math
import re
from functools import lru_cache

import tiktoken
from tiktoken.model import encoding_name_for_model

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
CHARS_PER_TOKEN = 4
# Chat formatting adds a few tokens per message and to prime the reply (OpenAI's cookbook figures).
_TOKENS_PER_MESSAGE = 3
_TOKENS_REPLY_PRIMER = 3
# Older OpenAI chat models use cl100k_base; everything newer, and unknown (local) models, o200k_base.
_CL100K_MODELS = re.compile(r"^(gpt-3\.5|gpt-4(?!o|\.\d)|text-embedding-(ada|3))")

_warned = {"approximate": False}


def encoding_name(model: str) -> str:
    """The tiktoken encoding used for `model`; a best guess for models tiktoken does not know."""
    try:
        # The name lookup alone: `encoding_for_model` would also load (and maybe download) the table.
        return encoding_name_for_model(model)
    except KeyError:
        return "cl100k_base" if _CL100K_MODELS.match(model) else "o200k_base"


@lru_cache(maxsize=8)
def _encoding(name: str) -> tiktoken.Encoding | None:
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # offline, no cache, damaged file: all mean "estimate instead"
        if not _warned["approximate"]:
            _warned["approximate"] = True
            # Said in the user's terms: what is estimated, what that changes for them, how to make it exact.
            log.warning(
                "Token counts are estimates (about %d characters a token): tiktoken's tables could not be "
                "downloaded and TIKTOKEN_CACHE_DIR holds none. An answer near the LLM grader's length limit may be "
                "cut a little early or late; set TIKTOKEN_CACHE_DIR to a folder holding the tables for exact counts.",
                CHARS_PER_TOKEN,
            )
            log.debug("loading tiktoken table %s failed: %r", name, exc)
        return None


def encoding_for(model: str = DEFAULT_MODEL) -> tiktoken.Encoding | None:
    """The encoding for `model`, or None when counts can only be estimated."""
    return _encoding(encoding_name(model))


def is_exact(model: str = DEFAULT_MODEL) -> bool:
    return encoding_for(model) is not None


def count_tokens(text: str, model: str = DEFAULT_MODEL) -> int:
    enc = encoding_for(model)
    if enc is None:
        return math.ceil(len(text) / CHARS_PER_TOKEN)
    return len(enc.encode(text, disallowed_special=()))


def count_messages(messages: list[dict[str, str]], model: str = DEFAULT_MODEL) -> int:
    """Prompt tokens of a chat request, as the server will count them (within a few tokens)."""
    body = sum(_TOKENS_PER_MESSAGE + count_tokens(m.get("content") or "", model) for m in messages)
    return body + _TOKENS_REPLY_PRIMER


def trim_to_tokens(text: str, n: int, model: str = DEFAULT_MODEL) -> tuple[str, bool]:
    """The longest prefix of `text` within `n` tokens, cut at a word boundary; and whether it was cut.

    The result is always a prefix of `text`, so character offsets into it are offsets into `text`.
    """
    if n <= 0:
        return "", bool(text)
    enc = encoding_for(model)
    if enc is None:
        limit = n * CHARS_PER_TOKEN
        if len(text) <= limit:
            return text, False
        prefix = text[:limit]
    else:
        ids = enc.encode(text, disallowed_special=())
        if len(ids) <= n:
            return text, False
        # A cut can fall inside a multi-byte character; decode what is whole and keep that prefix.
        decoded = enc.decode_bytes(ids[:n]).decode("utf-8", errors="ignore")
        prefix = text[: len(decoded)] if text.startswith(decoded) else _common_prefix(text, decoded)
    cut = prefix.rstrip()
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    if boundary > len(cut) // 2:
        cut = cut[:boundary].rstrip()
    return cut, True


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]
