"""XML messages read in chunks of stays: parsed, checked against the XSD and mapped in few calls.

The stays are cut into chunks of about :data:`CHUNK_BYTES` between two stays of the root (a
``</opphold>`` end tag, white space, an ``<opphold`` start tag). Each chunk is parsed on its own
inside a root element of its own that declares the message namespace, and validated in one call
against the published XSD (its types, with one more global element that holds stays only). A cut
that is not between two stays of the root gives a chunk that does not parse (an open comment,
CDATA section or element), so a chunk that parses and holds stays only proves its cuts.

Anything this reader does not handle exactly as the streaming reader
(:class:`kad_spec.message.xml_reader.XmlMessage`) does — a chunk the XSD refuses, a syntax error,
anything but stays between the header and the end of the root, a root with attributes or other
namespace declarations — raises :class:`NotForBatches` before the header is touched, and the
caller reads the file with the streaming reader, which also words every finding.

The stays of an accepted chunk are mapped to the message's JSON form. Written plainly (no
comment, CDATA section, processing instruction, attribute, prefix or reference in the chunk), a
stay is read by one regular expression made from the model and written as JSON, which the
caller's typed decoder turns into the same Structs as a JSON file's stays. Any other chunk is
mapped element by element, as the streaming reader maps a stay the XSD accepted. Lines: a chunk has fewer than 65 535 lines, so
libxml2's lines in it are exact; the line ends before the chunk are added.
"""

from __future__ import annotations

import re
from operator import itemgetter
from re import Match

import msgspec

from kad_spec.message import count_line_ends
from kad_spec.message.json_batches import NotForBatches

CHUNK_BYTES = 1 << 20
MAX_LINES = 65535  # libxml2's element lines are exact below this line (kad_spec.message.xml_lines)
HEAD_BYTES = 16 << 20  # the first stay must start within this (a header is a few kB)
SEARCH_SPAN = 4 << 20  # a boundary must lie this close after the ideal cut (stays are ~1 KB)
MAX_STAYS = 8192  # a chunk never holds more stays than a batch (kad_spec.message.batch.BATCH_SIZE)
# Between two stays of the root; a cut goes before the second start tag (group 1).
STAY_BOUNDARY = re.compile(rb"</opphold>[ \t\r\n]*(<opphold[ \t\r\n>])")
_FIRST_STAY = re.compile(rb"<opphold[ \t\r\n>/]")
_LONE_CR = re.compile(rb"\r(?!\n)")
_WHITE = "[ \t\r\n]*"
# Text of a plain value: no markup, reference, quote, backslash or control character, so that it
# is the same in XML and, between quotes, in JSON (see PlainStays).
_PLAIN_TEXT = '([^<&"\\\\\x00-\x1f]*)'
# An XSD integer (white space around it collapsed): its sign and digits without leading zeros.
_INTEGER = "[ \t\r\n]*\\+?(-?)0*([0-9]+)[ \t\r\n]*"
INLINE_ITEMS = 3  # items of a list read as values of their own (more are read apart)
CHUNK_ROOT = "kad-spec-opphold"  # the root element a chunk is parsed in (no name of the model)


class XmlPiece:
    """Stays mapped from one chunk; ``lines`` gives a stay's {pointer: line} by its place in the piece."""

    __slots__ = ("start", "stays", "typed", "lines")

    def __init__(self, start: int, stays: list, typed: bool, lines):
        self.start, self.stays, self.typed, self.lines = start, stays, typed, lines


class ChunkLines:
    """The lines of a chunk's stays, made only for a stay with findings (while the chunk is held)."""

    def __init__(self, root, first_index: int, shift: int):
        self.root, self.first_index, self.shift = root, first_index, shift

    def get(self, local: int):
        return lambda: self.lines(local)

    def lines(self, local: int) -> dict[str, int]:
        from kad_spec.message.xml_lines import shifted_lines
        from kad_spec.message.xmlmap import element_to_dict

        pointer = f"/opphold/{self.first_index + local}"
        mapped = element_to_dict(self.root[local], "Opphold", pointer=pointer)
        return shifted_lines(mapped.lines, self.shift)


def _parser():
    from lxml import etree

    from kad_spec.message.xmlmap import HARDENED

    return etree.XMLParser(**HARDENED, collect_ids=False)


