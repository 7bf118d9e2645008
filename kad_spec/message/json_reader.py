"""JSON messages, read as a stream: one stay in memory at a time, whatever the file size.

yajl (through ijson's C backend) builds the message. A hook on object creation hands each
completed stay to the caller and drops it from the message, so memory does not grow with
the number of stays. Every object is an ``_Object`` that notices keys given twice, which
plain parsers silently resolve by keeping the last value.

The header before the stays is first read in one call (see
:func:`kad_spec.message.json_batches.members_before_stays`); ijson loads only when that
cannot be done, or when the stays are read by this reader.
"""

from __future__ import annotations

import gc
import io
from pathlib import Path
from typing import Callable

from kad_spec.spec.findings import Hit
from kad_spec.message import UTF8_BOM, Document, ReadFailure, position, strip_bom
from kad_spec.message.encoding import not_utf8

EXACT_POSITION_LIMIT = 256 << 20  # syntax errors in larger files are placed by a token scan
SMALL_FILE_BYTES = 1 << 20  # read once into memory: the passes over a small file then open nothing

OnStay = Callable[[int, object], None]


class _Object(dict):
    """A JSON object that records keys given twice instead of silently keeping the last."""

    __slots__ = ()
    duplicates: list = []  # (object, key), rebound for every parse

    def __setitem__(self, key, value):
        if key in self:
            _Object.duplicates.append((self, key))
            return
        dict.__setitem__(self, key, value)


class _Root(_Object):
    """The message object: notes the stays list so that stays can be handed over one by one."""

    __slots__ = ("stream",)

    def __setitem__(self, key, value):
        if key == "opphold" and isinstance(value, list) and "opphold" not in self:
            self.stream.stays = value
        _Object.__setitem__(self, key, value)


class _Stream:
    """Hooks yajl's object creation; every new object means the ones before it are complete."""

    def __init__(self, on_stay: OnStay, problems: list):
        self.root: _Root | None = None
        self.stays: list | None = None
        self.on_stay = on_stay
        self.problems = problems
        self.index = 0
        self.failure: BaseException | None = None

    def new_object(self):
        if self.root is None:
            self.root = _Root()
            self.root.stream = self
            return self.root
        stays = self.stays
        if stays is not None and len(stays) > 1:
            self.hand_over(len(stays) - 1)
        return _Object()

    def hand_over(self, count: int) -> None:
        stays = self.stays
        for stay in stays[:count]:
            if _Object.duplicates:
                stay_id = stay.get("opphold_id") if isinstance(stay, dict) else None
                self.problems.extend(_duplicate_hits(stay, f"/opphold/{self.index}", stay_id))
            if self.failure is None:
                try:
                    self.on_stay(self.index, stay)
                except BaseException as error:  # raised after the parse: yajl cannot carry it
                    self.failure = error
            self.index += 1
        del stays[:count]


def _syntax_failure(path: Path, yajl_message: str, exact: bool = True) -> ReadFailure:
    """Name the position of a syntax error: exactly up to the size limit (and when ``exact``),
    else the line only."""
    if exact and path.stat().st_size <= EXACT_POSITION_LIMIT:
        import orjson

        data = strip_bom(path.read_bytes())
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            return not_utf8(data, error)
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError as error:
            byte_pos = len(data.decode("utf-8")[: error.pos].encode("utf-8"))
            line, column = position(data, byte_pos)
            return _invalid(error.msg, line, column)
    reason = (yajl_message.splitlines() or ["syntax error"])[0]
    return _invalid(reason, None, None)


def _invalid(reason: str, line, column) -> ReadFailure:
    return ReadFailure(
        "KAD-FIL-001",
        {"reason": f"ugyldig JSON ({reason})", "reason_en": f"invalid JSON ({reason})"},
        line,
        column,
    )


def _not_an_object() -> ReadFailure:
    return ReadFailure(
        "KAD-FIL-004",
        {"reason": "toppnivået er ikke et JSON-objekt", "reason_en": "the top level is not a JSON object"},
        1,
        1,
    )


