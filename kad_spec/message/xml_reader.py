"""XML messages: the generated XSD checks structure; the content is mapped to the JSON form.

XSD errors become findings with the same rule ids as the JSON Schema's, so that a JSON file
and an XML file with the same content get the same findings. Conditional requirements, which
XSD 1.0 cannot express, are taken from the JSON Schema on the mapped content.
"""

from __future__ import annotations

import gc
import re
from array import array
from functools import cache
from pathlib import Path

from lxml.etree import XMLSyntaxError

from kad_spec.spec.findings import Hit
from kad_spec.message import Document, ReadFailure, nearest_line, position
from kad_spec.message.xml_lines import SeenInTree, StayFinder, past_exact_lines, shifted_lines
from kad_spec.spec.pointer import split


def _field(pointer: str | None) -> str:
    return ".".join(p for p in split(pointer or "") if p and not p.isdigit())


def _read_failure(error) -> ReadFailure:
    return ReadFailure(
        "KAD-FIL-001",
        {"reason": f"ugyldig XML ({error.message})", "reason_en": f"invalid XML ({error.message_en})"},
        error.line,
        error.column,
    )


def _refuse_undeclared_prefix(elem) -> None:
    from kad_spec.message.xmlmap import undeclared_prefix

    error = undeclared_prefix(elem)
    if error is not None:
        raise _read_failure(error)


def _declared_encoding(head: bytes) -> str | None:
    match = re.match(rb"\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", head)
    return match.group(1).decode("ascii") if match else None


def check_prolog(path: Path) -> None:
    from kad_spec.message.xmlmap import PROLOG_HEAD, PROLOG_LIMIT, doctype_error, doctype_position, prolog_unfinished

    with path.open("rb") as handle:
        head = handle.read(PROLOG_HEAD)
        position = doctype_position(head)
        if position is None and prolog_unfinished(head):
            # Long comments first: look further, so that a DOCTYPE behind them is refused here, by
            # this check, and not by whatever limit of the parser's it would run into first.
            head += handle.read(PROLOG_LIMIT - PROLOG_HEAD)
            position = doctype_position(head, PROLOG_LIMIT)
    if position:
        raise _read_failure(doctype_error(*position))
    encoding = _declared_encoding(head)
    if encoding and encoding.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        raise ReadFailure("KAD-FIL-002", {"encoding": encoding}, 1, 1)


def refuse_late_doctype(path: Path, root) -> None:
    """A DOCTYPE further in than the prolog check reads (after a long comment) is refused too.

    The parser has read it, but neither loaded nor expanded anything: entities stay unresolved.
    """
    from kad_spec.message.xmlmap import doctype_error

    docinfo = root.getroottree().docinfo
    if not (docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url or docinfo.public_id):
        return
    line = column = None
    with path.open("rb") as handle:
        head = handle.read(16 << 20)
    at = head.find(b"<!DOCTYPE")
    if at >= 0:
        line, column = position(head, at)
    raise _read_failure(doctype_error(line, column))


@cache
def _stay_schema():
    """The published XSD with two more global elements, so that a single stay, or a chunk of
    stays, can be validated.

    The types are the published ones; only the entry points are added.
    """
    from lxml import etree

    from kad_spec.spec.resources import generated_dir
    from kad_spec.message.xmlmap import safe_parser

    from kad_spec.message.xml_batches import CHUNK_ROOT

    xs = "{http://www.w3.org/2001/XMLSchema}"
    xsd = etree.parse(str(generated_dir() / "xsd" / "kad.xsd"), safe_parser())
    etree.SubElement(xsd.getroot(), f"{xs}element", name="opphold", type="kad:Opphold")
    # The root of a chunk of stays (kad_spec.message.xml_batches): stays only.
    chunk = etree.SubElement(xsd.getroot(), f"{xs}element", name=CHUNK_ROOT)
    sequence = etree.SubElement(etree.SubElement(chunk, f"{xs}complexType"), f"{xs}sequence")
    etree.SubElement(sequence, f"{xs}element", name="opphold", type="kad:Opphold", minOccurs="0",
                     maxOccurs="unbounded")
    return etree.XMLSchema(xsd)