class Region:
    """Bytes [start, end) of a mapped file that hold stays only, with the lines before ``start``."""

    def __init__(self, data, start: int, end: int, lines_before: int):
        self.data, self.start, self.end, self.lines_before = data, start, end, lines_before

    def chunks(self):
        """(bytes, line ends before them) of each chunk, in file order; the pages of the file
        read so far are given back as the reading goes (kad_spec.message.bounded_map)."""
        from kad_spec.message.bounded_map import release

        at, lines = self.start, self.lines_before
        while at < self.end:
            chunk, ends = self._next(at)
            yield chunk, lines
            lines += ends
            at += len(chunk)
            release(self.data, 0, at)

    def _next(self, at: int) -> tuple[bytes, int]:
        """The chunk from ``at`` to a boundary near CHUNK_BYTES on, and its line ends (fewer than MAX_LINES)."""
        span = CHUNK_BYTES
        while True:
            cut = self.end
            if at + span + SEARCH_SPAN < self.end:
                match = STAY_BOUNDARY.search(self.data, at + span, at + span + SEARCH_SPAN)
                if match is None:
                    raise NotForBatches("no boundary between two stays near the cut")
                cut = match.start(1)
            elif at + span < self.end:
                match = STAY_BOUNDARY.search(self.data, at + span, self.end)
                cut = match.start(1) if match else self.end
            chunk = self.data[at:cut]
            ends = count_line_ends(chunk)
            if ends < MAX_LINES - 1:
                return chunk, ends
            if span < 1024:
                raise NotForBatches("a stay with too many lines for exact line numbers")
            span //= 4


class ChunkReader:
    """Parses, validates and maps chunks of stays (see the module's description)."""

    def __init__(self, m, decoder, root_tag: bytes):
        from kad_spec.message.xml_reader import _stay_schema

        self.m = m
        self.decoder = decoder
        self.schema = _stay_schema()
        self.parser = _parser()
        self.root_tag = root_tag  # the message's root start tag, as the file writes it
        self.root_end = f"</{m.root.name}>".encode()
        self.open_tag = f'<{CHUNK_ROOT} xmlns="{m.namespace}">'.encode()
        self.close_tag = f"</{CHUNK_ROOT}>".encode()
        self.stay_tag = f"{{{m.namespace}}}opphold"
        self.plain = plain_stays(m)
        self.fast = None  # the element mapper, made for the first chunk that needs it

    def header_and_stays(self, data, end: int, to_file_end: bool):
        """The root with the members before the first stay, and the region of the stays."""
        first = _FIRST_STAY.search(data, 0, min(end, HEAD_BYTES))
        if first is None:
            raise NotForBatches("no stay near the start")
        head = data[:first.start()]
        header = self._parse(head + self.root_end)
        if any(child.tag == self.stay_tag for child in header):
            raise NotForBatches("a stay the search for the first one passed")
        return header, self.stays_region(data, first.start(), end, to_file_end, count_line_ends(head))

    def stays_region(self, data, start: int, end: int, to_file_end: bool, lines_before: int = 0) -> Region:
        """The stays from ``start`` on; where they run to the end of the file, what follows the
        last of them must close the root and hold nothing else."""
        stop = end
        if to_file_end:
            last = data.rfind(b"</opphold>", start, end)
            if last < 0:
                raise NotForBatches("no end of a stay")
            stop = last + len(b"</opphold>")
            rest = self._parse(self.root_tag + data[stop:end])
            if len(rest) or (rest.text or "").strip():
                raise NotForBatches("more than stays after the first stay")
        return Region(data, start, stop, lines_before)

    def parse(self, data: bytes):
        """The chunk's root, once the XSD has accepted it and it holds stays only."""
        root = self._parse(self.open_tag + data + self.close_tag)
        # The chunk's root takes stays only: text or another element there, and the XSD refuses it.
        if not self.schema.validate(root):
            raise NotForBatches("the XSD refuses the chunk")
        if len(root) > MAX_STAYS:
            raise NotForBatches("a chunk holds more stays than a batch")
        return root

    def _parse(self, data: bytes):
        from lxml import etree

        if b"\r" in data:
            data = _LONE_CR.sub(b"\n", data)  # as the streaming reader reads (LoneCrAsLf)
        try:
            return etree.fromstring(data, self.parser)
        except etree.XMLSyntaxError:
            raise NotForBatches("a chunk does not parse") from None

    def stays(self, data: bytes, root) -> tuple[list, bool]:
        """The chunk's stays in the JSON form (typed where the decoder takes them)."""
        if self.plain is not None and not _has_markup(data):
            array, count = self.plain.json(data.decode("utf-8"))
            if count == len(root):  # else a stay is written otherwise (an attribute, a reference, …)
                try:
                    return self.decoder.decode(array)
                except msgspec.DecodeError:
                    pass  # never expected (a plain text needs no escape): the element mapper decides
        if self.fast is None:
            from kad_spec.message.xml_reader import _FastMapper

            self.fast = _FastMapper(self.m)
        stays = [self.fast.map(elem, "Opphold") for elem in root]
        if any(stay is None for stay in stays):
            raise NotForBatches("a stay the element mapper does not take")
        return stays, False


