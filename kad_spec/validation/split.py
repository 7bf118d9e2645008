"""One large message (JSON or XML) read by several processes at once.

The stays array is cut at stay boundaries into parts that are each a JSON message of their
own: the first part is the file up to a boundary with ``]}`` added, a later part is
``{"opphold": [`` followed by its stays (the last one ends the file as written). Every part is
parsed and checked in its own process, forked from this one so that the compiled schema, rules
and code lists, and the per-run key that hides patient ids, are shared. This process reads the
first part; the others send back their hits, their reader problems and the state of their
collection checks, which are merged in order before the collection verdicts are made once.

A boundary is found by searching near every N-th byte for ``,{"opphold_id"`` (whitespace
allowed). That text cannot occur inside a JSON string, where a quote is escaped, so it is
structure; whether it is the structure of the stays array is checked afterwards: every part
must parse, the first part must end in the stays array, and no part may hold anything but stays
where the whole message would not. Anything else, including any syntax error, and the file is
read again in one piece by the ordinary path, which also names the error. Correctness never
depends on the split.

An XML message is cut the same way, before an ``<opphold`` start tag that follows a
``</opphold>`` end tag with only whitespace between. The first part is the file up to the cut
with ``</KadMelding>`` added; a later part is ``<KadMelding xmlns="…">`` followed by its stays
(the last one ends the file as written). A cut is only made when the root start tag declares
the message namespace as the default and nothing else, so that the added start tag gives the
stays the same namespaces. Each part must parse, and since a part starts and ends at the root's
level, a part that parses proves its cuts are between stays of the root. A later part is read
without header checks (the header is in the first part) and must hold nothing but stays; its
lines are counted from its cut, so the newlines before the cut are added to them.
"""

from __future__ import annotations

import gc
import re
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from kad_spec.spec.findings import Hit
from kad_spec.message import WrappedFile, count_line_ends_in_pieces, map_file
from kad_spec.message.xml_batches import STAY_BOUNDARY
from kad_spec.validation.engine import split_bytes

POOL_BYTES = 4 << 20  # fewer bytes in all are validated one file after the other
MAX_SPLIT_BYTES = 256 << 20  # larger files (backfills) are read in one piece: memory before speed
SEARCH_SPAN = 4 << 20  # a boundary must lie this close after the ideal cut; stays are ~1 KB
_BOUNDARY = re.compile(rb',\s*\{\s*"opphold_id"')
_STAY_POINTER = re.compile(r"/opphold/(\d+)")
FIRST_PART_SUFFIX = b"]}"
LATER_PART_PREFIX = b'{"opphold": ['
_XML_ID_POINTER = re.compile(r"/opphold/(\d+)/opphold_id")


@dataclass(frozen=True)
class Part:
    """Bytes [start, end) of the file (end None: to the end), between a prefix and a suffix."""

    start: int
    end: int | None
    prefix: bytes = b""
    suffix: bytes = b""


@dataclass
class PartResult:
    """What one part's reading sends back; stay indices in its hits count from the part's start."""

    stays: int = 0
    hits: list = field(default_factory=list)  # (Hit, opphold_id) from stay checks
    found: list = field(default_factory=list)  # per collection check: the hits its add() gave
    collections: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # reader problems (duplicate keys)
    header: dict = field(default_factory=dict)  # top-level members other than the stays
    editions: dict = field(default_factory=dict)  # code list editions the part checked against
    lines: dict = field(default_factory=dict)  # XML, first part: lines of the header's elements
    only_stays: bool = True  # XML, later part: its root held nothing but stays
    stay_lines: array | None = None  # XML, later part: line of each stay's opphold_id (0: none)


def can_fork() -> bool:
    import multiprocessing  # here, not at the top: small files never need it

    # Forked children share this process's random patient key; a spawned child would not.
    return "fork" in multiprocessing.get_all_start_methods()


