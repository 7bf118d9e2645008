"""One bilingual text: bokmål and English side by side, the language chosen by the caller.

Every user-facing text exists in exactly these two languages (bokmål is the default). A
``Text`` holds both, so a table of texts reads as one table, and the language is always an
argument: nothing remembers a language between calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

NB, EN = "nb", "en"
LANGUAGES = (NB, EN)


def language(value: str | None) -> str:
    """``en`` for anything English (``en``, ``en-GB``, ``EN``), else bokmål."""
    return EN if str(value or "").lower().startswith("en") else NB


@dataclass(frozen=True)
class Text:
    nb: str
    en: str

    def get(self, lang: str | None = NB) -> str:
        """The text in ``lang``; the bokmål text when the English one is empty."""
        return self.en if language(lang) == EN and self.en else self.nb

    def format(self, lang: str | None = NB, /, **params: Any) -> str:
        """The text in ``lang`` with ``{name}`` fields filled in (a KeyError names a missing field)."""
        return self.get(lang).format(**params)

    def format_lenient(self, lang: str | None, params: Mapping[str, Any]) -> str:
        """As :meth:`format`, but a template whose fields ``params`` cannot fill is returned as it is."""
        template = self.get(lang)
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template

    def as_dict(self) -> dict[str, str]:
        return {NB: self.nb, EN: self.en}


def texts(table: Mapping[str, tuple[str, str]]) -> dict[str, Text]:
    """A table of ``key: (bokmål, English)`` pairs as Texts."""
    return {key: Text(nb, en) for key, (nb, en) in table.items()}


def pick(table: Mapping[Any, Any], lang: str | None) -> dict[Any, Any]:
    """Every text of a table (tables nested in it too) in one language, for code that formats many at once."""
    return {key: text.get(lang) if isinstance(text, Text) else pick(text, lang) for key, text in table.items()}
