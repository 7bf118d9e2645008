"""Reading message files: format by content, file-level problems as findings, stays one by one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kad_spec.spec.pointer import parent

UTF8_BOM = b"\xef\xbb\xbf"
_LONE_CR = re.compile(rb"\r(?!\n)")


def count_line_ends(data, start: int = 0, end: int | None = None) -> int:
    """Line ends in ``data[start:end]``: LF, CRLF, or a CR alone (old Mac files), as XML counts them."""
    end = len(data) if end is None else end
    lf = data.count(b"\n", start, end)
    cr = data.count(b"\r", start, end)
    return lf + cr - data.count(b"\r\n", start, end) if cr else lf


def count_line_ends_in_pieces(data, start: int, end: int, step: int = 4 << 20) -> int:
    """As :func:`count_line_ends`, a piece at a time; a CRLF is never split.

    Neither a whole mapped file is copied nor are its pages kept: each piece's pages are given
    back once counted (see kad_spec.message.bounded_map)."""
    from kad_spec.message.bounded_map import release

    total = 0
    while start < end:
        stop = min(start + step, end)
        if stop < end and data[stop - 1 : stop] == b"\r":
            stop += 1
        total += count_line_ends(data[start:stop])  # a slice: a memory map has no count()
        release(data, start, stop)
        start = stop
    return total


def position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a byte offset."""
    line_start = max(data.rfind(b"\n", 0, offset), data.rfind(b"\r", 0, offset)) + 1
    return count_line_ends(data, 0, offset) + 1, offset - line_start + 1


def nearest_line(lines: dict[str, int], pointer: str) -> int | None:
    """The line of a JSON pointer, or of its nearest ancestor that has one (an absent member)."""
    probe = pointer
    while probe and probe not in lines:
        probe = parent(probe)
    return lines.get(probe)


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

    ``header`` holds everything but the stays. ``run(on_stay)`` pushes the stays in file order,
    ``on_stay(index, stay, reader_hits=(), lines=None)``, one at a time; a JSON file can also be
    read piece by piece (``run_pieces``, see kad_spec.message.json_batches). A reader completes
    ``header`` and ``problems`` once the stays have been read. ``lines_for`` maps the
    (pointer, opphold_id) of findings to lines where known.
    """

    path: Path
    format: str
    header: dict
    run: Callable[[Callable[..., None]], None]
    problems: list = field(default_factory=list)  # Hits found while reading (pointer, params)
    lines_for: Callable[[list[tuple[str, str | None]]], dict[str, int]] = lambda items: {}
    structure_checked: bool = False  # True when the reader already checked structure (XSD)
    run_pieces: Callable[..., None] | None = None  # JSON: stays in decoded pieces
    xpath_base: str | None = None  # in an envelope: the XPath of the element that holds the message
    envelope: dict | None = None  # in an envelope: its type, id, date, sender and receiver (for a receipt)
    envelope_read: object | None = None  # in an envelope: what its rules check (kad_spec.message.msghead.EnvelopeRead)


# Signatures of files often sent by mistake: (leading bytes, name in bokmål, name in English).
_BINARY_SIGNATURES = (
    (b"%PDF-", "en PDF-fil", "a PDF file"),
    (b"PK\x03\x04", "en ZIP-fil (eller et Office-dokument)", "a ZIP file (or an Office document)"),
    (b"\x1f\x8b", "en gzip-komprimert fil", "a gzip-compressed file"),
    (b"\xd0\xcf\x11\xe0", "et eldre Office-dokument", "an old-style Office document"),
    (b"\x89PNG", "et PNG-bilde", "a PNG image"),
    (b"\xff\xd8\xff", "et JPEG-bilde", "a JPEG image"),
)


def _refuse_binary(head: bytes) -> None:
    for signature, name, name_en in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise ReadFailure(
                "KAD-FIL-001",
                {"reason": f"filen ser ut til å være {name}, ikke en melding",
                 "reason_en": f"the file appears to be {name_en}, not a message"},
                1,
                1,
            )


def sniff(head: bytes) -> str:
    """'json', 'xml', or the reason it is neither (raises ReadFailure)."""
    from kad_spec.message.encoding import check_encoding

    if not head or head == UTF8_BOM:
        raise ReadFailure("KAD-FIL-001", {"reason": "filen er tom", "reason_en": "the file is empty"})
    _refuse_binary(head)
    check_encoding(head)
    first = strip_bom(head).lstrip()[:1]
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


def strip_bom(data: bytes) -> bytes:
    """The bytes without a leading UTF-8 byte order mark (allowed, and no part of the content)."""
    return data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data


class DuplicateKey(ValueError):
    """A JSON object names the same key twice (KAD-FIL-003): which value counts is not defined."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook`` for :func:`json.loads` that refuses a key given twice (DuplicateKey)."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _refuse_special_file(path: Path) -> None:
    """A FIFO, device or directory would block or fail on reading: refuse it by its kind."""
    import os
    import stat

    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        try:
            os.scandir(path).close()
        except PermissionError:
            raise ReadFailure("KAD-FIL-001", {
                "reason": "ingen tilgang til å lese mappen; filene i den er ikke validert",
                "reason_en": "no permission to read the folder; the files in it were not validated"}) from None
        raise ReadFailure("KAD-FIL-001", {"reason": "stien er en mappe", "reason_en": "the path is a directory"})
    raise ReadFailure("KAD-FIL-001", {
        "reason": "stien er ikke en vanlig fil (men for eksempel en FIFO eller en enhet)",
        "reason_en": "the path is not a regular file (but for example a FIFO or a device)"})


