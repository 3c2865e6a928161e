"""Parts installed as pip extras (``newsdesk[local]``, ``[fast]``, ``[slack]``).

A command that needs a missing one fails with one line naming the extra, not an ImportError.
"""

from __future__ import annotations

from importlib.util import find_spec

from service.errors import Unavailable


class MissingExtra(Unavailable):
    pass


def require_extra(extra: str, module: str, needed_by: str) -> None:
    """Raise ``MissingExtra`` unless ``module``, which ``newsdesk[extra]`` installs, can be imported."""
    if find_spec(module) is None:
        raise MissingExtra(f"{needed_by} needs {module}, which is not installed: pip install 'newsdesk[{extra}]'")
