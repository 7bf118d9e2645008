"""Exact lines for XML stays past line 65 535.

libxml2 stores an element's line in 16 bits. Past line 65 535 it takes the line from a
neighbouring text node instead, and a text node's line is where it ends: an element after a
CDATA section or text holding a newline, an empty element, or a container followed by
indentation gets the line after its own. A message read in parts starts its lines again at
each cut, so one reading and a reading in parts disagreed, and the one reading was wrong.

So a stay with findings that lies past that line is found again in the file (by its
``opphold_id`` where it has one) and parsed alone: its lines, and its XSD errors' lines, are
then exact, and moved by the lines before it. If the stay cannot be found again exactly (the
bytes parsed alone must give the same element), libxml2's lines are kept. The file is searched
a window at a time, giving back the pages passed (kad_spec.message.bounded_map), so memory does
not grow with the distance between two such stays.
"""

from __future__ import annotations

import re

from lxml import etree

BIG_LINES = 65535  # from this line on, libxml2's element lines are not exact
_START = re.compile(rb"<opphold[\s>/]")
_END = b"</opphold>"
_LONE_CR = re.compile(rb"\r(?!\n)")
MAX_CANDIDATES = 1000  # start tags tried for one stay before libxml2's lines are kept


def past_exact_lines(elem) -> bool:
    return any((node.sourceline or 0) >= BIG_LINES for node in elem.iter())


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


class SeenInTree:
    """A stay as it was in the message tree: its text and its root's name (kept for a stay whose
    lines are looked up after the reader has taken it out of the tree)."""

    def __init__(self, elem):
        parent = elem.getparent()
        local = etree.QName(parent).localname if parent is not None else "r"
        self.root_name = f"{parent.prefix}:{local}" if parent is not None and parent.prefix else local
        self.text = etree.tostring(elem, with_tail=False)
        self.nsmap = dict(elem.nsmap)  # taken out of the tree, lxml gives the element a prefix of its own


class StayFinder:
    """Finds stays again in the bytes the parser read, in file order (one cursor, moving forward).

    ``source`` is the message's path (a SizedPath) or a part of it (kad_spec.validation.split): lines are
    counted from the start of what was parsed, as libxml2 counts them.
    """

    def __init__(self, source, id_tag: str):
        part = getattr(source, "part", None)
        self.path = source.path if part is not None else source
        self.base = part.start if part is not None else 0
        self.end = part.end if part is not None else None
        self.id_tag = id_tag
        self.cursor = self.base
        self.lines_before = 0  # line ends in [base, cursor)

    def locate(self, elem, seen: "SeenInTree | None" = None):
        """(the stay parsed alone, lines to add to its lines) or None.

        ``seen`` is the stay as it was in the tree, for a stay already taken out of it.
        """
        from kad_spec.message import map_file
        from kad_spec.message.bounded_map import BoundedMap

        seen = seen or SeenInTree(elem)
        wanted = seen.text
        stay_id = elem.findtext(self.id_tag)
        with self.path.open("rb") as handle, map_file(handle) as data:
            pages = BoundedMap(data)
            end = len(data) if self.end is None else min(self.end, len(data))
            for start in self._candidates(pages, end, stay_id):
                stop = pages.find(_END, start, end)
                if stop < 0:
                    return None
                stop += len(_END)
                alone = self._parse_alone(data[start:stop], seen)
                if alone is not None and etree.tostring(alone, with_tail=False) == wanted:
                    self.lines_before += pages.count_line_ends(self.cursor, start)
                    shift = self.lines_before  # the stay parsed alone starts on line 1
                    self.lines_before += pages.count_line_ends(start, stop)
                    self.cursor = stop
                    return alone, shift
        return None

    def _candidates(self, pages, end: int, stay_id: str | None):
        """Offsets of ``<opphold`` start tags that may begin the stay, nearest first."""
        if stay_id:
            needle = stay_id.encode("utf-8")
            at = pages.find(needle, self.cursor, end)
            tried = 0
            while at >= 0 and tried < MAX_CANDIDATES:
                start = self._start_before(pages, at)
                if start is not None:
                    yield start
                at = pages.find(needle, at + len(needle), end)
                tried += 1
            return
        for tried, match in enumerate(_START.finditer(pages.data, self.cursor, end)):
            if tried >= MAX_CANDIDATES:
                return
            pages.release_before(match.start())
            yield match.start()

    def _start_before(self, pages, at: int) -> int | None:
        probe = at
        while True:
            start = pages.rfind(b"<opphold", self.cursor, probe)
            if start < 0:
                return None
            if _START.match(pages.data, start):
                return start
            probe = start

    @staticmethod
    def _parse_alone(text: bytes, seen: "SeenInTree"):
        from xml.sax.saxutils import quoteattr  # here: it imports urllib, which nothing else needs

        # The same root as in the file, so that XSD error paths read as they do there.
        declarations = " ".join(f"xmlns={quoteattr(uri)}" if prefix is None else f"xmlns:{prefix}={quoteattr(uri)}"
                                for prefix, uri in seen.nsmap.items())
        name = seen.root_name
        wrapped = f"<{name} {declarations}>".encode() + _LONE_CR.sub(b"\n", text) + f"</{name}>".encode()
        try:
            root = etree.fromstring(wrapped, _parser())
        except etree.XMLSyntaxError:
            return None
        return root[0] if len(root) == 1 else None


def shifted_lines(lines: dict[str, int], shift: int) -> dict[str, int]:
    return {pointer: line + shift for pointer, line in lines.items() if line is not None}