class SizedPath(type(Path())):
    """A file as it was when it was opened: every reading stops at the size it had then.

    A file that grows while it is read (a writer still appending) is read to that size only,
    so the reading ends, in bounded time and memory; the readers open, stat and map the file
    through this path and :func:`map_file`.
    """

    size: int = 0

    @classmethod
    def of(cls, path: Path, size: int) -> "SizedPath":
        sized = cls(path)
        sized.size = size
        return sized

    def open(self, mode: str = "rb", *args, **kwargs):
        if mode != "rb":
            raise ValueError("a message file is only read")
        return LimitedFile(super().open("rb"), self.size)

    def read_bytes(self) -> bytes:
        with self.open() as handle:
            return handle.read()

    def stat(self, *, follow_symlinks: bool = True):
        import os

        real = list(super().stat(follow_symlinks=follow_symlinks))[:10]
        real[6] = min(real[6], self.size)
        return os.stat_result(real)


class WrappedFile:
    """A file-like wrapper of the binary file ``raw``: closing it closes ``raw``; usable in ``with``."""

    def __init__(self, raw):
        self.raw = raw

    def close(self) -> None:
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LoneCrAsLf(WrappedFile):
    """A binary file whose lone CR bytes read as LF.

    XML turns every line end (CRLF, CR) into LF before parsing, so this changes nothing in the
    content; it only lets libxml2, which counts LF alone, number the lines of a CR-only file."""

    def __init__(self, raw):
        super().__init__(raw)
        self.held = b""  # a CR at the end of a read: whether a LF follows is known only later

    def read(self, size: int = -1) -> bytes:
        data = self.held + self.raw.read(size)
        self.held = b""
        if b"\r" not in data:
            return data
        if data.endswith(b"\r") and size not in (None, -1):
            more = self.raw.read(1)
            data, self.held = (data + more, b"") if more == b"\n" else (data, more)
        return _LONE_CR.sub(b"\n", data)


class LimitedFile(WrappedFile):
    """A binary file read no further than ``limit`` bytes (reads only, from any position)."""

    def __init__(self, raw, limit: int):
        super().__init__(raw)
        self.limit = limit

    def read(self, size: int = -1) -> bytes:
        left = self.limit - self.raw.tell()
        if left <= 0:
            return b""
        return self.raw.read(left if size is None or size < 0 or size > left else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def fileno(self) -> int:
        return self.raw.fileno()

    def readable(self) -> bool:
        return True


def map_file(handle):
    """A read-only memory map of an open file, no longer than its limit (see SizedPath)."""
    import mmap
    import os

    length = os.fstat(handle.fileno()).st_size
    length = min(length, getattr(handle, "limit", length))
    return mmap.mmap(handle.fileno(), length, access=mmap.ACCESS_READ)


def open_document(path: Path) -> Document:
    import os

    _refuse_special_file(path)
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size  # the size at opening: read no further (SizedPath)
        head = handle.read(min(4096, size))
        kind = sniff(head)
        if kind == "json":
            from kad_spec.message.json_reader import SMALL_FILE_BYTES, read_json

            # A small file is read whole now, while it is open: its reader then opens it no more.
            data = head + handle.read(size - len(head)) if size <= SMALL_FILE_BYTES else None
    path = SizedPath.of(path, size)
    if kind == "json":
        return read_json(path, data)
    from kad_spec.message.msghead import is_msghead, read_msghead

    if is_msghead(path):
        return read_msghead(path)
    from kad_spec.message.xml_reader import read_xml

    return read_xml(path)
