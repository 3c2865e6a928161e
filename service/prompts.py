"""Load versioned prompt files: ``prompts/<name>/<version>.yaml``, referenced as ``name@version``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from langchain_core.prompts import ChatPromptTemplate

from service.errors import InvalidInput


@dataclass(frozen=True)
class PromptSpec:
    name: str
    version: str
    system: str
    user: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def template(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.user)])

    @property
    def output_schema(self) -> dict[str, Any] | None:
        return self.extra.get("output_schema")


def _version_key(path: Path) -> tuple[int, str]:
    digits = "".join(c for c in path.stem if c.isdigit())
    return (int(digits) if digits else -1, path.stem)


@lru_cache(maxsize=64)
def load_prompt(ref: str, prompts_dir: Path) -> PromptSpec:
    """``answer@v2`` loads ``prompts_dir/answer/v2.yaml``; a bare ``answer`` loads the newest version."""
    name, _, version = ref.partition("@")
    folder = prompts_dir / name
    if version:
        path = folder / f"{version}.yaml"
    else:
        versions = sorted(folder.glob("*.yaml"), key=_version_key)
        if not versions:
            raise InvalidInput(f"no prompt named {name!r} in {prompts_dir}")
        path = versions[-1]
    if not path.is_file():
        known = ", ".join(sorted(f"{name}@{p.stem}" for p in folder.glob("*.yaml"))) or "none"
        raise InvalidInput(f"no prompt {ref!r} (looked for {path}); available: {known}")
    try:
        data = yaml.safe_load(path.read_text())
        system, user = data.pop("system"), data.pop("user")
    except (yaml.YAMLError, KeyError, AttributeError, TypeError) as exc:
        raise InvalidInput(f"prompt file {path} is malformed: needs 'system' and 'user' ({exc})") from exc
    data.pop("name", None)
    data.pop("version", None)
    return PromptSpec(name=name, version=path.stem, system=system, user=user, extra=data)
