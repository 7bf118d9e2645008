"""Optional dependencies: say what is missing in one line, with the command that installs it.

Validation needs only the runtime dependencies; ``lint``, ``generate`` and ``release`` build
on LinkML (the ``model`` extra). Without it they stop with exit code 2 and this line, never a
traceback (for ``generate --check`` exit 1 means "out of date", so a missing tool must not
look like that).
"""

from __future__ import annotations

import importlib

import typer

from kad_spec.output import echo
from kad_spec.spec.text import Text

INSTALL = "pip install 'kad-spec[model]'"

LINKML_MISSING = Text("kad-spec {command}: krever LinkML, som ikke er installert; installer med: {install}",
                      "kad-spec {command}: needs LinkML, which is not installed; install it with: {install}")


def linkml_missing() -> bool:
    for name in ("linkml", "linkml_runtime"):
        try:
            importlib.import_module(name)
        except ImportError:
            return True
    return False


def require_linkml(command: str, lang: str = "nb") -> None:
    """Exit 2 with one line on stderr when LinkML cannot be imported."""
    if linkml_missing():
        echo(LINKML_MISSING.format(lang, command=command, install=INSTALL), err=True)
        raise typer.Exit(2)
