"""Exceptions raised by the identifier modules.

These are python-stdnum's own exception classes, re-exported, so a caller can
catch one family (``ValidationError``) whether a number was checked here or by
stdnum directly. Every exception raised by ``kad_spec.ids`` carries:

* an English message saying what is wrong (``str(exc)``), which never repeats
  more of a personal identifier than its last two digits, and
* a short, stable ``reason`` code (``exc.reason``) that callers such as the
  validator can key their own bokmål/English messages on.

Reason codes: ``format``, ``length``, ``k1``, ``k2``, ``checksum``,
``scheme``, ``day``, ``month``, ``date``, ``century``, ``year``,
``leading_zero``, ``range``.
"""

from __future__ import annotations

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

__all__ = [
    "ValidationError",
    "InvalidFormat",
    "InvalidLength",
    "InvalidChecksum",
    "InvalidComponent",
    "error",
]


def error(cls: type[ValidationError], reason: str, message: str) -> ValidationError:
    """Build a stdnum exception with a message and a machine-readable reason."""
    exc = cls(message)
    exc.reason = reason  # type: ignore[attr-defined]
    return exc
