"""JSON messages read in batches of stays, at the speed of a C decoder, in bounded memory.

The stays array is cut into pieces of about :data:`PIECE_BYTES` at stay boundaries, and each
piece is decoded in one call by the caller's :class:`PieceDecoder` (msgspec, typed by the
model). A cut is proven by the decoding itself: a piece that starts at a stay and ends inside
one does not parse. Anything this reader does not handle exactly as the streaming reader
(:mod:`kad_spec.message.json_reader`) does — a syntax error, a duplicate key in the header,
an ``opphold`` that is not an array — raises :class:`NotForBatches` before the file is
trusted, and the caller reads the file with the streaming reader instead.

Duplicate keys: a C decoder keeps the last of two equal keys without telling. So the keys of
a piece are counted in its bytes (outside white space every key ends with ``":``, and in a
piece without an escaped quote nothing else does) and compared with the keys decoded. When
they differ, or when the piece has an escaped quote, the piece's stays are read one by one
with a hook that notes duplicates and keeps the first value, as the streaming reader does.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Iterator, Protocol

import msgspec

from kad_spec.spec.findings import Hit
from kad_spec.message import UTF8_BOM

PIECE_BYTES = 2 << 20
HEAD_BYTES = 1 << 20  # the members before the stays must lie within this
MAX_PIECE_BYTES = 64 << 20  # a window this long without a stay boundary: not for batches
_STAYS_START = re.compile(rb'"opphold"[ \t\r\n]*:[ \t\r\n]*\[')
_BOUNDARY = re.compile(rb'\}[ \t\r\n]*,[ \t\r\n]*\{[ \t\r\n]*"opphold_id"')
_WHITE = b" \t\r\n"
_NOT_WHITE = re.compile(rb"[^ \t\r\n]")


class NotForBatches(Exception):
    """The file is to be read by the streaming reader (which also words any error)."""


class PieceDecoder(Protocol):
    def decode(self, array: bytes) -> tuple[list, bool]:
        """The stays of a JSON array and whether they are typed; raises msgspec.DecodeError
        when it is no JSON array (a type error is no DecodeError: the stays come back untyped)."""


class Piece:
    """Stays decoded from one piece of the array.

    ``key_marks`` is the number of keys counted in the piece's bytes, or None when they cannot
    be counted that way; the caller compares it with the keys it decoded, and on any
    difference reads the piece again with :meth:`with_hook`.
    """

    __slots__ = ("start", "stays", "typed", "key_marks", "raw")

    def __init__(self, start: int, stays: list, typed: bool, key_marks: int | None, raw: bytes):
        self.start, self.stays, self.typed, self.key_marks, self.raw = start, stays, typed, key_marks, raw

    def with_hook(self) -> tuple[list, list[Hit]]:
        """The stays as the streaming reader builds them (first of repeated keys kept), and the
        duplicate-key findings."""
        return _read_with_hook(self.raw, self.start)


class _Window:
    """The file's bytes from ``base`` on, read as needed and dropped once consumed."""

    def __init__(self, handle, base: int):
        self.handle = handle
        self.base = base
        self.data = b""
        self.at_end = False

    def fill(self, until: int) -> None:
        """Have the bytes up to file offset ``until`` (or to the end of the file) in ``data``."""
        need = until - self.base - len(self.data)
        if need > 0 and not self.at_end:
            more = self.handle.read(max(need, PIECE_BYTES))
            if len(more) < max(need, PIECE_BYTES):
                self.at_end = True
            self.data += more

    def drop_before(self, offset: int) -> None:
        self.data = self.data[offset - self.base:]
        self.base = offset


def stays_start(head: bytes) -> int | None:
    """Offset just after the ``[`` of the top-level stays array, if ``head`` shows it."""
    match = _STAYS_START.search(head)
    return match.end() if match else None


def read_pieces(handle, header_keys: list[str], decoder: PieceDecoder,
                on_tail: Callable[[dict], None], head_checked: bool = False) -> Iterator[Piece]:
    """The stays of an open JSON file, piece by piece; ``on_tail`` gets the members after them.

    ``head_checked``: the members before the stays were read from these very bytes by
    :func:`members_before_stays`, and gave ``header_keys``: they need no second reading."""
    first = handle.read(len(UTF8_BOM))
    skip = len(UTF8_BOM) if first == UTF8_BOM else 0
    if not skip:
        handle.seek(0)  # reading goes forward from here on: a part of a file can only be read so
    head = handle.read(HEAD_BYTES)
    start = stays_start(head)
    if start is None:
        raise NotForBatches("no stays array at the start of the file")
    if not head_checked:
        _check_members_before(head[:start], header_keys)
    window = _Window(handle, skip)
    window.data, window.at_end = head, len(head) < HEAD_BYTES
    index = 0
    position = skip + start
    while True:
        position = _skip_white(window, position)
        window.fill(position + 1)
        if window.data[position - window.base:position - window.base + 1] == b"]":
            break
        piece, position = _next_piece(window, position, decoder, index)
        yield piece
        index += len(piece.stays)
        window.drop_before(position)
        position = _skip_white(window, position)
        window.fill(position + 1)
        separator = window.data[position - window.base:position - window.base + 1]
        if separator == b",":
            position += 1
        elif separator != b"]":
            raise NotForBatches("no comma or end of array after a piece")
    window.fill(position + MAX_PIECE_BYTES)
    on_tail(_members_after(window.data[position + 1 - window.base:]))


def _skip_white(window: _Window, position: int) -> int:
    """The offset of the first byte at or after ``position`` that is not white space."""
    while True:
        window.fill(position + 1)
        found = _NOT_WHITE.search(window.data, position - window.base)
        if found is not None:
            return window.base + found.start()
        position = window.base + len(window.data)
        if window.at_end:
            return position
        window.fill(position + PIECE_BYTES)


