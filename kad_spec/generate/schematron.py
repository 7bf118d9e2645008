"""ISO Schematron (XPath 1.0) for the rules XSD 1.0 cannot carry, from the rule catalogue.

A rule is in the Schematron when its catalogue entry has ``schematron``: a list of assertions,
each with ``context`` (the nodes it applies to), ``assert`` (true for a valid node), optional
``let`` (named XPath values, usable as ``$name``), ``values`` (XPath for each ``{field}`` of
the bokmål message) and ``note`` (what the assertion leaves to kad-spec, written as ``p``). The prefix ``kad`` is the model's XML namespace.

Each rule is one ``pattern`` with the rule id as its id; each assertion has the id
``<rule id>-<n>``, the rule's severity as ``role`` and the bokmål message, beginning with the
rule id, as its text. The conditional requirements (KAD-DIA-002, KAD-OPH-004) and the
cross-field rules that XPath 1.0 can say are here; kad-spec checks all of them too.
"""

from __future__ import annotations

import re

from lxml import etree

from kad_spec.spec.catalogue import Rule
from kad_spec.spec.model import Model

SCH = "http://purl.oclc.org/dsdl/schematron"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFIX = "kad"
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SchematronError(ValueError):
    """A catalogue entry's ``schematron`` is incomplete; the message names the rule."""


def _sch(tag: str) -> str:
    return f"{{{SCH}}}{tag}"


def schematron_rules(rules: dict[str, Rule]) -> dict[str, list[dict]]:
    """Rule id → its assertions, for the rules the Schematron carries."""
    return {rid: list(rule.extra["schematron"]) for rid, rule in sorted(rules.items()) if rule.extra.get("schematron")}


def generate_schematron(m: Model, rules: dict[str, Rule]) -> str:
    root = etree.Element(_sch("schema"), nsmap={None: SCH})
    root.set("queryBinding", "xslt")
    root.set("schemaVersion", m.version)
    root.set(XML_LANG, "nb")
    etree.SubElement(root, _sch("title")).text = f"{m.title}: regler utover XSD-en"
    etree.SubElement(root, _sch("ns"), prefix=PREFIX, uri=m.namespace)
    for rule_id, assertions in schematron_rules(rules).items():
        _pattern(root, rules[rule_id], assertions)
    etree.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"


def _pattern(root: etree._Element, rule: Rule, assertions: list[dict]) -> None:
    pattern = etree.SubElement(root, _sch("pattern"), id=rule.id)
    etree.SubElement(pattern, _sch("title")).text = f"{rule.id} {rule.title}"
    by_context: dict[str, etree._Element] = {}  # a node meets one rule per pattern: group by context
    for number, item in enumerate(assertions, start=1):
        missing = [key for key in ("context", "assert") if not item.get(key)]
        if missing:
            raise SchematronError(f"regel {rule.id}: schematron mangler {', '.join(missing)}")
        context = item["context"]
        if context not in by_context:
            by_context[context] = etree.SubElement(pattern, _sch("rule"), context=context)
        node = by_context[context]
        for name, value in (item.get("let") or {}).items():
            if node.find(f"{_sch('let')}[@name='{name}']") is None:
                node.insert(len(node.findall(_sch("let"))), etree.Element(_sch("let"), name=name, value=value))
        if item.get("note"):
            pattern.insert(1, _note(item["note"]))
        check = etree.SubElement(node, _sch("assert"), test=item["assert"], id=f"{rule.id}-{number}", role=rule.severity)
        _message(check, rule, item.get("values") or {})


def _note(text: str) -> etree._Element:
    note = etree.Element(_sch("p"))
    note.text = " ".join(str(text).split())
    return note


def _message(check: etree._Element, rule: Rule, values: dict[str, str]) -> None:
    """``RULE-ID: message`` with each ``{field}`` as ``value-of`` its XPath."""
    parts = _FIELD.split(f"{rule.id}: {rule.message_nb}")
    check.text = parts[0]
    last = None
    for index in range(1, len(parts), 2):
        name, after = parts[index], parts[index + 1]
        if name not in values:
            raise SchematronError(f"regel {rule.id}: schematron.values mangler «{name}» fra meldingen")
        last = etree.SubElement(check, _sch("value-of"), select=values[name])
        last.tail = after
