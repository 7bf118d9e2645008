"""Nesting depth and value length of a JSON file, checked before it is parsed.

A KAD message is nested a few levels deep. A file nested thousands of levels deep is not a
message, and it is harmful: the streaming parser's cost grows with the square of the depth
(100 000 nested arrays take minutes), and recursive checks fail on it. So the depth is checked
first, chunk by chunk at C speed: escapes and string contents are removed, leaving only the
brackets, and matched pairs are removed round by round. A file deeper than the limit is then
scanned token by token (only that once) to name the line and column where it goes too deep.

A single huge value is harmful too: the parser's cost grows with the square of a token's
length (a 200 MB text value takes minutes). A text value that holds a whole aligned window of
``VALUE_WINDOW`` bytes without a quote is refused: every value over four windows (chunks are
much longer than a window), none under one. Valid values are a few hundred characters at most.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_DEPTH = 64  # far above any valid message, far below what harms the parser
VALUE_WINDOW = 1 << 20  # text values over 4 MB are always refused, under 1 MB never
CHUNK = 4 << 20  # at least two windows (so that every value over four is seen whole in a window); small, so
# that no buffer large enough to stay in the heap after it is freed (glibc's malloc) is ever made

_DELETE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]|\n')
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"')


class _State:
    """What carries over from one chunk to the next."""

    def __init__(self):
        self.backslashes = b""  # a trailing run of backslashes: it may escape the next chunk's first byte
        self.in_string = False
        self.open = b""  # the containers still open, as their opening brackets
        self.offset = 0  # file offset of the next chunk's first byte (after the held-back backslashes)
        self.line = 1  # line at that offset
        self.line_start = 0  # file offset where that line starts


def first_shape_problem(path: Path, limit: int = MAX_DEPTH, window: int = VALUE_WINDOW, data: bytes | None = None):
    """("depth" | "long_value", line, column) of the first harmful shape in the file, or None.

    ``data``: the file's bytes, when they have been read already (a small file)."""
    if data is not None:
        return _first_in_chunks(path, (data[at:at + CHUNK] for at in range(0, len(data), CHUNK)), limit, window)
    with path.open("rb") as handle:
        return _first_in_chunks(path, iter(lambda: handle.read(CHUNK), b""), limit, window)


def _first_in_chunks(path: Path, chunks, limit: int, window: int):
    state = _State()
    for chunk in chunks:
        data = state.backslashes + chunk
        kept = data.rstrip(b"\\")
        state.backslashes = data[len(kept):]
        if b"\\" in kept:
            # Escapes become two neutral bytes: what is left of '"' opens or closes strings,
            # and positions stay as in the file.
            kept = kept.replace(b"\\\\", b"__").replace(b'\\"', b"__")
        start = _snapshot(state)
        at = _long_value_at(kept, state.in_string, window)
        if at is not None:
            return ("long_value", *_line_and_column(kept, state, at))
        if _may_be_too_deep(kept, state, limit):
            position = _locate(path, start, len(kept), limit)
            if position is not None:
                return ("depth", *position)
        _advance(kept, state)
    return None


def _advance(kept: bytes, state: _State) -> None:
    newline = kept.rfind(b"\n")
    if newline >= 0:
        state.line += kept.count(b"\n")
        state.line_start = state.offset + newline + 1
    state.offset += len(kept)


def _line_and_column(kept: bytes, state: _State, at: int) -> tuple[int, int]:
    """Line and column of the string that holds chunk position ``at`` (its opening quote if in this chunk)."""
    quote = kept.rfind(b'"', 0, at)
    pos = quote if quote >= 0 else at
    newline = kept.rfind(b"\n", 0, pos)
    line = state.line + kept.count(b"\n", 0, pos)
    line_start = state.offset + newline + 1 if newline >= 0 else state.line_start
    return line, state.offset + pos - line_start + 1


def _long_value_at(kept: bytes, in_string: bool, window: int) -> int | None:
    """Start of an aligned window inside a string that has no quote in it: the string is too long."""
    for at in range(0, len(kept) - window + 1, window):
        if kept.find(b'"', at, at + window) >= 0:
            continue
        if in_string != (kept.count(b'"', 0, at) % 2 == 1):
            return at
    return None


def _snapshot(state: _State) -> tuple[int, int, int, bool]:
    return state.offset, state.line, len(state.open), state.in_string


def _may_be_too_deep(data: bytes, state: _State, limit: int) -> bool:
    """True if the chunk may go deeper than ``limit``; never False when it does.

    Each round of removing adjacent pairs ('[]' then '{}') lowers the tallest container
    completed in this chunk by one or two levels, so the depth reached here is at most twice
    the rounds plus the containers left open. A chunk within that bound needs no closer look.
    """
    text = (b'"' if state.in_string else b"") + data.translate(None, _DELETE)
    while b'""' in text:
        # An empty string, or two strings with only separators between: no bracket is freed.
        text = text.replace(b'""', b"")
    if b'"' in text:
        text = _STRING.sub(b"", text)
    quote = text.find(b'"')
    state.in_string = quote >= 0
    brackets = state.open + (text[:quote] if quote >= 0 else text)
    rounds = 0
    while rounds <= limit:
        reduced = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(reduced) == len(brackets):
            break
        brackets, rounds = reduced, rounds + 1
    else:
        return True  # a container completed in this chunk holds more than ``limit`` levels
    # What is left are the containers still open (closers left over are a syntax error,
    # which the parser reports; dropping them can only make the estimate larger).
    state.open = brackets.translate(None, b"]}")
    return 2 * rounds + len(state.open) > limit


def _locate(path: Path, start: tuple[int, int, int, bool], size: int, limit: int) -> tuple[int, int] | None:
    """Walk the tokens of a chunk that may go too deep, from the state known at its start."""
    from kad_spec.message import map_file

    offset, line, depth, in_string = start
    with path.open("rb") as handle, map_file(handle) as data:
        pos = offset
        if in_string:
            rest = _STRING_REST.match(data, pos)
            if rest is None:
                return None
            line += data[pos : rest.end()].count(b"\n")
            pos = rest.end()
        line_start = data.rfind(b"\n", 0, pos) + 1
        for match in _TOKEN.finditer(data, pos):
            if match.start() >= offset + size:
                break
            token = match.group(0)
            if token == b"\n":
                line, line_start = line + 1, match.end()
            elif token in (b"[", b"{"):
                depth += 1
                if depth > limit:
                    return line, match.start() - line_start + 1
            elif token in (b"]", b"}"):
                depth -= 1
            elif token[:1] == b'"':
                line += token.count(b"\n")  # raw newlines in strings are invalid, but count them
    return None
