"""Prompt files in `prompts/`, loaded as langchain-core chat templates.

A prompt file is `<name>.v<N>.yaml` with `version`, `system` and `user` templates (f-string style,
literal braces doubled) and optional extra templates such as `repair`. Rendering checks the
variables both ways: a missing one or an unknown one raises PromptError, so a typo in a prompt
or in the code that fills it cannot silently send a broken prompt.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

from mockint.errors import MockintError
from mockint.resources import prompts_dir

_FILE_RE = re.compile(r"^(?P<name>[a-z0-9_-]+)\.v(?P<n>\d+)\.yaml$")
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class PromptError(MockintError):
    """A prompt file is missing or broken, or was rendered with the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    path: Path
    template: ChatPromptTemplate
    extras: dict[str, PromptTemplate]

    @property
    def variables(self) -> set[str]:
        return set(self.template.input_variables)

    def render(self, **values: str) -> list[dict[str, str]]:
        """The chat messages, as OpenAI-style dicts."""
        self._check(self.variables, values, "system/user")
        messages: list[BaseMessage] = self.template.format_messages(**values)
        return [{"role": _ROLES[m.type], "content": str(m.content)} for m in messages]

    def render_extra(self, key: str, **values: str) -> str:
        """An extra template of the file (e.g. `repair`), rendered to text."""
        if key not in self.extras:
            raise PromptError(f"{self.path.name} has no '{key}' template.", hint="Add it to the prompt file.")
        template = self.extras[key]
        self._check(set(template.input_variables), values, key)
        return template.format(**values)

    def _check(self, expected: set[str], values: dict[str, str], part: str) -> None:
        missing = expected - values.keys()
        unknown = values.keys() - expected
        if missing or unknown:
            detail = "; ".join(
                text
                for text in (
                    f"missing {sorted(missing)}" if missing else "",
                    f"not in the template {sorted(unknown)}" if unknown else "",
                )
                if text
            )
            raise PromptError(
                f"Prompt {self.version} ({part}) rendered with the wrong variables: {detail}.",
                hint=f"Make {self.path} and the code that renders it agree.",
            )


def load_prompt(name: str, version: int | None = None, directory: Path | None = None) -> Prompt:
    """Load `<name>.v<version>.yaml` from the prompts folder; the highest version when not given."""
    folder = directory or prompts_dir()
    candidates = {}
    for path in folder.glob(f"{name}.v*.yaml"):
        match = _FILE_RE.match(path.name)
        if match and match["name"] == name:
            candidates[int(match["n"])] = path
    if not candidates:
        raise PromptError(f"No prompt '{name}' in {folder}.", hint="Reinstall mockint or restore the prompts folder.")
    chosen = version if version is not None else max(candidates)
    if chosen not in candidates:
        raise PromptError(
            f"Prompt {name} version {chosen} not found in {folder} (have {sorted(candidates)}).",
            hint="Pick one of the versions present.",
        )
    return _parse(candidates[chosen], name)


def _parse(path: Path, name: str) -> Prompt:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PromptError(f"Cannot read prompt file {path}: {exc}", hint="Fix the YAML.") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("version", "system", "user")):
        raise PromptError(
            f"Prompt file {path} must be a mapping with string fields version, system and user.",
            hint="Fix the file.",
        )
    extras = {
        key: PromptTemplate.from_template(value)
        for key, value in data.items()
        if key not in ("version", "system", "user", "description") and isinstance(value, str)
    }
    template = ChatPromptTemplate.from_messages([("system", data["system"]), ("human", data["user"])])
    return Prompt(name=name, version=data["version"], path=path, template=template, extras=extras)