def plan(path: Path, parts: int) -> list[Part]:
    """Cut the file into at most ``parts`` parts at stay boundaries; [] if none is found."""
    size = path.stat().st_size
    if parts < 2 or size == 0:
        return []
    cuts: list[tuple[int, int]] = []  # (comma before the stay, the stay's opening brace)
    with path.open("rb") as handle, map_file(handle) as data:
        after = 0
        for k in range(1, parts):
            target = max(k * size // parts, after)
            match = _BOUNDARY.search(data, target, min(size, target + SEARCH_SPAN))
            if match is None:
                continue
            cuts.append((match.start(), match.start() + match.group(0).index(b"{")))
            after = match.end()
    if not cuts:
        return []
    pieces = [Part(0, cuts[0][0], suffix=FIRST_PART_SUFFIX)]
    for i, (_, brace) in enumerate(cuts):
        last = i + 1 == len(cuts)
        end = None if last else cuts[i + 1][0]
        pieces.append(Part(brace, end, LATER_PART_PREFIX, b"" if last else FIRST_PART_SUFFIX))
    return pieces


def plan_xml(path: Path, parts: int) -> list[Part]:
    """Cut an XML message into at most ``parts`` parts between stays; [] if it cannot be cut."""
    size = path.stat().st_size
    if parts < 2 or size == 0:
        return []
    from kad_spec.message.xml_reader import plain_root_tag

    root_tag = plain_root_tag(path)
    if root_tag is None:
        return []
    cuts: list[int] = []
    with path.open("rb") as handle, map_file(handle) as data:
        after = 0
        for k in range(1, parts):
            target = max(k * size // parts, after)
            match = STAY_BOUNDARY.search(data, target, min(size, target + SEARCH_SPAN))
            if match is not None:
                cuts.append(match.start(1))
                after = match.end()
    if not cuts:
        return []
    end_tag = b"</" + root_tag[1:].split(b" ", 1)[0] + b">"
    pieces = [Part(0, cuts[0], suffix=end_tag)]
    for i, cut in enumerate(cuts):
        last = i + 1 == len(cuts)
        pieces.append(Part(cut, None if last else cuts[i + 1], root_tag, b"" if last else end_tag))
    return pieces


class NewlinesBefore:
    """The line ends in a file before an offset (LF, CRLF or a lone CR, as the XML reader counts them).

    Counted when first needed, for offsets asked in increasing order: a part without findings
    needs none, and a clean file is not read for it at all.
    """

    def __init__(self, path: Path):
        self.path = path
        self.counted = self.total = 0

    def __call__(self, offset: int) -> int:
        if offset > self.counted:
            with self.path.open("rb") as handle, map_file(handle) as data:
                self.total += count_line_ends_in_pieces(data, self.counted, offset)
                self.counted = offset
        return self.total


class PartFile(WrappedFile):
    """A read-only file of prefix + file bytes [start, end) + suffix, read in pieces.

    Nothing is copied whole: the file range is read from disk as the parser asks for it.
    """

    def __init__(self, path: Path, part: Part):
        super().__init__(path.open("rb"))  # a SizedPath: no further than the size at opening
        self._part = part
        self.seek(0)

    def seek(self, offset: int, whence: int = 0) -> int:
        if offset != 0 or whence != 0:
            raise OSError("a part can only be read again from its start")
        part = self._part
        self._head = part.prefix
        self.raw.seek(part.start)
        self._left = None if part.end is None else part.end - part.start
        self._tail = part.suffix
        return 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._read_all()
        chunks = []
        if self._head and size:
            chunks.append(self._head[:size])
            self._head = self._head[size:]
            size -= len(chunks[-1])
        if size and self._left != 0:
            want = size if self._left is None else min(size, self._left)
            data = self.raw.read(want)
            if len(data) < want:
                self._left = 0  # the file ends here
            elif self._left is not None:
                self._left -= len(data)
            chunks.append(data)
            size -= len(data)
        if size and self._left == 0 and self._tail:
            chunks.append(self._tail[:size])
            self._tail = self._tail[size:]
        return b"".join(chunks)

    def _read_all(self) -> bytes:
        chunks = []
        while chunk := self.read(1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)


class _PartSource:
    """Stands in for the file's path, so that the JSON reader reads one part as a whole message."""

    def __init__(self, path: Path, part: Part):
        self.path, self.part = path, part

    def open(self, mode: str = "rb") -> PartFile:
        return PartFile(self.path, self.part)

    def __str__(self) -> str:
        return str(self.path)


def _read_part(validator, doc, part: Part, first: bool):
    """Parse and check one part: its PartResult, and the Reading it was read into."""
    from kad_spec.message.json_batches import NotForBatches
    from kad_spec.validation.reading import Reading, TypedDecoder

    def new_reading() -> Reading:
        # A later part's collection hits are kept apart: the merge corrects them (see StaysInMessage.merge).
        return Reading(validator, doc, collection_hits_apart=not first)

    result = PartResult()
    reading = new_reading()
    message = _part_message(doc, part, first)
    if doc.format == "json" and reading.typed is not None:
        # In pieces, as one process reads a whole file; a part the piece reader does not take
        # (NotForBatches) fails the split, and the file is read whole.
        # The header is the message's, read when it was opened; a later part has none.
        message.header.update(doc.header if first else {})
        message.run_pieces(TypedDecoder(reading.typed), reading.add_piece)
    elif reading.typed is not None:
        # XML in chunks, as one process reads a whole file; a part the chunk reader does not
        # take is read again by the streaming reader, which words its findings.
        try:
            message.run_pieces(TypedDecoder(reading.typed), reading.add_checked_piece)
        except NotForBatches:
            reading, message = new_reading(), _part_message(doc, part, first)
            message.run(reading.add_stay)
    else:
        message.run(reading.add_stay)
    reading.flush()
    result.stays = reading.stays
    result.hits = reading.hits
    # Duplicate keys found in pieces go with the reader's problems, as one reading reports them.
    result.problems = list(message.problems) + reading.problems
    reading.problems = []
    result.header = dict(message.header)
    if doc.format == "xml":
        result.lines = dict(message.lines)
        result.only_stays = message.only_stays
        result.stay_lines = message.stay_lines
    if not first:
        from kad_spec.codelists import load_codelists

        result.found = reading.collection_found
        result.collections = [collection.detached() for collection in reading.collections]
        result.editions = load_codelists().editions_used()
    return result, reading


def _part_message(doc, part: Part, first: bool):
    source = _PartSource(doc.path, part)
    if doc.format == "xml":
        from kad_spec.message.xml_reader import XmlMessage

        return XmlMessage(source, part=not first)  # the first part holds the header and checks it
    from kad_spec.message.json_reader import JsonMessage

    return JsonMessage(source, exact_positions=False)


_JOB: tuple | None = None  # (validator, doc, parts): set before forking, read by the children


def _child(number: int, sender) -> None:
    """A forked child: read one part, send the result (or why it failed) back, and end."""
    validator, doc, parts = _JOB
    try:
        message = ("ok", _read_part(validator, doc, parts[number], first=False)[0])
    except BaseException as error:  # noqa: BLE001 - the parent reads the file whole instead
        message = ("failed", f"{type(error).__name__}: {error}")
    sender.send(message)
    sender.close()


def _start_children(count: int) -> list:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    children = []
    for number in range(1, count):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(number, sender), daemon=True)
        process.start()
        sender.close()
        children.append((process, receiver))
    return children


def _collect(children) -> list[PartResult] | None:
    results = []
    for process, receiver in children:
        try:
            status, value = receiver.recv()
        except (EOFError, OSError):
            return None  # the child ended without an answer
        if status != "ok":
            return None
        results.append(value)
    return results


def _stop(children) -> None:
    for process, receiver in children:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def applies(validator, doc, jobs: int) -> bool:
    """Worth a try: a file at least the split size, with fork and mergeable collection checks."""
    if jobs < 2 or doc.format not in ("json", "xml"):
        return False
    try:
        size = doc.path.stat().st_size
        if size < split_bytes(validator.settings) or size > MAX_SPLIT_BYTES:
            return False  # a merge holds the parts' states at once; a backfill must stay in bounded memory
    except OSError:
        return False
    return can_fork()


def read_stays_split(validator, doc, result, jobs: int):
    """Read the stays of ``doc`` in ``jobs`` processes: the Reading of the whole message, or None.

    None means the file is to be read in one piece: it is small, cannot be cut, or a part did
    not read as a message of its own. ``result`` is only touched on success.
    """
    if not applies(validator, doc, jobs):
        return None
    xml = doc.format == "xml"
    parts = (plan_xml if xml else plan)(doc.path, jobs)
    if not parts:
        return None
    before = None if xml else _keys_before_stays(doc.path)
    if before is None and not xml:
        return None
    was_enabled = gc.isenabled()
    gc.disable()  # many small objects and no cycles: collecting would only cost time
    try:
        return _read_in_parts(validator, doc, result, parts, before)
    finally:
        if was_enabled:
            gc.enable()


def _read_in_parts(validator, doc, result, parts: list[Part], before: list[str] | None):
    global _JOB
    _JOB = (validator, doc, parts)
    children = []
    try:
        children = _start_children(len(parts))
        first, reading = _read_part(validator, doc, parts[0], first=True)
        later = _collect(children)
    except Exception:  # noqa: BLE001 - any failure: the file is read in one piece instead
        return None
    finally:
        _JOB = None
        _stop(children)
    if later is None:
        return None
    fits = _xml_parts_fit(later) if doc.format == "xml" else _parts_fit(first, later, before)
    if not fits:
        return None
    hits = _merge(doc, result, first, later, reading.collections, parts)
    if hits is None:
        return None
    reading.hits, reading.stays = hits, result.stays
    return reading


def _xml_parts_fit(later: list[PartResult]) -> bool:
    """True if every later part held stays only (a cut after the stays leaves other elements there)."""
    return all(part.only_stays and not part.problems and not part.header for part in later)


def _parts_fit(first: PartResult, later: list[PartResult], before: list[str]) -> bool:
    """True if the parts hold exactly the whole message: cut inside the stays array, nothing lost."""
    if list(first.header) != before:
        return False  # the first cut is not in the stays array (or a member is given twice)
    if any(part.header for part in later[:-1]):
        return False  # a middle part left the stays array
    if set(later[-1].header) & set(first.header):
        return False  # a member given before and after the stays: the whole reading reports it
    stay_pointer = "/opphold/"
    return all(hit.pointer.startswith(stay_pointer) for part in (first, *later) for hit in part.problems)


def _merge(doc, result, first: PartResult, later: list[PartResult], collections, parts: list[Part]) -> list | None:
    """The parts as one reading: stay indices renumbered, collection states merged in order.

    None if an XML finding of the merge cannot be placed on its line as one reading would place
    it; nothing outside the collections (fresh for another reading) is touched before that is known.
    """
    from kad_spec.codelists import load_codelists

    xml = doc.format == "xml"
    hits = first.hits.like()  # bounded per rule as one reading is; the parts' counts add up
    hits += first.hits
    hits.add_omitted_of(first.hits)
    problems = list(first.problems)
    offset = first.stays
    editions: list[dict] = []
    last_header = later[-1].header
    newlines = NewlinesBefore(doc.path)
    for part, where in zip(later, parts[1:]):
        merged = [mine.merge(theirs, offset, found)
                  for mine, theirs, found in zip(collections, part.collections, part.found)]
        # An XML part counts its lines from its cut; they are moved only where there are findings.
        needs_lines = xml and (part.hits or part.problems or any(merged))
        lines = newlines(where.start) if needs_lines else 0
        hits += [(_shifted(hit, offset, lines), stay_id) for hit, stay_id in part.hits]
        hits.add_omitted_of(part.hits, offset)
        problems += [_shifted(hit, offset, lines) for hit in part.problems]
        for found in merged:
            if xml:
                found = _placed(found, part, offset, lines)
                if found is None:
                    return None
            hits += [(h, h.params.get("opphold_id")) for h in found]
        editions.append(part.editions)
        offset += part.stays
        part.collections = part.hits = part.found = part.stay_lines = None  # not all parts' states at once
    lists = load_codelists()
    for used in editions:
        for name, labels in used.items():
            lists[name].used_editions.update(labels.split(", "))
    result.stays = offset
    if xml:
        _complete_xml(doc, first)
    else:
        # As the reader completes them after a whole reading: every top-level member, file order.
        doc.header.update(first.header)
        doc.header.update(last_header)
    doc.problems.extend(problems)
    return hits


def _complete_xml(doc, first: PartResult) -> None:
    """As the XML reader completes a whole reading: the header mapped from the root, its lines."""
    from kad_spec.message.xml_reader import lines_finder

    doc.header.clear()
    doc.header.update(first.header)
    doc.lines_for = lines_finder(first.lines)


def _placed(hits: list[Hit], part: PartResult, offset: int, lines: int) -> list[Hit] | None:
    """A later XML part's stays are gone when the merge finds a repeated opphold_id among them:
    the line one reading gives it (its opphold_id element's) comes from the part's stay lines."""
    placed = []
    for hit in hits:
        if hit.line is None:
            match = _XML_ID_POINTER.fullmatch(hit.pointer)
            local = int(match.group(1)) - offset if match else -1
            if not (0 <= local < len(part.stay_lines)) or not part.stay_lines[local]:
                return None
            hit = Hit(hit.rule_id, hit.pointer, hit.params, part.stay_lines[local] + lines)
        placed.append(hit)
    return placed


def _shifted(hit: Hit, offset: int, lines: int = 0) -> Hit:
    """A later part's hit as in the whole message: ``offset`` stays and ``lines`` lines before it."""
    match = _STAY_POINTER.match(hit.pointer)
    line = hit.line + lines if hit.line is not None and lines else hit.line
    if (match is None or not offset) and line == hit.line:
        return hit
    pointer = f"/opphold/{int(match.group(1)) + offset}{hit.pointer[match.end():]}" if match and offset else hit.pointer
    return Hit(hit.rule_id, pointer, hit.params, line)


def _keys_before_stays(path: Path) -> list[str] | None:
    """The top-level keys written before the stays, in order; None if there are no stays to cut.

    Read in one call where the members before the stays allow it (as the reader's header read
    does), else token by token."""
    from kad_spec.message import UTF8_BOM
    from kad_spec.message.json_batches import HEAD_BYTES, members_before_stays

    with path.open("rb") as handle:
        start = len(UTF8_BOM) if handle.read(len(UTF8_BOM)) == UTF8_BOM else 0
        handle.seek(start)
        members = members_before_stays(handle.read(HEAD_BYTES))
        if members is not None:
            return list(members)
        handle.seek(start)
        return _keys_token_by_token(handle)


def _keys_token_by_token(handle) -> list[str] | None:
    import ijson

    keys: list[str] = []
    try:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "" and event == "map_key":
                if value == "opphold":
                    return keys
                keys.append(value)
    except (ijson.JSONError, UnicodeDecodeError):
        return None
    return None