def _has_markup(data: bytes) -> bool:
    """Whether the chunk has a comment, CDATA section or processing instruction (``<!``, ``<?``),
    which the stay expression could read as stays: a search for ``!`` and ``?`` alone goes at
    the speed of memchr, and they are rare in stays."""
    return (b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data)


class _Leaf:
    """A member with a value (``integer``: written as a JSON number).

    An optional one captures its own name too, so that an absent one is written with the key
    None, which no member has (see PlainStays).
    """

    def __init__(self, name: str, integer: bool, optional: bool):
        self.name, self.integer, self.optional = name, integer, optional

    def pattern(self, capture: bool = True, marked: bool | None = None) -> str:
        """``marked``: capture the name (default: when optional); ``capture`` False: no group at all."""
        marked = self.optional if marked is None else marked
        value = _INTEGER if self.integer else _PLAIN_TEXT
        name = f"({self.name})" if marked and capture else self.name
        if not capture:
            value = value.replace("(", "(?:")
        body = f"<{name}>{value}</{self.name}>{_WHITE}"
        return f"(?:{body})?" if self.optional else body

    def template(self, first: bool = False, marked: bool | None = None) -> str:
        marked = self.optional if marked is None else marked
        key = '"%s"' if marked else f'"{self.name}"'
        return ("" if first else ",") + key + (":%s%s" if self.integer else ':"%s"')

    def none(self, first: bool = False, marked: bool | None = None) -> str:
        """What the template writes when the member is absent (every group None)."""
        template = self.template(first, marked)
        return template % ((None,) * template.count("%s"))


def _leaves_template(leaves: list[_Leaf], marked_first: bool = False) -> str:
    """The leaves of an object, the first without a comma (it is required: see plain_stays)."""
    return "".join(leaf.template(first=k == 0, marked=True if k == 0 and marked_first else None)
                   for k, leaf in enumerate(leaves))


class _Object:
    """A member whose value is an object of values; an optional one captures its name."""

    def __init__(self, name: str, leaves: list[_Leaf], optional: bool):
        self.name, self.leaves, self.optional = name, leaves, optional

    def pattern(self) -> str:
        name = f"({self.name})" if self.optional else self.name
        body = f"<{name}>{_WHITE}" + "".join(leaf.pattern() for leaf in self.leaves) + f"</{self.name}>{_WHITE}"
        return f"(?:{body})?" if self.optional else body

    def template(self) -> str:
        key = '"%s"' if self.optional else f'"{self.name}"'
        return f",{key}:{{" + _leaves_template(self.leaves) + "}"

    def absent(self) -> list[tuple[int, str]]:
        texts = [(2, leaf.none()) for leaf in self.leaves if leaf.optional]
        if self.optional:
            # Its optional values are taken out first; what is left is written from None alone.
            inner = "".join(leaf.none(first=k == 0) for k, leaf in enumerate(self.leaves) if not leaf.optional)
            texts.append((0, ',"None":{' + inner + "}"))
        return texts