def _open_source(path):
    """The file to parse: opened through the path, so that a SizedPath (or a part) limits the reading;
    a lone CR reads as LF, so that a CR-only file's lines are numbered."""
    from kad_spec.message import LoneCrAsLf

    return LoneCrAsLf(path.open("rb") if hasattr(path, "open") else open(path, "rb"))


def iterparse_hardened(source, **options):
    """lxml's iterparse with the hardened options of :data:`kad_spec.message.xmlmap.HARDENED`.

    ``source``: a path, or an open binary file (a part of a message read in parts)."""
    from lxml import etree

    from kad_spec.message.xmlmap import HARDENED

    return etree.iterparse(str(source) if isinstance(source, Path) else source, **HARDENED, **options)


class XmlMessage:
    """One XML file, streamed: each ``opphold`` is validated, mapped and dropped in turn."""

    def __init__(self, path: Path, part: bool = False):
        """``path`` is the file, or a source whose ``open()`` gives one part of it (kad_spec.validation.split).

        ``part`` marks a later part of a message read in parts: it has no header of its own, so
        its root is not checked against the schema; ``only_stays`` says whether it held nothing
        else, and ``stay_lines`` keeps the line of each stay's ``opphold_id`` (0: none), for
        findings the merge of the parts makes.
        """
        from kad_spec.spec.model import model

        self.path = path
        self.part = part
        self.model = model()
        self.ns = self.model.namespace
        self.header: dict = {}
        self.problems: list[Hit] = []
        self.lines: dict[str, int] = {}
        self.only_stays = True
        self.stay_lines = array("i")
        self.finder: StayFinder | None = None  # made when a stay past line 65 535 has findings
        self.later_finder: StayFinder | None = None  # the same, for lines looked up after the stay was read

    def read_header(self) -> None:
        """The members before the first stay, so that stay checks know the header."""
        try:
            with _open_source(self.path) as source:
                self._read_header(source)
        except SYNTAX_ERRORS as error:
            raise syntax_failure(error) from None

    def _read_header(self, source) -> None:
        from kad_spec.message.xmlmap import element_to_dict

        root = None
        for event, elem in iterparse_hardened(source, events=("start", "end")):
            if root is None:
                root = elem
                refuse_late_doctype(self.path, root)
                self._check_root(root)
                continue
            if elem.getparent() is not root:
                continue
            if event == "start" and etree_local(elem) == "opphold":
                break
            if event == "end":
                name = etree_local(elem)
                attr = self._root_attribute(name)
                if attr is not None and attr.range in self.model.classes and name not in self.header:
                    _refuse_undeclared_prefix(elem)
                    self.header[name] = element_to_dict(elem, attr.range, pointer=f"/{name}").data

    @staticmethod
    def model_of():
        from kad_spec.spec.model import model

        return model()

    def _root_attribute(self, name: str):
        return next((a for a in self.model.root.attributes if a.name == name), None)

    def _check_root(self, root) -> None:
        m = self.model
        if root.tag != f"{{{m.namespace}}}{m.root.name}":
            raise ReadFailure(
                "KAD-FIL-004",
                {
                    "reason": f"rotelementet skal være {m.root.name} i navnerommet {m.namespace}",
                    "reason_en": f"the root element must be {m.root.name} in the namespace {m.namespace}",
                },
                root.sourceline,
                None,
            )

    def run(self, on_stay) -> None:
        """Stream the stays to ``on_stay``; the garbage collector is paused as for JSON."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._run(on_stay)
        finally:
            if was_enabled:
                gc.enable()

    def run_pieces(self, decoder, on_piece) -> None:
        """Hand the stays over chunk by chunk (kad_spec.message.xml_batches); raises
        NotForBatches, before the header is touched, when the streaming reader must read the file."""
        from kad_spec.message import map_file
        from kad_spec.message.json_batches import NotForBatches

        part = getattr(self.path, "part", None)
        path = self.path.path if part is not None else self.path
        was_enabled = gc.isenabled()
        gc.disable()  # many objects and no cycles: collecting during the reading only costs time
        try:
            with path.open("rb") as handle, map_file(handle) as data:
                self._run_pieces(path, part, data, decoder, on_piece)
        except ReadFailure:
            raise NotForBatches("the streaming reader words this failure") from None
        finally:
            if was_enabled:
                gc.enable()

    def _run_pieces(self, path, part, data, decoder, on_piece) -> None:
        from kad_spec.message.json_batches import NotForBatches
        from kad_spec.message.xml_batches import ChunkLines, ChunkReader, XmlPiece

        root_tag = plain_root_tag(path)
        if root_tag is None:
            raise NotForBatches("the root declares more than the message namespace")
        reader = ChunkReader(self.model, decoder, root_tag)
        end = len(data) if part is None or part.end is None else min(part.end, len(data))
        header = None
        if self.part:
            region = reader.stays_region(data, part.start, end, to_file_end=part.end is None)
        else:
            header, region = reader.header_and_stays(data, end, to_file_end=part is None or part.end is None)
        id_tag = f"{{{self.ns}}}opphold_id"
        index = 0
        for chunk, lines in region.chunks():
            root = reader.parse(chunk)
            stays, typed = reader.stays(chunk, root)
            if self.part:
                for elem in root:
                    line = _line_of_child(elem, id_tag)
                    self.stay_lines.append(line + lines if line else 0)
            on_piece(XmlPiece(index, stays, typed, ChunkLines(root, index, lines)))
            index += len(stays)
        if header is not None:
            self._finish(header)

    def _run(self, on_stay) -> None:
        from kad_spec.message.xmlmap import element_to_dict

        self.stay_lines = array("i")  # a reading in pieces that was given up may have begun them
        schema = _stay_schema()
        fast = _FastMapper(self.model)
        index = 0
        source = _open_source(self.path)
        context = iterparse_hardened(source, events=("end",), tag=f"{{{self.ns}}}opphold")
        id_tag = f"{{{self.ns}}}opphold_id"
        try:
            for _, elem in context:
                parent = elem.getparent()
                if parent is None or parent.getparent() is not None:
                    continue  # an opphold element that is not a child of the root
                if self.part:
                    self.stay_lines.append(_line_of_child(elem, id_tag))
                pointer = f"/opphold/{index}"
                data = fast.map(elem, "Opphold") if schema.validate(elem) else None
                if data is not None:
                    on_stay(index, data, (), _LazyLines(elem, pointer, self._later_finder(id_tag)))
                else:
                    _refuse_undeclared_prefix(elem)
                    alone, shift = self._exact(elem, id_tag)
                    if alone is not elem:
                        schema.validate(alone)  # its errors, with exact lines
                    mapped = element_to_dict(alone, "Opphold", pointer=pointer)
                    hits = _stay_xsd_hits(schema, alone, mapped.data, pointer) + _mapping_hits(mapped.problems)
                    if shift:
                        hits = [Hit(h.rule_id, h.pointer, h.params, h.line + shift if h.line else h.line) for h in hits]
                    on_stay(index, mapped.data, _dedupe(hits), shifted_lines(mapped.lines, shift))
                index += 1
                parent.remove(elem)
            root = context.root
        except SYNTAX_ERRORS as error:
            raise syntax_failure(error) from None
        finally:
            source.close()
        self._finish(root)

    def _finder(self, id_tag: str):
        if self.finder is None:
            self.finder = StayFinder(self.path, id_tag)
        return self.finder

    def _later_finder(self, id_tag: str):
        """A finder of its own for lines looked up after the reading has gone on (_LazyLines):
        a finder searches forward, and each is asked in file order."""
        if self.later_finder is None:
            self.later_finder = StayFinder(self.path, id_tag)
        return self.later_finder

    def _exact(self, elem, id_tag: str):
        """The stay to take lines from, and the lines to add: itself, or past libxml2's exact
        lines, the stay parsed alone (kad_spec.message.xml_lines)."""
        if past_exact_lines(elem):
            found = self._finder(id_tag).locate(elem)
            if found is not None:
                return found
        return elem, 0

    def _finish(self, root) -> None:
        """The root now holds the header only: check it against the schema and map it."""
        from kad_spec.message.xmlmap import element_to_dict, validate_xml

        if root is None:
            return
        if self.part:
            # The header is in the first part; here anything but stays means the cut was wrong.
            self.only_stays = len(root) == 0 and not (root.text or "").strip()
            return
        _refuse_undeclared_prefix(root)
        mapped = element_to_dict(root)
        self.header.clear()
        self.header.update({k: v for k, v in mapped.data.items() if k != "opphold"})
        self.lines.update(mapped.lines)
        self.problems.extend(_xsd_hits(validate_xml(root), mapped.data))
        self.problems.extend(_mapping_hits(mapped.problems))
        deduped = _dedupe(self.problems)
        self.problems[:] = deduped

def _stay_xsd_hits(schema, elem, stay: dict, pointer: str) -> list[Hit]:
    """XSD problems of one stay; it is the only stay left in the tree, so it sits at index 0."""
    from kad_spec.message.xmlmap import personal_elements, xsd_problem

    m = XmlMessage.model_of()
    tree = _RelativeTo(elem)
    personal = personal_elements(m)
    problems = [xsd_problem(error, tree, m, personal) for error in schema.error_log]
    return _xsd_hits(problems, {"opphold": [stay]}, relocate=("/opphold/0", pointer))


class _FastMapper:
    """XML to JSON for a stay the XSD has accepted, at a fraction of the general mapper's cost.

    The XSD has already ruled out unknown or repeated elements, attributes and text between
    elements, so only names, nesting and integers remain to handle. Anything unexpected
    gives None, and the general mapper then says what is wrong.
    """

    def __init__(self, m):
        self.specs = {
            cls.name: {
                f"{{{m.namespace}}}{a.name}": (a.name, a.range if a.range in m.classes else None,
                                              a.multivalued, m.base_type(a.range) == "integer")
                for a in cls.attributes
            }
            for cls in m.classes.values()
        }
        for spec in self.specs.values():
            for tag, (name, sub, multivalued, is_int) in list(spec.items()):
                spec[tag] = (name, self.specs[sub] if sub else None, multivalued, is_int)

    def map(self, elem, cls: str):
        try:
            return self._map(elem, self.specs[cls])
        except (KeyError, ValueError, TypeError):
            return None

    def _map(self, elem, spec: dict) -> dict:
        out: dict = {}
        for child in elem:
            name, sub, multivalued, is_int = spec[child.tag]
            if sub is not None:
                value = self._map(child, sub)
            elif is_int:
                value = int(child.text)
            else:
                value = child.text or ""
            if multivalued:
                if name in out:
                    out[name].append(value)
                else:
                    out[name] = [value]
            else:
                out[name] = value
        return out


def _line_of_child(elem, tag: str) -> int:
    """The line of the first child with this tag, 0 if none (a plain loop: find() costs more per stay)."""
    for child in elem:
        if child.tag == tag:
            return child.sourceline or 0
    return 0


class _LazyLines:
    """The stay's pointer-to-line map, made only if the stay has findings (the element is alive
    while its findings are made); past libxml2's exact lines, from the stay parsed alone."""

    def __init__(self, elem, pointer: str, finder):
        self.elem, self.pointer, self.finder = elem, pointer, finder
        # The map is made after the stay has left the tree (the engine checks stays in batches):
        # what the finder needs of the tree is kept now, for the few stays past exact lines.
        self.seen = SeenInTree(elem) if past_exact_lines(elem) else None

    def __call__(self) -> dict[str, int]:
        from kad_spec.message.xmlmap import element_to_dict

        elem, shift = self.elem, 0
        if self.seen is not None:
            found = self.finder.locate(elem, self.seen)
            if found is not None:
                elem, shift = found
        return shifted_lines(element_to_dict(elem, "Opphold", pointer=self.pointer).lines, shift)


