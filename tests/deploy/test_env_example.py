"""`.env.example` documents every setting, and only real ones."""

from __future__ import annotations

import re

from service.settings import PROJECT_ROOT, Settings

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
# Read by settings_customise_sources, not a field.
EXTRA_NEWSDESK_VARS = {"NEWSDESK_CONFIG"}


def listed() -> set[str]:
    """Variable names assigned in .env.example, commented out or not."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def test_every_setting_is_listed() -> None:
    fields = {f"NEWSDESK_{name.upper()}" for name in Settings.model_fields}
    missing = fields - listed()
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_every_listed_newsdesk_variable_is_a_setting() -> None:
    fields = {f"NEWSDESK_{name.upper()}" for name in Settings.model_fields}
    unknown = {v for v in listed() if v.startswith("NEWSDESK_")} - fields - EXTRA_NEWSDESK_VARS
    assert not unknown, f"not settings (typo, or removed from service/settings.py): {sorted(unknown)}"


def test_copying_it_changes_nothing() -> None:
    """Every Newsdesk variable is commented out, so `cp .env.example .env` keeps the defaults."""
    active = re.findall(r"^(NEWSDESK_\w+)=", ENV_EXAMPLE.read_text(), re.MULTILINE)
    assert active == []
