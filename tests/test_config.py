"""Settings from the environment and .env: what is refused when they load, and what is said about it."""

import os
import subprocess
import sys

import pytest

from mockint.config import Settings, get_settings
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


@pytest.mark.parametrize(
    ("value", "port_setting", "expected"),
    [
        ("127.0.0.1", None, ("127.0.0.1", 8000, False)),
        ("127.0.0.1", "8841", ("127.0.0.1", 8841, False)),
        ("127.0.0.1:8840", None, ("127.0.0.1", 8840, False)),
        ("http://127.0.0.1:8840", None, ("127.0.0.1", 8840, False)),
        ("http://127.0.0.1:8840/", "8000", ("127.0.0.1", 8840, False)),  # the URL's port wins
        ("https://chroma.example.com", None, ("chroma.example.com", 443, True)),
        ("https://chroma.example.com", "8443", ("chroma.example.com", 8443, True)),
    ],
)
def test_a_chroma_host_may_be_a_bare_host_host_port_or_a_url(monkeypatch, value, port_setting, expected):
    monkeypatch.setenv("MOCKINT_CHROMA_HOST", value)
    if port_setting:
        monkeypatch.setenv("MOCKINT_CHROMA_PORT", port_setting)
    get_settings.cache_clear()
    assert tuple(get_settings().chroma_server) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("user:s3cretpw@127.0.0.1", "127.0.0.1 must not hold a user name or password"),
        ("https://user:s3cretpw@chroma.example.com:8000", "https://chroma.example.com:8000 must not hold a user"),
        ("ftp://127.0.0.1", "ftp://127.0.0.1 is not a Chroma server address: give a host, host:port or an http(s)"),
        ("http://127.0.0.1/api?token=s3cretpw", "is not a Chroma server address"),
        ("http://127.0.0.1:88888", "http://127.0.0.1:88888 has a port that is not a number from 1 to 65535"),
    ],
)
def test_a_chroma_host_that_is_no_address_says_what_is_wrong_without_its_secrets(monkeypatch, value, says):
    monkeypatch.setenv("MOCKINT_CHROMA_HOST", value)
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as info:
        get_settings()
    message = str(info.value)
    assert message.startswith("Invalid setting MOCKINT_CHROMA_HOST: ") and says in message
    assert "s3cretpw" not in message and "rebuilding" not in message


def test_the_chroma_token_is_a_secret(monkeypatch):
    monkeypatch.setenv("MOCKINT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("MOCKINT_CHROMA_TOKEN", "ck-s3cret-token")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.chroma_token.get_secret_value() == "ck-s3cret-token"
    assert "ck-s3cret-token" not in repr(settings) and "ck-s3cret-token" not in str(settings)


def test_a_misspelled_setting_is_named_with_the_closest_real_one_but_never_its_value(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("MOCKINT_GRADERR", "llm")
    monkeypatch.setenv("MOCKINT_LLM_API_KEY", "sk-s3cret-value")
    (tmp_path / ".env").write_text("MOCKINT_CHROMA_HOSTNAME=chroma.internal\nMOCKINT_PORT=8835\nMOCKINT_ZZZ=1\n")
    get_settings.cache_clear()
    with caplog.at_level("WARNING", logger="mockint.config"):
        assert get_settings().grader == "auto"
        get_settings()  # read once: warned once
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "MOCKINT_CHROMA_HOSTNAME (in .env) is not a mockint setting and is ignored. Did you mean MOCKINT_CHROMA_HOST?",
        "MOCKINT_GRADERR (in the environment) is not a mockint setting and is ignored. Did you mean MOCKINT_GRADER?",
        "MOCKINT_LLM_API_KEY (in the environment) is not a mockint setting and is ignored. "
        "Did you mean OPENAI_API_KEY?",
        "MOCKINT_ZZZ (in .env) is not a mockint setting and is ignored. See .env.example for every setting.",
    ]
    assert not any("s3cret" in m or "chroma.internal" in m for m in said)


def test_real_settings_and_a_port_exported_or_in_env_file_raise_no_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("MOCKINT_PORT", "8835")
    monkeypatch.setenv("PORT", "5000")  # set by shells and hosting platforms for their own purposes
    monkeypatch.setenv("HOST", "other.example.com")
    monkeypatch.setenv("mockint_grader", "offline")
    (tmp_path / ".env").write_text(
        "MOCKINT_MODEL=llama3.1:8b\nOPENAI_BASE_URL=http://localhost:11434/v1\nMOCKINT_PORT=8836\nMOCKINT_HOST=0.0.0.0\n"
    )
    get_settings.cache_clear()
    with caplog.at_level("WARNING", logger="mockint.config"):
        settings = get_settings()
    assert (settings.model, settings.serve_host, settings.serve_port) == ("llama3.1:8b", "0.0.0.0", 8835)
    assert caplog.records == []


@pytest.mark.parametrize("value", ["0", "65536", "eighty"])
def test_a_port_that_is_no_port_is_a_config_error(monkeypatch, tmp_path, value):
    (tmp_path / ".env").write_text(f"MOCKINT_PORT={value}\n")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="Invalid setting MOCKINT_PORT"):
        get_settings()


