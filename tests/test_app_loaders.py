"""The app's background loading: built once, off the calling thread, errors re-raised where the value is
needed."""

import threading

import pytest

from mockint.app.loaders import Background
from mockint.errors import ConfigError


def test_a_value_is_built_once_in_another_thread():
    built = []
    release = threading.Event()

    def build() -> str:
        built.append(threading.current_thread().name)
        release.wait(10)
        return "model"

    loader = Background(build, "model")
    assert not loader.ready and loader.error is None
    loader.start().start()
    assert not loader.ready  # still building: start() never waits
    release.set()
    assert loader.get() == "model" and loader.get() == "model"
    assert loader.ready and loader.error is None
    assert len(built) == 1 and built[0].startswith("mockint-model")


def test_what_building_raised_is_raised_by_get():
    def build() -> str:
        raise ConfigError("The model is missing.", hint="Install it.")

    loader = Background(build, "broken")
    with pytest.raises(ConfigError, match="model is missing"):
        loader.get()
    assert loader.ready and isinstance(loader.error, ConfigError)