class _RelativeTo:
    """Paths in errors from validating one element start at that element ('/*' is the stay)."""

    def __init__(self, elem):
        self.elem = elem

    def xpath(self, path: str):
        if path == "/*":
            return [self.elem]
        return self.elem.xpath("." + path[2:]) if path.startswith("/*/") else []


def plain_root_tag(path) -> bytes | None:
    """The root start tag to open a later part with, if the root declares only the default namespace.

    Any other form (a prefix, more declarations, attributes such as xml:space) and the file is
    read in one piece: a part or chunk must see the stays in the same context as the whole file.
    """
    from kad_spec.spec.model import model

    m = model()
    try:
        for _, root in iterparse_hardened(path, events=("start",)):
            plain = root.tag == f"{{{m.namespace}}}{m.root.name}" and root.nsmap == {None: m.namespace} \
                and not root.attrib
            return f'<{m.root.name} xmlns="{m.namespace}">'.encode() if plain else None
    except SYNTAX_ERRORS:
        return None
    return None


def etree_local(elem) -> str:
    tag = elem.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_xml(path: Path) -> Document:
    check_prolog(path)
    message = XmlMessage(path)
    message.read_header()
    return Document(path=path, format="xml", header=message.header, run=message.run,
                    run_pieces=message.run_pieces, problems=message.problems,
                    lines_for=lines_finder(message.lines), structure_checked=True)