class _List:
    """A member whose value is a list of objects of required values.

    The first INLINE_ITEMS items are read by the stay's expression like values of their own (an
    item after the first captures its first value's name, so that an absent one is written with
    the key None); any more are captured whole (``rest``) and read item by item, for the few
    stays that have them.
    """

    def __init__(self, name: str, leaves: list[_Leaf], optional: bool):
        self.name, self.leaves, self.optional = name, leaves, optional
        self.item = re.compile(self._item())
        self.item_template = "{" + _leaves_template(leaves) + "}"

    def _item(self, capture: bool = True, marked: bool = False, named: bool = False) -> str:
        name = f"({self.name})" if named else self.name
        leaves = "".join(leaf.pattern(capture, marked=True if k == 0 and marked else None)
                         for k, leaf in enumerate(self.leaves))
        return f"<{name}>{_WHITE}{leaves}</{self.name}>{_WHITE}"

    def pattern(self) -> str:
        first = f"(?:{self._item(named=True)})?" if self.optional else self._item()
        more = f"(?:{self._item(marked=True)})?" * (INLINE_ITEMS - 1)
        return first + more + f"(?P<rest_{self.name}>(?:{self._item(capture=False)})*)"

    def template(self) -> str:
        key = '"%s"' if self.optional else f'"{self.name}"'
        marked = "{" + _leaves_template(self.leaves, marked_first=True) + "}"
        return f",{key}:[" + self.item_template + f",{marked}" * (INLINE_ITEMS - 1) + "%s]"

    def absent(self) -> list[tuple[int, str]]:
        marked = "{" + _leaves_template(self.leaves, marked_first=True) + "}"
        texts = [(1, "," + marked % ((None,) * marked.count("%s")))]
        if self.optional:  # absent as a whole (XML has no empty list): its first item from None alone
            texts.append((0, ',"None":[' + self.item_template % ((None,) * self.item_template.count("%s")) + "]"))
        return texts

    def rest(self, text: str) -> str:
        """The items after the first INLINE_ITEMS, each with a comma before it."""
        template = self.item_template
        return "".join(["," + template % values for values in self.item.findall(text)])


class PlainStays:
    """Stays written plainly, read by one regular expression made from the model and written as JSON.

    Each stay is written with one format (``template``), its values between quotes as they are
    (a plain text needs no escape in JSON). An absent member gives None to its groups: an
    optional member captures its own name, which then writes the key "None", and the texts so
    written are taken out of the chunk's text by plain replacements, innermost first. No member
    is called None, and a value is never followed by a colon, so ``,"None":`` is only ever such
    a text.
    """

    def __init__(self, members: list):
        self.members = members
        self.stay = re.compile("<opphold>" + _WHITE + "".join(member.pattern() for member in members) + "</opphold>")
        self.template = "{" + "".join(member.template() for member in members)[1:] + "}"
        found: list[tuple[int, str]] = []  # (depth, text): the innermost are taken out first
        for member in members:
            if not isinstance(member, _Leaf):
                found += member.absent()
            elif member.optional:
                found.append((2, member.none()))
        self.absent = list(dict.fromkeys(text for _, text in sorted(found, key=lambda pair: -pair[0])))
        # (group, list member) of each list's items after the first INLINE_ITEMS
        self.rests = [(self.stay.groupindex[f"rest_{member.name}"] - 1, member)
                      for member in members if isinstance(member, _List)]
        self.rest_of = itemgetter(*(group for group, _ in self.rests)) if self.rests else None

    def json(self, text: str) -> tuple[str, int]:
        """The plainly written stays in ``text`` as a JSON array, and how many they are."""
        template, rest_of = self.template, self.rest_of
        groups = map(Match.groups, self.stay.finditer(text))
        if rest_of is None:
            written = [template % values for values in groups]
        else:
            written = [template % values if not any(rest_of(values)) else self._with_rest(values)
                       for values in groups]
        array = "[" + ",".join(written) + "]"
        for absent in self.absent:
            array = array.replace(absent, "")
        return array, len(written)

    def _with_rest(self, values: tuple) -> str:
        values = list(values)
        for group, member in self.rests:
            values[group] = member.rest(values[group])
        return self.template % tuple(values)


def plain_stays(m) -> PlainStays | None:
    """The reader of plainly written stays for the model, or None for a shape it does not cover
    (an object in an object, a list of values, an object or stay whose first member is optional,
    an optional object of optional values, list items with optional values): every chunk is then
    mapped element by element."""
    members: list = []
    names = []
    stay = m.classes["Opphold"].attributes
    if not stay or not stay[0].required:
        return None
    for attr in stay:
        names.append(attr.name)
        optional = not attr.required and not (attr.multivalued and attr.minimum_cardinality)
        if attr.range not in m.classes:
            if attr.multivalued:
                return None
            members.append(_Leaf(attr.name, m.base_type(attr.range) == "integer", optional))
            continue
        leaves = []
        for sub in m.classes[attr.range].attributes:
            if sub.range in m.classes or sub.multivalued:
                return None
            names.append(sub.name)
            leaves.append(_Leaf(sub.name, m.base_type(sub.range) == "integer", not sub.required))
        if not leaves or leaves[0].optional:
            return None
        if attr.multivalued:
            if any(leaf.optional for leaf in leaves):
                return None
            members.append(_List(attr.name, leaves, optional))
        else:
            members.append(_Object(attr.name, leaves, optional))
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name != "None" for name in names):
        return None  # a name that would need escaping in a pattern or in JSON, or the marker's
    return PlainStays(members)
