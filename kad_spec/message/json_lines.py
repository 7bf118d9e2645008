"""Line numbers for JSON pointers.

The fast parser gives no positions, so lines are found afterwards, and only for findings:
the header by a token scan from the start of the file; a stay by searching (at C speed) for
its ``opphold_id`` and scanning tokens from there to the end of the stay. The cost depends
on the number of findings, not on the size of the file. The file is searched a window at a
time and the pages passed are given back (kad_spec.message.bounded_map), so a one-line file
costs no more memory than an indented one.
"""

from __future__ import annotations

import re
from pathlib import Path

from kad_spec.message import map_file, nearest_line
from kad_spec.message.bounded_map import WINDOW, BoundedMap
from kad_spec.spec.pointer import escape

_TOKEN = re.compile(rb'"(?:[^"\\\n\r]|\\.)*"|[{}\[\],:]|\r\n?|\n|[^\s{}\[\],:"]+')
_LINE_ENDS = (b"\n", b"\r\n", b"\r")
_ID_KEY = b'"opphold_id"'
_WHITESPACE = b" \t\n\r\x0b\x0c"  # what bytes.strip() removes
_STAY = re.compile(r"^/opphold/(\d+)(/.*)?$")
HEADER_SCAN_LIMIT = 4 << 20
LINE_LOOKUP_LIMIT = 2000  # findings per file that get a line; the rest keep their pointer


class _Scanner:
    """Walks JSON tokens from a known state, recording the line where each pointer starts."""

    def __init__(self, wanted: set[str], found: dict[str, int], stop_key: str | None = None):
        self.wanted = wanted
        self.found = found
        self.stop_key = stop_key  # a top-level member at which to stop (the stays)

    def _record(self, pointer: str, line: int) -> None:
        if pointer in self.wanted and pointer not in self.found:
            self.found[pointer] = line

    def scan(self, pages: BoundedMap, start: int, end: int, line: int, stack: list) -> None:
        """``stack`` holds [kind, pointer, key_or_index, expecting_key]; stops when it empties."""
        next_release = start + pages.window
        for match in _TOKEN.finditer(pages.data, start, end):
            if match.end() > next_release:  # a stay as long as a window: give back what is behind
                pages.release_before(match.start())
                next_release = match.end() + pages.window
            token = match.group(0)
            if token in _LINE_ENDS:
                line += 1
                continue
            top = stack[-1] if stack else None
            if token == b",":
                if top is not None:
                    if top[0] == "array":
                        top[2] += 1
                    else:
                        top[3] = True
                continue
            if token == b":":
                continue
            if token in (b"}", b"]"):
                stack.pop()
                if not stack:
                    return
                continue
            if top is not None and top[0] == "object" and top[3]:
                key = token[1:-1].decode("utf-8", "replace")
                if key == self.stop_key and len(stack) == 1:
                    return
                top[2], top[3] = key, False
                self._record(f"{top[1]}/{escape(key)}", line)
                continue
            if top is None:
                path = ""
            elif top[0] == "object":
                path = f"{top[1]}/{escape(top[2])}"
            else:
                path = f"{top[1]}/{top[2]}"
            self._record(path, line)
            if token == b"{":
                stack.append(["object", path, None, True])
            elif token == b"[":
                stack.append(["array", path, 0, False])
            if len(self.found) == len(self.wanted):
                return


def _with_ancestors(pointers) -> set[str]:
    return {p.rsplit("/", i)[0] for p in pointers for i in range(p.count("/") + 1)}


def _nearest(pointers, found: dict[str, int]) -> dict[str, int]:
    lines = {pointer: nearest_line(found, pointer) for pointer in pointers}
    return {pointer: line for pointer, line in lines.items() if line is not None}


def _key_before(data, lower: int, at: int) -> int:
    """Where the ``"opphold_id"`` key of the value at ``at`` starts (separated by a colon and
    whitespace only, and not before ``lower``), or -1 if that value is not under that key."""
    colon = _skip_whitespace_back(data, lower, at)
    if colon <= lower or data[colon - 1 : colon] != b":":
        return -1
    key_end = _skip_whitespace_back(data, lower, colon - 1)
    key_at = key_end - len(_ID_KEY)
    return key_at if key_at >= lower and data[key_at:key_end] == _ID_KEY else -1


def _skip_whitespace_back(data, lower: int, pos: int) -> int:
    """The start of the run of whitespace that ends at ``pos`` (``lower`` at the earliest)."""
    while pos > lower:
        start = max(lower, pos - 256)
        kept = data[start:pos].rstrip(_WHITESPACE)
        if kept:
            return start + len(kept)
        pos = start
    return pos


def _find_stay(pages: BoundedMap, stay_id: str, cursor: int) -> int:
    """Offset of the ``"opphold_id"`` key whose value is ``stay_id``, first from ``cursor`` on; -1 if none."""
    needle = b'"' + stay_id.encode("utf-8") + b'"'
    start = cursor
    while True:
        at = pages.find(needle, start)
        if at < 0:
            return -1
        key_at = _key_before(pages.data, start, at)
        if key_at >= 0:
            return key_at
        start = at + len(needle)


def _stay_lines(pages: BoundedMap, wanted_by_stay: dict[int, tuple[str, set[str]]], found: dict[str, int]) -> None:
    """Find each stay by its opphold_id, in file order, and scan it from that key on."""
    cursor, line = 0, 1
    for index in sorted(wanted_by_stay):
        stay_id, pointers = wanted_by_stay[index]
        key_at = _find_stay(pages, stay_id, cursor)
        if key_at < 0:
            return
        line += pages.count_line_ends(cursor, key_at)
        cursor = key_at
        base = f"/opphold/{index}"
        found.setdefault(base, line)
        local: dict[str, int] = {base: line} if base in pointers else {}
        _Scanner(pointers, local).scan(pages, key_at, len(pages), line, [["object", base, None, True]])
        found.update(local)


def _order(pointer: str) -> tuple[int, str]:
    match = _STAY.match(pointer)
    return (int(match.group(1)) + 1 if match else 0, pointer)


def lines_for_findings(path: Path, items: list[tuple[str, str | None]], window: int = WINDOW) -> dict[str, int]:
    """Map JSON pointers of findings to lines; ``items`` are (pointer, opphold_id) pairs.

    ``window`` is the number of bytes searched at a time: about twice as many of the file are
    in memory at most, however long its lines."""
    header, by_stay = set(), {}
    items = sorted(items, key=lambda item: _order(item[0]))[:LINE_LOOKUP_LIMIT]
    for pointer, stay_id in items:
        match = _STAY.match(pointer)
        if match and stay_id:
            index = int(match.group(1))
            by_stay.setdefault(index, (stay_id, set()))[1].update(_with_ancestors([pointer]))
        elif not match:
            header.update(_with_ancestors([pointer]))
    found: dict[str, int] = {}
    if path.stat().st_size == 0:
        return found
    with path.open("rb") as handle, map_file(handle) as data:
        pages = BoundedMap(data, window)
        if header:
            _Scanner(header, found, stop_key="opphold").scan(pages, 0, min(len(data), HEADER_SCAN_LIMIT), 1, [])
        if by_stay:
            _stay_lines(pages, by_stay, found)
    return _nearest([p for p, _ in items], found)