def lines_finder(lines: dict[str, int]):
    """Lines of findings from the lines the reading placed: a pointer's own, else its nearest ancestor's."""

    def lines_for(items: list[tuple[str, str | None]]) -> dict[str, int]:
        found = {pointer: nearest_line(lines, pointer) for pointer, _ in items}
        return {pointer: line for pointer, line in found.items() if line is not None}

    return lines_for


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen = set()
    unique = []
    for hit in hits:
        key = (hit.rule_id, hit.pointer)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique


def _mapping_hits(problems) -> list[Hit]:
    hits = []
    for problem in problems:
        if problem.kind in ("unknown_element", "unknown_attribute"):
            field = _field(problem.pointer)
            element = f"{field}.{problem.element}" if field else problem.element
            hits.append(Hit("KAD-STR-002", f"{problem.pointer}/{problem.element}", {"element": element}, problem.line))
        elif problem.kind == "namespace":
            hits.append(Hit("KAD-STR-002", problem.pointer, {"element": problem.element}))
        elif problem.kind in ("mixed_content", "children_in_value"):
            hits.append(Hit("KAD-STR-003", problem.pointer, {"element": _field(problem.pointer),
                                                             "expected": problem.message, "expected_en": problem.message_en}))
        elif problem.kind == "repeated_element":
            hits.append(Hit("KAD-STR-006", problem.pointer, {"element": _field(problem.pointer), "minimum": 1}))
    return hits


