"""The web pages (bokmål, English switchable): the front page, a unit's status, the documentation."""

from __future__ import annotations


def routes(settings) -> list:
    return []