def _refuse_deep_nesting(path: Path, data: bytes | None = None) -> None:
    """Deep nesting and huge values are refused before parsing: the parser's cost grows with the
    square of the depth and of a value's length. ``data``: the file's bytes, if read already."""
    from kad_spec.message.json_depth import MAX_DEPTH, first_shape_problem

    problem = first_shape_problem(path, data=data)
    if problem is None:
        return
    kind, line, column = problem
    if kind == "depth":
        reason = (f"JSON-strukturen er nestet dypere enn {MAX_DEPTH} nivåer",
                  f"the JSON structure is nested deeper than {MAX_DEPTH} levels")
    else:
        reason = ("en tekstverdi er lengre enn 1 MB", "a text value is longer than 1 MB")
    raise ReadFailure("KAD-FIL-001", {"reason": reason[0], "reason_en": reason[1]}, line, column)


def _without_bom(handle):
    if handle.read(len(UTF8_BOM)) != UTF8_BOM:
        handle.seek(0)
    return handle


class JsonMessage:
    """One JSON file: the header from a short first pass, then the stays in pieces or in one streaming pass."""

    def __init__(self, path: Path, exact_positions: bool = True, data: bytes | None = None):
        self.path = path
        self.data = data  # the whole file, when it is small enough to be read once (SMALL_FILE_BYTES)
        self.head_keys: list[str] | None = None  # the members before the stays, when read in one call
        # False for a part of a file (kad_spec.validation.split): its syntax error only sends the
        # file to be read whole, where the error is placed.
        self.exact_positions = exact_positions
        self.header: dict = {}
        self.problems: list[Hit] = []

    def read_header(self) -> None:
        """Top-level members written before the stays, so that stay checks know the header."""
        _refuse_deep_nesting(self.path, self.data)
        members = self._members_before_stays()
        if members is not None:
            self.header.update(members)
            self.head_keys = list(members)
        else:
            import ijson

            try:
                with _without_bom(self._source()) as handle:
                    self._header_until_stays(handle)
            except (ijson.JSONError, UnicodeDecodeError) as error:
                raise _syntax_failure(self.path, str(error), self.exact_positions) from None
        if not {"meldingsinfo", "virksomhet"} <= self.header.keys():
            self._late_header()

    def _members_before_stays(self) -> dict | None:
        from kad_spec.message.json_batches import HEAD_BYTES, members_before_stays

        with _without_bom(self._source()) as handle:
            return members_before_stays(handle.read(HEAD_BYTES))

    def _source(self):
        """The file to read, from its start: from memory when it has been read once."""
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")

    def _header_until_stays(self, handle) -> None:
        import ijson

        events = ijson.parse(handle, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            if first is None:
                raise _invalid("filen er tom", 1, 1)
            raise _not_an_object()
        key, builder = None, None
        for prefix, event, value in events:
            if prefix == "" and event in ("map_key", "end_map"):
                if key is not None:
                    self.header.setdefault(key, builder.value)
                if event == "end_map" or value == "opphold":
                    return
                key, builder = value, ijson.ObjectBuilder()
            else:
                builder.event(event, value)

    def _late_header(self) -> None:
        """Header members written after the stays: fetched by name, without building the stays."""
        import ijson

        for key in ("meldingsinfo", "virksomhet"):
            if key in self.header:
                continue
            with _without_bom(self._source()) as handle:
                try:
                    for value in ijson.items(handle, key, use_float=True, map_type=_Object):
                        self.header[key] = value
                        break
                except (ijson.JSONError, UnicodeDecodeError) as error:
                    raise _syntax_failure(self.path, str(error), self.exact_positions) from None

    def run(self, on_stay: OnStay) -> None:
        """Parse the whole file, calling ``on_stay(index, stay)`` for each stay as it completes.

        Afterwards ``header`` holds every top-level member but the stays, and ``problems``
        the duplicate keys found. The garbage collector is paused: the parse makes millions of
        objects and no cycles, and collecting during it would double the time.
        """
        import ijson

        self.problems.clear()
        _Object.duplicates = []
        stream = _Stream(on_stay, self.problems)
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            with _without_bom(self._source()) as handle:
                for _ in ijson.items(handle, "", map_type=stream.new_object, use_float=True):
                    pass
        except (ijson.JSONError, UnicodeDecodeError) as error:
            raise _syntax_failure(self.path, str(error), self.exact_positions) from None
        finally:
            if was_enabled:
                gc.enable()
        if stream.failure is not None:
            raise stream.failure
        if stream.stays:
            stream.hand_over(len(stream.stays))
            if stream.failure is not None:
                raise stream.failure
        if stream.root is None:
            raise _not_an_object()
        self._finish_header(stream.root)

    def _finish_header(self, root: _Root) -> None:
        for key, value in root.items():
            if not (key == "opphold" and isinstance(value, list)):
                self.header[key] = value
        header_duplicates = [(o, k) for o, k in _Object.duplicates if o is root]
        self.problems.extend(Hit("KAD-FIL-003", f"/{key}", {"key": key}) for _, key in header_duplicates)
        if len(header_duplicates) < len(_Object.duplicates):
            header = {k: v for k, v in root.items() if not (k == "opphold" and isinstance(v, list))}
            self.problems.extend(_duplicate_hits(header, ""))

    def run_pieces(self, decoder, on_piece) -> None:
        """Hand the stays over piece by piece (kad_spec.message.json_batches); raises
        NotForBatches, before the header is touched, when the streaming reader must read the file."""
        from kad_spec.message.json_batches import NotForBatches, read_pieces

        tail: dict = {}
        was_enabled = gc.isenabled()
        gc.disable()  # millions of objects and no cycles: collecting during the reading only costs time
        try:
            # Read from the same bytes in memory, the members before the stays are as read first.
            head_checked = self.data is not None and self.head_keys == list(self.header)
            with self._source() as handle:
                for piece in read_pieces(handle, list(self.header), decoder, tail.update, head_checked):
                    on_piece(piece)
        finally:
            if was_enabled:
                gc.enable()
        if set(tail) & set(self.header):
            raise NotForBatches("a member before the stays is given again after them")
        self.header.update(tail)


def _duplicate_hits(node, base: str, stay_id=None) -> list[Hit]:
    """Findings for the duplicate keys recorded inside ``node`` (a stay, or the header)."""
    return duplicate_key_hits(node, base, stay_id, _Object.duplicates)


def duplicate_key_hits(node, base: str, stay_id, duplicates: list) -> list[Hit]:
    """KAD-FIL-003 for each (object, key) of ``duplicates`` found inside ``node``, in file order."""
    keys_by_object: dict[int, list[str]] = {}
    for obj, key in duplicates:
        keys_by_object.setdefault(id(obj), []).append(key)
    hits = []
    for pointer, obj in _walk(node, base):
        for key in keys_by_object.get(id(obj), ()):
            params = {"key": key, "opphold_id": stay_id} if isinstance(stay_id, str) else {"key": key}
            hits.append(Hit("KAD-FIL-003", f"{pointer}/{key}", params))
    return hits


def first_wins_object(duplicates: list):
    """An ``object_pairs_hook`` that keeps the first of repeated keys, as this reader does, and
    records (object, key) for each repeat in ``duplicates``."""

    def build(pairs):
        obj: dict = {}
        for key, value in pairs:
            if key in obj:
                duplicates.append((obj, key))
            else:
                obj[key] = value
        return obj

    return build


def _walk(node, pointer):
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{i}")


def read_json(path: Path, data: bytes | None = None) -> Document:
    """The JSON message at ``path``; ``data``: the whole file, when it has been read already."""
    message = JsonMessage(path, data=data)
    message.read_header()

    def lines_for(items: list[tuple[str, str | None]]) -> dict[str, int]:
        from kad_spec.message.json_lines import lines_for_findings

        return lines_for_findings(path, items)

    return Document(path=path, format="json", header=message.header, run=message.run,
                    run_pieces=message.run_pieces, problems=message.problems, lines_for=lines_for)