def _xsd_hits(problems, data: dict, relocate: tuple[str, str] | None = None) -> list[Hit]:
    """Findings from XSD problems; ``relocate`` moves pointers of a lone stay to its real index."""
    hits: list[Hit] = []
    for problem in problems:
        hit = _xsd_hit(problem, data)
        if hit is None:
            continue
        pointer = hit.pointer
        if relocate and (pointer == relocate[0] or pointer.startswith(relocate[0] + "/")):
            pointer = relocate[1] + pointer[len(relocate[0]):]
        hits.append(Hit(hit.rule_id, pointer, hit.params, problem.line))
    return hits


SYNTAX_ERRORS = (XMLSyntaxError,)


def syntax_failure(error) -> ReadFailure:
    line, column = error.position if getattr(error, "position", None) else (getattr(error, "lineno", None), None)
    message = getattr(error, "msg", str(error))
    if "not proper UTF-8" in message or "encoding" in message.lower():
        return ReadFailure("KAD-FIL-002", {"encoding": "ikke UTF-8 (for eksempel ISO-8859-1 eller Windows-1252)"},
                           line, column)
    return ReadFailure("KAD-FIL-001", {"reason": f"ugyldig XML ({message})", "reason_en": f"invalid XML ({message})"},
                       line, column)


def _node_at(data, pointer: str):
    node = data
    for part in split(pointer or ""):
        if not part:
            continue
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _children_present(data: dict, pointer: str) -> tuple[str, ...]:
    """The child element names of the mapped element at ``pointer``, a list's name once per item."""
    node = _node_at(data, pointer)
    if not isinstance(node, dict):
        return ()
    return tuple(name for name, value in node.items() for _ in (value if isinstance(value, list) else (value,)))