def _next_piece(window: _Window, position: int, decoder: PieceDecoder, index: int) -> tuple[Piece, int]:
    """The piece from ``position`` (a stay's first byte) to a stay boundary near PIECE_BYTES on."""
    span = PIECE_BYTES
    while span <= MAX_PIECE_BYTES:
        window.fill(position + span)
        data = window.data
        begin = position - window.base
        end = min(len(data), begin + span)
        for cut in _candidate_cuts(data, begin, end, window.at_end):
            piece = data[begin:cut]
            try:
                stays, typed = decoder.decode(b"[" + piece + b"]")
            except msgspec.DecodeError:
                continue
            return Piece(index, stays, typed, _key_marks(piece), piece), window.base + cut
        span *= 4
    raise NotForBatches("no stay boundary found")


def _candidate_cuts(data: bytes, begin: int, end: int, at_end: bool) -> Iterator[int]:
    """Offsets just after a ``}`` that may close a stay: likely ones first, at most a few dozen."""
    tried = 0
    if at_end and end == len(data):
        close = data.rfind(b"]", begin, end)
        while close > begin and tried < 8:
            before = data[begin:close].rstrip(_WHITE)
            yield begin + len(before)
            tried += 1
            close = data.rfind(b"]", begin, close)
    tail_from = max(begin, end - (256 << 10))
    last = None
    for last in _BOUNDARY.finditer(data, tail_from, end):
        pass
    if last is not None:
        yield last.start() + 1
    cut = end
    while tried < 48:
        cut = data.rfind(b"}", begin, cut)
        if cut < 0:
            return
        after = data[cut + 1:cut + 64].lstrip(_WHITE)[:1]
        if after in (b",", b"]"):
            tried += 1
            yield cut + 1


def _key_marks(piece: bytes) -> int | None:
    """The keys in a piece, counted in its bytes; None when they cannot be counted so.

    Without an escaped quote, no string holds a quote, so outside white space every ``":`` ends
    a key and nothing else does; white space is deleted first, for ``"key" : value``.
    """
    if b'\\"' in piece:
        return None
    return piece.translate(None, _WHITE).count(b'":')


def _read_with_hook(piece: bytes, index: int) -> tuple[list, list[Hit]]:
    """The stays of a piece as the streaming reader builds them: first value of a repeated key kept."""
    from kad_spec.message.json_reader import duplicate_key_hits, first_wins_object

    raws = msgspec.json.decode(b"[" + piece + b"]", type=list[msgspec.Raw])
    stays, hits = [], []
    for offset, raw in enumerate(raws):
        duplicates: list = []
        stay = json.loads(bytes(raw), object_pairs_hook=first_wins_object(duplicates))
        if duplicates:
            stay_id = stay.get("opphold_id") if isinstance(stay, dict) else None
            hits += duplicate_key_hits(stay, f"/opphold/{index + offset}", stay_id, duplicates)
        stays.append(stay)
    return stays, hits


def members_before_stays(head: bytes) -> dict | None:
    """The members before the stays, read from the file's first bytes (after any byte order mark)
    in one call as the streaming reader reads them; None when they cannot be read so (no stays
    array in ``head``, a key given twice, a number yajl refuses, any syntax error), and the
    streaming reader is to read them and word any error."""
    start = stays_start(head)
    members = None if start is None else _members_before(head[:start])
    return members if members is not None and _yajl_reads(members) else None


def _members_before(head: bytes) -> dict | None:
    """The members in ``head`` (the file up to the stays array's ``[``), read as the streaming
    reader reads them: None if they do not parse so or repeat a key."""
    try:
        members, duplicates = _strict_json(head + b"]}")
    except (ValueError, msgspec.DecodeError):
        return None
    if duplicates or not isinstance(members, dict) or list(members)[-1:] != ["opphold"]:
        return None
    members.pop("opphold")
    return members


_YAJL_INTEGER = (1 << 63) - 1  # yajl refuses integers beyond this magnitude, which Python reads


def _yajl_reads(value) -> bool:
    """Whether yajl reads every number in ``value`` as Python does (no integer beyond 64 bits)."""
    if type(value) is int:
        return -_YAJL_INTEGER <= value <= _YAJL_INTEGER
    if type(value) is dict:
        return all(map(_yajl_reads, value.values()))
    if type(value) is list:
        return all(map(_yajl_reads, value))
    return True


def _strict_json(data: bytes):
    """Parse as the streaming reader does: by the JSON grammar only (no NaN, no Infinity)."""
    from kad_spec.message.json_reader import first_wins_object

    msgspec.json.decode(data)
    duplicates: list = []
    return json.loads(data, object_pairs_hook=first_wins_object(duplicates)), duplicates


def _check_members_before(head: bytes, header_keys: list[str]) -> None:
    """The members before the stays must be read as the streaming reader read them (no repeats)."""
    members = _members_before(head)
    if members is None:
        raise NotForBatches("members before the stays are not as the streaming reader has them")
    if list(members) != header_keys:
        raise NotForBatches("the header read first differs")


def _members_after(tail: bytes) -> dict:
    """The top-level members after the stays array (``tail`` starts after its ``]``)."""
    if tail.strip(_WHITE) == b"}":
        return {}  # the usual end of a message: nothing to parse
    try:
        members, duplicates = _strict_json(b'{"opphold": []' + tail)
    except (ValueError, msgspec.DecodeError):
        raise NotForBatches("the end of the message does not parse") from None
    if duplicates:
        raise NotForBatches("a member after the stays repeats a key")
    members.pop("opphold")
    return members
