"""Reading message files: format by content, file-level problems as findings, stays one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

UTF8_BOM = b"\xef\xbb\xbf"


def _declare_reader_rules() -> None:
    from kad_spec.rules import provides

    # File rules and the XML order rule are found while reading, not by a check.
    provides("KAD-FIL-001", "KAD-FIL-002", "KAD-FIL-003", "KAD-FIL-004", "KAD-STR-007")


_declare_reader_rules()


class ReadFailure(Exception):
    """The file cannot be read as a KAD message at all; carries the finding to report."""

    def __init__(self, rule_id: str, params: dict, line: int | None = None, column: int | None = None):
        super().__init__(rule_id, params)
        self.rule_id = rule_id
        self.params = params
        self.line = line
        self.column = column


@dataclass
class Document:
    """A message file opened for validation.

    ``header`` holds everything but the stays; ``stays`` yields (index, stay) in file order,
    so that a reader may stream. A streaming reader completes ``header`` and ``problems``
    once the stays have been read. ``lines_for`` maps the (pointer, opphold_id) of findings to lines where known.
    """

    path: Path
    format: str
    header: dict
    stays: Callable[[], Iterator[tuple[int, object]]]
    problems: list = field(default_factory=list)  # Hits found while reading (pointer, params)
    lines_for: Callable[[list[tuple[str, str | None]]], dict[str, int]] = lambda items: {}
    structure_checked: bool = False  # True when the reader already checked structure (XSD)
    run: Callable[[Callable[[int, object], None]], None] | None = None  # push-style stays, fastest


def sniff(head: bytes) -> str:
    """'json', 'xml', or the reason it is neither (raises ReadFailure)."""
    from kad_spec.readers.encoding import check_encoding

    if not head:
        raise ReadFailure("KAD-FIL-001", {"reason": "filen er tom", "reason_en": "the file is empty"})
    check_encoding(head)
    text = head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head
    first = text.lstrip()[:1]
    if first in (b"{", b"["):
        return "json"
    if first == b"<":
        return "xml"
    raise ReadFailure(
        "KAD-FIL-001",
        {"reason": "innholdet er verken JSON eller XML", "reason_en": "the content is neither JSON nor XML"},
        line=1,
        column=1,
    )


def open_document(path: Path) -> Document:
    with path.open("rb") as handle:
        head = handle.read(4096)
    kind = sniff(head)
    if kind == "json":
        from kad_spec.readers.json_reader import read_json

        return read_json(path)
    from kad_spec.readers.xml_reader import read_xml

    return read_xml(path)
