"""Settings from the environment and .env: what is refused when they load, and what is said about it."""

import pytest

from mockint.config import get_settings
from mockint.errors import ConfigError


@pytest.mark.parametrize("name", ["my questions", "ab", "-questions", "questions-", "a..b", "10.0.0.1", "x" * 500])
def test_a_collection_prefix_chroma_would_refuse_is_a_config_error_saying_what_is_allowed(monkeypatch, name):
    monkeypatch.setenv("MOCKINT_COLLECTION", name)
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as info:
        get_settings()
    message = str(info.value)
    assert message.startswith("Invalid setting MOCKINT_COLLECTION: a Chroma collection name prefix is 3-499 letters")
    assert "Value error" not in message and "(see .env.example)" in message


@pytest.mark.parametrize("name", ["mockint-questions", "abc", "team.ml_v2", "x" * 499])
def test_a_collection_prefix_chroma_accepts_loads(monkeypatch, name):
    monkeypatch.setenv("MOCKINT_COLLECTION", name)
    get_settings.cache_clear()
    assert get_settings().collection == name
