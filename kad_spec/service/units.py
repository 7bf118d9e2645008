"""The units' own data over the API: submission into the register, status and open findings (token needed)."""

from __future__ import annotations


def routes(settings) -> list:
    return []
