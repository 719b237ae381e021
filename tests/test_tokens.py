"""Token counting: exact with tiktoken tables, approximate (and said once) without them."""

import os
import subprocess
import sys
import textwrap

from hypothesis import given
from hypothesis import strategies as st

from mockint.doors.tokens import count_messages, count_tokens, encoding_name, is_exact, trim_to_tokens


def test_encoding_follows_the_model():
    assert encoding_name("gpt-4o-mini") == "o200k_base"
    assert encoding_name("gpt-4") == "cl100k_base"
    assert encoding_name("gpt-3.5-turbo-0125") == "cl100k_base"
    assert encoding_name("llama3.1:8b") == "o200k_base"


def test_exact_counts_with_the_shared_tables():
    assert is_exact("gpt-4o-mini")
    assert count_tokens("hello world", "gpt-4o-mini") == 2
    assert count_tokens("hello world", "gpt-4") == 2
    messages = [{"role": "system", "content": "hello world"}, {"role": "user", "content": "hello"}]
    assert count_messages(messages, "gpt-4o-mini") == 3 + 2 + 3 + 1 + 3


def test_trim_keeps_a_word_boundary_prefix():
    text = "Dropout randomly disables units during training to reduce overfitting. " * 20
    trimmed, cut = trim_to_tokens(text, 30)
    assert cut and text.startswith(trimmed) and not trimmed.endswith(" ")
    assert count_tokens(trimmed) <= 30
    assert trim_to_tokens("short answer", 30) == ("short answer", False)


@given(st.text(max_size=300), st.integers(1, 60))
def test_trim_is_always_a_prefix_within_budget(text, n):
    trimmed, cut = trim_to_tokens(text, n)
    assert text.startswith(trimmed)
    assert count_tokens(trimmed) <= n
    assert cut == (trimmed != text)


def test_without_tables_counts_approximately_and_says_so_once(tmp_path):
    # An empty cache and an unreachable proxy: tiktoken cannot load its tables, as on an offline machine.
    env = {
        **os.environ,
        "TIKTOKEN_CACHE_DIR": str(tmp_path),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    script = textwrap.dedent("""
        import logging
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        from mockint.doors.tokens import count_tokens, is_exact, trim_to_tokens
        print(count_tokens("x" * 40), count_tokens("y" * 8, "gpt-4"), is_exact())
        print(trim_to_tokens("word " * 100, 10)[1])
    """)
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["10", "2", "False", "True"]
    assert run.stderr.count("Token counts are estimates (about 4 characters a token)") == 1
