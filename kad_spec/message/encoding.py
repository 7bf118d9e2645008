"""Character encodings: UTF-8 (with or without BOM) is the only one accepted."""

from __future__ import annotations

import re

from kad_spec.message import ReadFailure

_C1_AFTER_ASCII = re.compile(rb"(?:^|[\x00-\x7f])[\x80-\x9f]")

_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32 LE",
    b"\x00\x00\xfe\xff": "UTF-32 BE",
    b"\xff\xfe": "UTF-16 LE",
    b"\xfe\xff": "UTF-16 BE",
}


def _fail(encoding: str, line: int | None = None, column: int | None = None) -> ReadFailure:
    return ReadFailure("KAD-FIL-002", {"encoding": encoding}, line, column)


def check_encoding(head: bytes) -> None:
    """Refuse UTF-16/32 by their BOM or their zero bytes; the rest is checked while decoding."""
    for bom, name in _BOMS.items():
        if head.startswith(bom):
            raise _fail(name, 1, 1)
    if len(head) >= 2 and b"\x00" in head[:4]:
        raise _fail("UTF-16 BE" if head[0] == 0 else "UTF-16 LE", 1, 1)


def not_utf8(data: bytes, error: UnicodeDecodeError) -> ReadFailure:
    """Name the likely 8-bit encoding of bytes that are not UTF-8, with the position."""
    # Bytes 0x80-0x9F standing alone (after ASCII) are printable only in Windows-1252 (– ’ € …).
    window = data[error.start : error.start + (1 << 20)]
    guess = "Windows-1252" if _C1_AFTER_ASCII.search(window) else "ISO-8859-1 (Latin-1)"
    from kad_spec.message import position

    line, column = position(data, error.start)
    return _fail(guess, line, column)
