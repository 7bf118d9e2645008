"""JSON messages, read as a stream: one stay in memory at a time, whatever the file size.

yajl (through ijson's C backend) builds the message; a hook on map creation hands each
completed stay over and drops it from the message, so memory does not grow with the
number of stays. Every object is a ``_Object`` that notices duplicate keys, which plain
parsers silently resolve by keeping the last value.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import ijson

from kad_spec.findings import Hit
from kad_spec.readers import UTF8_BOM, Document, ReadFailure
from kad_spec.readers.encoding import not_utf8

CHUNK = 1 << 16
EXACT_POSITION_LIMIT = 256 << 20  # syntax errors in larger files get the chunk's position


class _Object(dict):
    """A JSON object that records keys given twice instead of silently keeping the last."""

    __slots__ = ()
    duplicates: list = []  # (object, key); rebound per parse

    def __setitem__(self, key, value):
        if key in self:
            _Object.duplicates.append((self, key))
            return  # keep the first value; the finding says a second one was given
        dict.__setitem__(self, key, value)


class _Root(_Object):
    """The message object: takes the stays list aside so that stays can be streamed."""

    __slots__ = ()
    stays: list | None = None

    def __setitem__(self, key, value):
        if key == "opphold" and isinstance(value, list) and "opphold" not in self:
            _Root.stays = value
        super().__setitem__(key, value)


class _Stream:
    def __init__(self, problems: list):
        self.root: _Root | None = None
        self.problems = problems
        self.ready: deque = deque()
        self.index = 0
        _Object.duplicates = []
        _Root.stays = None

    def new_object(self):
        if self.root is None:
            self.root = _Root()
            return self.root
        self.hand_over(keep_last=True)
        return _Object()

    def hand_over(self, keep_last: bool) -> None:
        stays = _Root.stays
        if not stays:
            return
        done = len(stays) - 1 if keep_last else len(stays)
        for stay in stays[:done]:
            if _Object.duplicates:
                self.problems.extend(_duplicate_hits(stay, f"/opphold/{self.index}"))
            self.ready.append((self.index, stay))
            self.index += 1
        del stays[:done]


def _position(data: bytes, pos: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, pos) + 1
    return line, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def _syntax_failure(path: Path, offset: int, yajl_message: str) -> ReadFailure:
    """Locate a syntax error: exactly for files up to the limit, else by the chunk it is in."""
    size = path.stat().st_size
    if size <= EXACT_POSITION_LIMIT:
        import orjson

        data = path.read_bytes()
        if data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            return not_utf8(data, error)
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError as error:
            char_pos = error.pos
            byte_pos = len(data.decode("utf-8")[:char_pos].encode("utf-8"))
            line, column = _position(data, byte_pos)
            return _invalid(error.msg, line, column)
    reason = yajl_message.splitlines()[0] if yajl_message else "syntax error"
    with path.open("rb") as handle:
        head = handle.read(offset)
    return _invalid(reason, head.count(b"\n") + 1, None)


def _invalid(reason: str, line, column) -> ReadFailure:
    return ReadFailure(
        "KAD-FIL-001",
        {"reason": f"ugyldig JSON ({reason})", "reason_en": f"invalid JSON ({reason})"},
        line,
        column,
    )


def _chunks(path: Path):
    with path.open("rb") as handle:
        first = True
        offset = 0
        while chunk := handle.read(CHUNK):
            if first and chunk.startswith(UTF8_BOM):
                chunk = chunk[len(UTF8_BOM):]
            first = False
            yield offset, chunk
            offset += len(chunk)


class JsonMessage:
    """Streams one JSON file: header first (from a short first pass), then the stays."""

    def __init__(self, path: Path):
        self.path = path
        self.header: dict = {}
        self.problems: list[Hit] = []

    def read_header(self) -> None:
        """Parse until the stays start, so that checks of a stay know the message's header."""
        stream = self._parse(stop_at_stays=True)
        for _ in stream:
            pass
        if _Root.stays is not None and not {"meldingsinfo", "virksomhet"} <= self.header.keys():
            self._late_header()

    def _late_header(self) -> None:
        """Header fields written after the stays: fetch them by name, without building stays."""
        for key in ("meldingsinfo", "virksomhet"):
            if key in self.header:
                continue
            with self.path.open("rb") as handle:
                try:
                    for value in ijson.items(handle, key, use_float=True, map_type=_Object):
                        self.header[key] = value
                        break
                except (ijson.JSONError, UnicodeDecodeError) as error:
                    raise _syntax_failure(self.path, 0, str(error)) from None

    def stays(self):
        """Yield (index, stay); afterwards ``header`` holds every top-level member but the stays."""
        yield from self._parse(stop_at_stays=False)

    def _parse(self, stop_at_stays: bool):
        self.problems.clear()
        stream = _Stream(self.problems)
        builder = ijson.items_coro(_Sink(), "", map_type=stream.new_object, use_float=True)
        offset = 0
        try:
            for offset, chunk in _chunks(self.path):
                builder.send(chunk)
                if stop_at_stays and _Root.stays is not None:
                    self._take_header(stream.root)
                    return
                while stream.ready:
                    yield stream.ready.popleft()
            builder.close()
        except ijson.JSONError as error:
            raise _syntax_failure(self.path, offset, str(error)) from None
        except UnicodeDecodeError as error:
            raise _syntax_failure(self.path, offset, str(error)) from None
        stream.hand_over(keep_last=False)
        while stream.ready:
            yield stream.ready.popleft()
        if stream.root is None:
            raise ReadFailure(
                "KAD-FIL-004",
                {"reason": "toppnivået er ikke et JSON-objekt", "reason_en": "the top level is not a JSON object"},
                1,
                1,
            )
        self._take_header(stream.root)
        if _Object.duplicates:
            header = {k: v for k, v in stream.root.items() if not (k == "opphold" and isinstance(v, list))}
            self.problems.extend(_duplicate_hits(header, ""))
            self.problems.extend(Hit("KAD-FIL-003", f"/{key}", {"key": key}) for obj, key in _Object.duplicates
                                 if obj is stream.root)

    def _take_header(self, root) -> None:
        if root is None:
            return
        for key, value in root.items():
            if key == "opphold" and isinstance(value, list):
                continue
            self.header[key] = value


class _Sink:
    """ijson's push interface wants a target; the message itself is taken from the hooks."""

    def send(self, value):
        pass


def _duplicate_hits(node, base: str) -> list[Hit]:
    """Findings for the duplicate keys recorded inside ``node`` (a stay, or the header)."""
    keys_by_object: dict[int, list[str]] = {}
    for obj, key in _Object.duplicates:
        keys_by_object.setdefault(id(obj), []).append(key)
    hits = []
    for pointer, obj in _walk(node, base):
        for key in keys_by_object.get(id(obj), ()):
            hits.append(Hit("KAD-FIL-003", f"{pointer}/{key}", {"key": key}))
    return hits


def _walk(node, pointer):
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{i}")


def read_json(path: Path) -> Document:
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.lstrip(UTF8_BOM).lstrip()[:1] == b"[":
        raise ReadFailure(
            "KAD-FIL-004",
            {"reason": "toppnivået er en liste, ikke et JSON-objekt", "reason_en": "the top level is a list, not a JSON object"},
            1,
            1,
        )
    message = JsonMessage(path)
    message.read_header()

    def lines_for(pointers: set[str]) -> dict[str, int]:
        from kad_spec.readers.json_lines import nearest_lines

        return nearest_lines(path.read_bytes(), pointers)

    return Document(path=path, format="json", header=message.header, stays=message.stays,
                    problems=message.problems, lines_for=lines_for, source=message)