def _xsd_hit(problem, data: dict) -> Hit | None:
    """The finding of one XSD problem, by libxml2's error code, through the structure table."""
    from kad_spec.spec import structure_map as smap

    pointer = problem.pointer or ""
    field = _field(pointer)
    if problem.type_name in smap.XSD_CONTENT:
        return _content_hit(problem, pointer, field, data)
    keyword = smap.XSD_KEYWORDS.get(problem.type_name)
    if keyword == "type" and smap.is_time_field(field):
        # As in JSON: a time-shaped text that is no real time is KAD-TID-007's (the time rules
        # report it); any other text misses the pattern.
        if smap.left_to_time_rules(field, _node_at(data, pointer)):
            return None
        keyword = "pattern"
    if keyword == "type":
        return smap.structure_hit(keyword, field, pointer, smap.type_details(smap.base_type_of(field)))
    if keyword is not None:
        return smap.structure_hit(keyword, field, pointer, smap.keyword_details(keyword, field, problem.value))
    if problem.type_name.startswith("SCHEMAV_CVC_"):
        return None  # follow-up errors that repeat a facet error already reported for the element
    return smap.structure_hit("", field, pointer, {"type_description": "", "type_description_en": ""})


def _content_hit(problem, pointer: str, field: str, data: dict) -> Hit | None:
    """An unknown, missing or misplaced element: the XSD names the element, the model says which."""
    from kad_spec.spec import structure_map as smap

    name = problem.element or ""
    if (field.rsplit(".", 1)[-1] if field else XmlMessage.model_of().root.name) != name:
        # an element the model does not know has the pointer of its nearest known ancestor
        return smap.structure_hit("additionalProperties", f"{field}.{name}" if field else name, f"{pointer}/{name}")
    missing = _first_missing_child(field, problem.children)
    if missing is not None:  # the element lacks a child
        return _missing(pointer, field, missing)
    parent_pointer = _parent(pointer)
    parent_field = _field(parent_pointer)
    own_field = f"{parent_field}.{name}" if parent_field else name
    if smap.attribute_at(own_field) is None:
        return smap.structure_hit("additionalProperties", own_field, pointer)
    present = _children_present(data, parent_pointer)
    missing = _first_missing_child(parent_field, present, before=name)
    if missing is not None:  # the element came where a required one, absent, belongs
        return _missing(parent_pointer, parent_field, missing)
    return smap.structure_hit("order", own_field, pointer, {"expected": ", ".join(problem.expected) or "-"})


def _first_missing_child(field: str, children: tuple[str, ...], before: str | None = None) -> str | None:
    """The first child, in model order (and ahead of ``before``), that the element of this field has too few of.

    libxml2 reports a missing child on the element that lacks it, and a misplaced or unknown
    element on that element itself: an element with too few of a child is the incomplete one."""
    from kad_spec.spec.structure_map import attribute_at

    m = XmlMessage.model_of()
    attr = attribute_at(field) if field else None
    cls = m.classes.get(attr.range) if attr is not None else (m.root if field == "" else None)
    if cls is None:
        return None
    for child in cls.attributes:
        if child.name == before:
            return None
        low = child.minimum_cardinality if child.multivalued and child.minimum_cardinality is not None else int(child.required)
        if children.count(child.name) < low:
            return child.name
    return None


def _missing(pointer: str, field: str, name: str) -> Hit:
    from kad_spec.spec.structure_map import structure_hit

    target = f"{field}.{name}" if field else name
    return structure_hit("required", target, f"{pointer}/{name}")


def _parent(pointer: str) -> str:
    """The pointer of the XML parent element: list items drop their index too."""
    head, _, last = pointer.rpartition("/")
    return head.rpartition("/")[0] if last.isdigit() else head