def test_only_the_documented_names_are_read(monkeypatch):
    """A shell's MODEL, GRADER or DATA_DIR is someone else's setting: only MOCKINT_MODEL and the other documented
    names reach mockint's settings."""
    monkeypatch.setenv("MODEL", "someone-elses-model")
    monkeypatch.setenv("GRADER", "llm")
    monkeypatch.setenv("FALLBACK_TO_OFFLINE", "false")
    settings = Settings()
    assert (settings.model, settings.grader, settings.fallback_to_offline) == ("gpt-4o-mini", "auto", True)
    monkeypatch.setenv("MOCKINT_MODEL", "mine")
    assert Settings().model == "mine"


def test_blank_lines_in_env_file_mean_not_set(monkeypatch, tmp_path):
    """`cp .env.example .env` leaves `MOCKINT_DATA_DIR=` and the like: each is the default, never the current
    folder (a blank Path is '.', where `mockint index` would write its Chroma store)."""
    monkeypatch.delenv("MOCKINT_DATA_DIR")
    monkeypatch.delenv("MOCKINT_MODELS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    names = ["MOCKINT_DATA_DIR", "MOCKINT_CORPUS_DIR", "MOCKINT_MODELS_DIR", "MOCKINT_CHROMA_PORT", "MOCKINT_MODEL"]
    (tmp_path / ".env").write_text("".join(f"{name}=\n" for name in names))
    settings = Settings()
    assert settings.data_dir == tmp_path / "xdg" / "mockint"
    assert settings.corpus_dir is None
    assert settings.models_dir == tmp_path / "xdg" / "mockint" / "models"
    assert (settings.chroma_port, settings.model) == (8000, "gpt-4o-mini")


def test_env_example_copied_to_env_changes_no_default(monkeypatch, tmp_path):
    """A new user's first step; an https Chroma URL without a port then still means 443, as the file says."""
    from conftest import ROOT

    monkeypatch.delenv("MOCKINT_DATA_DIR")
    monkeypatch.delenv("MOCKINT_MODELS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    assert Settings() == Settings(_env_file=None)
    monkeypatch.setenv("MOCKINT_CHROMA_HOST", "https://chroma.example.com")
    assert Settings().chroma_server.port == 443


def test_the_endpoint_under_another_tools_name_is_named_but_never_its_value(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:8743/v1?k=s3cret")
    (tmp_path / ".env").write_text("OPENAI_BASEURL=http://gpu-box.internal:8000/v1\n")
    get_settings.cache_clear()
    with caplog.at_level("WARNING", logger="mockint.config"):
        assert get_settings().active_grader == "offline"
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "OPENAI_API_BASE (in the environment) is not read by mockint, and OPENAI_BASE_URL is not set. "
        "Did you mean OPENAI_BASE_URL?",
        "OPENAI_BASEURL (in .env) is not read by mockint, and OPENAI_BASE_URL is not set. "
        "Did you mean OPENAI_BASE_URL?",
    ]
    # Beside OPENAI_BASE_URL, OPENAI_API_BASE is another tool's (LangChain's) setting: nothing to say.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8743/v1")
    get_settings.cache_clear()
    caplog.clear()
    with caplog.at_level("WARNING", logger="mockint.config"):
        get_settings()
    assert caplog.records == []


def test_a_home_folder_tilde_in_a_path_setting_is_the_users_home_not_a_folder_named_tilde(monkeypatch, tmp_path):
    # .env.example documents the default as ~/.local/share/mockint; a literal ./~ made the data follow the cwd.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / ".env").write_text("MOCKINT_DATA_DIR=~/mockint-data\nMOCKINT_CORPUS_DIR=~/bank\n")
    monkeypatch.delenv("MOCKINT_DATA_DIR")
    monkeypatch.setenv("MOCKINT_MODELS_DIR", "~/models")
    monkeypatch.setenv("MOCKINT_WHISPER_MODEL", "~/whisper")
    settings = Settings()
    home = tmp_path / "home"
    assert (
        settings.data_dir == home / "mockint-data" and settings.history_db == home / "mockint-data" / "history.sqlite3"
    )
    assert (settings.corpus_dir, settings.models_dir, settings.whisper_model) == (
        home / "bank",
        home / "models",
        home / "whisper",
    )


@pytest.mark.parametrize("name", ["MOCKINT_DATA_DIR", "MOCKINT_MODELS_DIR"])
def test_a_data_folder_setting_naming_a_file_is_a_config_error_naming_the_setting(monkeypatch, tmp_path, name):
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv(name, str(tmp_path / "afile"))
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as info:
        get_settings()
    assert str(info.value).startswith(f"Invalid setting {name}: {tmp_path / 'afile'} is a file, not a folder")


def test_a_data_folder_that_is_a_file_is_not_blamed_on_the_install(tmp_path):
    # It was: "Could not load the local embedding model ... Reinstall with `pip install -e .`".
    (tmp_path / "afile").write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", "grade", "-q", "what-is-dropout", "-a", "Dropout zeroes units."],
        env={
            **{k: v for k, v in os.environ.items() if k != "MOCKINT_MODELS_DIR"},
            "MOCKINT_DATA_DIR": str(tmp_path / "afile"),
            "MOCKINT_GRADER": "offline",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "MOCKINT_DATA_DIR" in proc.stderr and "not a folder" in proc.stderr and "Reinstall" not in proc.stderr
