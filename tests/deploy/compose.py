"""Read docker-compose.yml the way ``docker compose`` does, without Docker: ``${VAR:-default}`` interpolated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from service.settings import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
# ${VAR}, ${VAR:-default}, ${VAR-default}; `$$` is a literal `$`. (Compose's other forms are not used here.)
_VAR = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, default = m.group("name", "op", "default")
        got = env.get(name)
        if op == ":-" and not got or op == "-" and got is None:
            return default
        return got or ""

    return _VAR.sub(value, text)


def load_compose(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compose file as ``docker compose config`` would see it with ``env`` (default: no variables set)."""
    return yaml.safe_load(interpolate(COMPOSE_FILE.read_text(), env or {}))


def api_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the compose file gives the api container (its ``environment:`` block)."""
    block = load_compose(env)["services"]["api"]["environment"]
    if isinstance(block, list):
        block = dict(item.split("=", 1) for item in block)
    return {k: str(v) for k, v in block.items()}
