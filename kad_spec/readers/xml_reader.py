"""XML messages: the generated XSD checks structure; the content is mapped to the JSON form.

XSD errors become findings with the same rule ids as the JSON Schema's, so that a JSON file
and an XML file with the same content get the same findings. Conditional requirements, which
XSD 1.0 cannot express, are taken from the JSON Schema on the mapped content.
"""

from __future__ import annotations

from pathlib import Path

from kad_spec.findings import Hit
from kad_spec.readers import Document, ReadFailure


def _field(pointer: str | None) -> str:
    return ".".join(p for p in (pointer or "").strip("/").split("/") if p and not p.isdigit())


def read_xml(path: Path) -> Document:
    from kad_spec.model import model
    from kad_spec.xmlmap import XmlInputError, element_to_dict, parse_xml_bytes, validate_xml

    data = path.read_bytes()
    try:
        tree = parse_xml_bytes(data)
    except XmlInputError as error:
        raise ReadFailure(
            "KAD-FIL-001",
            {"reason": f"ugyldig XML ({error.message})", "reason_en": f"invalid XML ({error.message_en})"},
            error.line,
            error.column,
        ) from None
    root = tree.getroot()
    m = model()
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
    mapped = element_to_dict(root)
    problems = _xsd_hits(validate_xml(tree), mapped.data) + _mapping_hits(mapped.problems)
    message = mapped.data
    stays = message.get("opphold") or []
    header = {k: v for k, v in message.items() if k != "opphold"}
    doc_lines = dict(mapped.lines)
    problems = _dedupe(problems)

    def iter_stays():
        return enumerate(stays)

    def lines_for(items: list[tuple[str, str | None]]) -> dict[str, int]:
        result = {}
        for pointer, _ in items:
            probe = pointer
            while probe and probe not in doc_lines:
                probe = probe.rsplit("/", 1)[0]
            result[pointer] = doc_lines.get(probe, root.sourceline or 1)
        return result

    return Document(path=path, format="xml", header=header, stays=iter_stays, problems=problems,
                    lines_for=lines_for, structure_checked=True)


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


def _xsd_hits(problems, data: dict) -> list[Hit]:
    from kad_spec.rules import structure

    hits: list[Hit] = []
    for problem in problems:
        hit = _xsd_hit(problem, data, structure)
        if hit is not None:
            hits.append(Hit(hit.rule_id, hit.pointer, hit.params, problem.line))
    return hits


def _children_present(data: dict, pointer: str) -> set[str]:
    node = data
    for part in (pointer or "").strip("/").split("/"):
        if not part:
            continue
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return set()
    return set(node) if isinstance(node, dict) else set()


def _xsd_hit(problem, data: dict, structure) -> Hit | None:
    kind = problem.type_name
    pointer = problem.pointer or ""
    field = _field(pointer)
    attr = structure.attribute_at(field)
    if kind == "SCHEMAV_CVC_ENUMERATION_VALID":
        params = {"element": field, **structure._enum_text(attr, problem.value)}
        return Hit(structure.claimed_rule("enum", field) or "KAD-KL-001", pointer, params)
    if kind == "SCHEMAV_CVC_PATTERN_VALID":
        return Hit(structure.claimed_rule("pattern", field) or "KAD-STR-004", pointer,
                   {"element": field, **structure._pattern_text(attr)})
    if kind in ("SCHEMAV_CVC_MININCLUSIVE_VALID", "SCHEMAV_CVC_MAXINCLUSIVE_VALID"):
        return Hit("KAD-STR-005", pointer, {"element": field, "minimum": getattr(attr, "minimum_value", None),
                                            "maximum": getattr(attr, "maximum_value", None)})
    if kind.startswith("SCHEMAV_CVC_DATATYPE_VALID"):
        base = structure.model().base_type(attr.range) if attr is not None else "string"
        nb, en = structure.TYPE_NAMES.get(base, (base, base))
        return Hit("KAD-STR-003", pointer, {"element": field, "expected": nb, "expected_en": en})
    if kind == "SCHEMAV_ELEMENT_CONTENT" or kind.startswith("SCHEMAV_CVC_COMPLEX_TYPE"):
        return _content_hit(problem, pointer, field, data, structure)
    if kind.startswith("SCHEMAV_CVC_TYPE") or kind.startswith("SCHEMAV_CVC_ELT") or kind.startswith("SCHEMAV_CVC_"):
        return None  # follow-up errors that repeat a facet error already reported for the element
    return Hit("KAD-STR-004", pointer, {"element": field, "type_description": "", "type_description_en": ""})


def _content_hit(problem, pointer: str, field: str, data: dict, structure) -> Hit | None:
    if "Missing child element" in problem.message:
        return _missing(pointer, field, problem.expected[0] if problem.expected else "?", structure)
    if "not expected" not in problem.message:
        return None
    name = problem.element or ""
    if field.rsplit(".", 1)[-1] != name:  # lxml points at the parent of an unknown element
        return Hit("KAD-STR-002", f"{pointer}/{name}", {"element": f"{field}.{name}" if field else name})
    parent_pointer = _parent(pointer)
    parent_field = _field(parent_pointer)
    own_field = f"{parent_field}.{name}" if parent_field else name
    if structure.attribute_at(own_field) is None:
        return Hit("KAD-STR-002", pointer, {"element": own_field})
    present = _children_present(data, parent_pointer)
    absent = [e for e in problem.expected if e not in present]
    if absent:
        return _missing(parent_pointer, parent_field, absent[0], structure)
    return Hit("KAD-STR-007", pointer, {"element": own_field, "expected": ", ".join(problem.expected) or "-"})


def _missing(pointer: str, field: str, name: str, structure) -> Hit:
    target = f"{field}.{name}" if field else name
    rule = structure.claimed_rule("required", target) or "KAD-STR-001"
    return Hit(rule, f"{pointer}/{name}", {"element": target})


def _parent(pointer: str) -> str:
    """The pointer of the XML parent element: list items drop their index too."""
    head, _, last = pointer.rpartition("/")
    return head.rpartition("/")[0] if last.isdigit() else head
