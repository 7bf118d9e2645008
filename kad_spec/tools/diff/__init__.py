"""``kad-spec diff OLD NEW``: what a model change means for the vendors.

Every change between two versions of the model (and its rule catalogue) is classified as
``breaking`` (a message valid under OLD may be rejected under NEW, or a vendor's code must
change), ``non-breaking`` (every message valid under OLD stays valid) or ``documentation``
(text only), each under a stable check id (DIFF-001 …). The version bump is then checked
against the worst change: breaking needs a new major, non-breaking at least a new minor,
documentation at least a new patch (DIFF-013). The table ``CHECKS`` near the end of this module
lists every check with the levels it can give and the function that finds it.

Elements are compared by their path in the message (``opphold/pasient/kjonn``), so moving a
class or renaming it without changing the message is no change to a vendor. A pattern change
is breaking unless the new pattern accepts every example value and is a superset by the
simple rules of :mod:`kad_spec.tools.diff.regex_widening`.

OLD and NEW are model folders (or a checkout holding ``model/``), or git refs: a ref's
``model/`` and ``examples/`` are extracted with ``git archive`` into a temporary folder.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from kad_spec.codelists.changes import compare_folders
from kad_spec.spec.text import Text
from kad_spec.tools.checks import Check, registry

# The levels of a change; DIFF-013 is not a change but the version check, which always fails the diff.
BREAKING, NON_BREAKING, DOCUMENTATION = "breaking", "non-breaking", "documentation"
VERSIONING = "versioning"
RANK = {DOCUMENTATION: 1, NON_BREAKING: 2, BREAKING: 3}
HEADINGS = {BREAKING: "Brytende endringer", NON_BREAKING: "Ikke-brytende endringer", DOCUMENTATION: "Dokumentasjonsendringer"}
BUMP_FOR = {BREAKING: "major", NON_BREAKING: "minor", DOCUMENTATION: "patch"}
BUMP_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}
BUMP_NB = {"none": "ingen økning", "patch": "patch", "minor": "minor", "major": "major", "lower": "lavere",
           "invalid": "ugyldig"}
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


class DiffError(ValueError):
    """A side cannot be read (exit code 2: not a model folder, not a git ref)."""


@dataclass(frozen=True)
class Change:
    check_id: str
    kind: str
    element: str  # Class.attribute, Enum.code, rule id … (the change log's form)
    message: str  # bokmål
    path: str = ""  # the element's path in the message, where there is one
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


@dataclass(frozen=True)
class VersionCheck:
    """DIFF-013: does the version bump fit the worst change? A finding of its own, not a change."""

    old: str
    new: str
    actual: str  # none | patch | minor | major | lower | invalid
    required: str  # none | patch | minor | major
    ok: bool
    check_id: str = "DIFF-013"

    @property
    def message(self) -> str:
        return _version_message(self)


@dataclass
class DiffResult:
    old_label: str
    new_label: str
    old_version: str
    new_version: str
    published: str | None
    changes: list[Change] = field(default_factory=list)
    version: VersionCheck | None = None

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def worst(self) -> str | None:
        return max((c.kind for c in self.changes), key=RANK.__getitem__, default=None)

    @property
    def worst_in_model(self) -> str | None:
        """The worst change to the model itself: code lists have their own editions (no version bump)."""
        from kad_spec.codelists.changes import CHECK_IDS

        kinds = (c.kind for c in self.changes if c.check_id not in CHECK_IDS)
        return max(kinds, key=RANK.__getitem__, default=None)

    def fails(self, fail_on: str | None) -> bool:
        if self.version is not None and not self.version.ok:
            return True
        return fail_on is not None and any(RANK[c.kind] >= RANK[fail_on] for c in self.changes)


# --- comparing ----------------------------------------------------------------------------


@dataclass
class Side:
    label: str
    model: Any
    rules: dict
    samples: dict[str, list]  # element path → example values
    codelists: Path | None = None


def load_side(model_dir: Path, label: str) -> Side:
    from kad_spec.spec.catalogue import load_catalogue
    from kad_spec.spec.model import load_model

    if not (model_dir / "kad.yaml").is_file():
        raise DiffError(f"{label}: finner ikke {model_dir / 'kad.yaml'}")
    m = _read(lambda: load_model(model_dir), f"{label}: {model_dir / 'kad.yaml'}")
    rules_dir = model_dir / "rules"
    rules = _read(lambda: load_catalogue(rules_dir), f"{label}: {rules_dir}") if rules_dir.is_dir() else {}
    lists = model_dir.parent / "codelists"
    return Side(label, m, rules, _samples(model_dir.parent / "examples", m), lists if lists.is_dir() else None)


def _read(load, where: str):
    from kad_spec.spec.catalogue import CatalogueError

    try:
        return load()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (linje {mark.line + 1}, kolonne {mark.column + 1})" if mark else ""
        raise DiffError(f"{where}: ikke gyldig YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    except (CatalogueError, KeyError, TypeError, AttributeError) as exc:
        raise DiffError(f"{where}: kan ikke leses: {exc}") from None


def diff_models(old: Side, new: Side) -> DiffResult:
    result = DiffResult(old.label, new.label, old.model.version, new.model.version,
                        new.model.annotations.get("publisert"))
    add = result.changes.append
    _compare_model(old.model, new.model, add)
    _compare_elements(old, new, add)
    _compare_classes(old.model, new.model, add)
    _compare_enums(old.model, new.model, add)
    _compare_rules(old.rules, new.rules, add)
    _compare_codelists(old, new, add)
    result.version = check_version(old.model.version, new.model.version, result.worst_in_model)
    return result


def _text_change(add, element: str, what: str, old: Any, new: Any, path: str = "") -> None:
    if _norm(old) != _norm(new):
        add(Change("DIFF-011", DOCUMENTATION, element, f"{what} er endret.", path, _norm(old), _norm(new)))


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split())


def _compare_model(old, new, add) -> None:
    _text_change(add, "modell", "Modellens tittel", old.title, new.title)
    _text_change(add, "modell", "Modellens beskrivelse", old.description, new.description)
    old_ns, new_ns = old.annotations.get("xml_namespace"), new.annotations.get("xml_namespace")
    if old_ns != new_ns:
        add(Change("DIFF-016", BREAKING, "modell",
                   f"XML-navnerommet er endret fra {old_ns} til {new_ns}; alle XML-meldinger må endres.",
                   old=old_ns, new=new_ns))


def _elements(m) -> dict[str, Any]:
    return {"/".join(path): attr for path, attr in m.walk()}


def _compare_elements(old: Side, new: Side, add) -> None:
    before, after = _elements(old.model), _elements(new.model)
    for path, attr in before.items():
        if path not in after and (_parent(path) in after or not _parent(path)):
            add(Change("DIFF-001", BREAKING, f"{attr.owner}.{attr.name}",
                       f"Elementet {path} er fjernet; meldinger som har det, blir avvist.", path))
    for path, attr in after.items():
        if path in before or (_parent(path) and _parent(path) not in before):
            continue  # only the topmost new element: its children come with it
        required = attr.required or bool(attr.minimum_cardinality)
        add(Change(
            "DIFF-002" if required else "DIFF-003", BREAKING if required else NON_BREAKING,
            f"{attr.owner}.{attr.name}",
            f"Nytt {'påkrevd' if required else 'valgfritt'} element {path}.", path,
        ))
    for path in before.keys() & after.keys():
        _compare_element(path, before[path], after[path], old, new, add)


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def _compare_element(path: str, a, b, old: Side, new: Side, add) -> None:
    element = f"{b.owner}.{b.name}"
    _text_change(add, element, f"Beskrivelsen av {path}", a.description, b.description, path)
    _text_change(add, element, f"Den engelske tittelen på {path}", a.annotations.get("title_en"), b.annotations.get("title_en"), path)
    for key, what in (("krav", "Kravflagget"), ("betingelse", "Betingelsen"), ("forslag_punkt", "Punktet i høringsnotatet")):
        if _norm(a.annotations.get(key)) != _norm(b.annotations.get(key)):
            add(Change("DIFF-017", DOCUMENTATION, element, f"{what} for {path} er endret.", path,
                       a.annotations.get(key), b.annotations.get(key)))
    if not _compare_range(path, element, a, b, old.model, new.model, add):
        return  # a different kind of value: the finer checks would only repeat it
    _compare_required(path, element, a, b, add)
    _compare_cardinality(path, element, a, b, old.model, new.model, add)
    _compare_bounds(path, element, a, b, add)
    _compare_pattern(path, element, a, b, old, new, add)


def _compare_range(path, element, a, b, old_m, new_m, add) -> bool:
    """Report a range change; False when the two are different kinds of value altogether."""
    if a.multivalued != b.multivalued:
        shape = "en liste" if b.multivalued else "en enkel verdi"
        add(Change("DIFF-007", BREAKING, element, f"{path} er nå {shape}; meldingens form endres.", path,
                   "liste" if a.multivalued else "enkel verdi", "liste" if b.multivalued else "enkel verdi"))
        return False
    if a.range == b.range:
        return True
    a_class, b_class = a.range in old_m.classes, b.range in new_m.classes
    if a_class and b_class:
        return True  # the children are compared by path; a class's name is not in the message
    a_enum, b_enum = a.range in old_m.enums, b.range in new_m.enums
    if a_enum and b_enum:
        old_codes, new_codes = set(old_m.enums[a.range].codes), set(new_m.enums[b.range].codes)
        kind = DOCUMENTATION if old_codes == new_codes else NON_BREAKING if old_codes < new_codes else BREAKING
        add(Change("DIFF-009", kind, element, _range_message(path, a.range, b.range, old_codes, new_codes), path, a.range, b.range))
        return True
    if not a_class and not b_class and not a_enum and not b_enum:
        if old_m.base_type(a.range) == new_m.base_type(b.range):
            add(Change("DIFF-009", DOCUMENTATION, element,
                       f"Typen til {path} har nytt navn ({a.range} → {b.range}); samme grunntype. Se også mønster.",
                       path, a.range, b.range))
            return True
    add(Change("DIFF-009", BREAKING, element, f"Verdiområdet til {path} er endret fra {a.range} til {b.range}.", path, a.range, b.range))
    return False


def _range_message(path, old_name, new_name, old_codes, new_codes) -> str:
    gone, added = sorted(old_codes - new_codes), sorted(new_codes - old_codes)
    parts = [f"{path} bruker nå kodeverket {new_name} i stedet for {old_name}"]
    if gone:
        parts.append(f"koder som ikke lenger er gyldige: {', '.join(gone)}")
    if added:
        parts.append(f"nye koder: {', '.join(added)}")
    return "; ".join(parts) + "."


def _compare_required(path, element, a, b, add) -> None:
    if a.required == b.required:
        return
    if b.required:
        add(Change("DIFF-008", BREAKING, element, f"{path} er nå påkrevd; meldinger uten det blir avvist.", path, "valgfri", "påkrevd"))
    else:
        add(Change("DIFF-008", NON_BREAKING, element, f"{path} er nå valgfritt.", path, "påkrevd", "valgfri"))


def _raw_attribute(m, attr) -> dict:
    node = ((m.raw.get("classes") or {}).get(attr.owner) or {}).get("attributes") or {}
    return node.get(attr.name) or {}


def _cardinality(m, attr) -> tuple[int, float]:
    raw = _raw_attribute(m, attr)
    low = attr.minimum_cardinality if attr.minimum_cardinality is not None else 0
    high = raw.get("maximum_cardinality")
    return low, float("inf") if high is None else high


def _compare_cardinality(path, element, a, b, old_m, new_m, add) -> None:
    if not b.multivalued:
        return
    (old_low, old_high), (new_low, new_high) = _cardinality(old_m, a), _cardinality(new_m, b)
    if (old_low, old_high) == (new_low, new_high):
        return
    narrowed = new_low > old_low or new_high < old_high
    text = lambda low, high: f"{low}..{'n' if high == float('inf') else high}"  # noqa: E731
    old_text, new_text = text(old_low, old_high), text(new_low, new_high)
    add(Change("DIFF-007", BREAKING if narrowed else NON_BREAKING, element,
               f"Kardinaliteten til {path} er {'innsnevret' if narrowed else 'utvidet'} fra {old_text} til {new_text}.",
               path, old_text, new_text))


def _compare_bounds(path, element, a, b, add) -> None:
    for key, label, narrower in (
        ("minimum_value", "Minste verdi", lambda old, new: old is None or (new is not None and new > old)),
        ("maximum_value", "Største verdi", lambda old, new: old is None or (new is not None and new < old)),
    ):
        old, new = getattr(a, key), getattr(b, key)
        if old == new:
            continue
        narrowed = new is not None and narrower(old, new)
        add(Change("DIFF-012", BREAKING if narrowed else NON_BREAKING, element,
                   f"{label} for {path} er {'innsnevret' if narrowed else 'utvidet'}: {_show(old)} → {_show(new)}.",
                   path, old, new))


def _show(value: Any) -> str:
    return "ingen" if value is None else str(value)


def _compare_pattern(path, element, a, b, old: Side, new: Side, add) -> None:
    from kad_spec.tools.diff.regex_widening import is_widening

    before, after = old.model.pattern_of(a), new.model.pattern_of(b)
    if before == after:
        return
    if after is None:
        add(Change("DIFF-006", NON_BREAKING, element, f"Mønsteret for {path} er fjernet.", path, before, None))
        return
    if before is None:
        add(Change("DIFF-006", BREAKING, element, f"{path} har fått et mønster: {after}.", path, None, after))
        return
    values = old.samples.get(path, []) + new.samples.get(path, [])
    rejected = [v for v in values if isinstance(v, str) and not _matches(after, v)]
    if rejected:
        reason = f"det nye mønsteret avviser eksempelverdien «{rejected[0]}»"
    elif is_widening(before, after):
        add(Change("DIFF-006", NON_BREAKING, element,
                   f"Mønsteret for {path} er utvidet ({before} → {after}); alle eksempelverdier godtas.", path, before, after))
        return
    else:
        reason = "det kan ikke vises at det nye mønsteret godtar alt det gamle godtok"
    add(Change("DIFF-006", BREAKING, element, f"Mønsteret for {path} er endret ({before} → {after}); {reason}.", path, before, after))


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None  # JSON Schema semantics: search, patterns anchor themselves
    except re.error:
        return False


def _compare_classes(old_m, new_m, add) -> None:
    for name in old_m.classes.keys() & new_m.classes.keys():
        a, b = old_m.classes[name], new_m.classes[name]
        _text_change(add, name, f"Beskrivelsen av klassen {name}", a.description, b.description)
        _text_change(add, name, f"Den engelske tittelen på klassen {name}", a.annotations.get("title_en"), b.annotations.get("title_en"))
        old_rules = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in a.rules]
        new_rules = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in b.rules]
        for rule in new_rules:
            if rule not in old_rules:
                add(Change("DIFF-015", BREAKING, name, f"Nytt eller endret betinget krav i {name}: {_rule_text(rule)}", old=None, new=json.loads(rule)))
        for rule in old_rules:
            if rule not in new_rules and _same_conditions(rule, new_rules) is None:
                add(Change("DIFF-015", NON_BREAKING, name, f"Betinget krav fjernet fra {name}: {_rule_text(rule)}", old=json.loads(rule)))


def _same_conditions(rule: str, others: list[str]):
    """A changed rule (same preconditions) is reported once, as new/changed, not also as removed."""
    pre = json.loads(rule).get("preconditions")
    return next((o for o in others if json.loads(o).get("preconditions") == pre), None)


def _rule_text(rule: str) -> str:
    return _norm(json.loads(rule).get("description")) or "(uten beskrivelse)"


def _compare_enums(old_m, new_m, add) -> None:
    for name in old_m.enums.keys() & new_m.enums.keys():
        a, b = old_m.enums[name], new_m.enums[name]
        _text_change(add, name, f"Beskrivelsen av kodeverket {name}", a.description, b.description)
        old_values, new_values = {v.code: v for v in a.values}, {v.code: v for v in b.values}
        for code in old_values.keys() - new_values.keys():
            add(Change("DIFF-004", BREAKING, f"{name}.{code}",
                       f"Koden {code} er fjernet fra {name}; meldinger med den blir avvist.", old=code))
        for code in new_values.keys() - old_values.keys():
            add(Change("DIFF-005", NON_BREAKING, f"{name}.{code}", f"Koden {code} ({_norm(new_values[code].description)}) er lagt til i {name}.", new=code))
        for code in sorted(old_values.keys() & new_values.keys()):
            _text_change(add, f"{name}.{code}", f"Teksten for kode {code} i {name}", old_values[code].description, new_values[code].description)
            _text_change(add, f"{name}.{code}", f"Den engelske teksten for kode {code} i {name}", old_values[code].title_en, new_values[code].title_en)
        if a.oid != b.oid:
            add(Change("DIFF-014", BREAKING, name, f"OID for {name} er endret fra {a.oid} til {b.oid}.", old=a.oid, new=b.oid))
        if _norm(a.annotations.get("source")) != _norm(b.annotations.get("source")):
            add(Change("DIFF-014", DOCUMENTATION, name, f"Kilden for {name} er endret.",
                       old=a.annotations.get("source"), new=b.annotations.get("source")))


def _compare_rules(old_rules: dict, new_rules: dict, add) -> None:
    for rule_id in sorted(new_rules.keys() - old_rules.keys()):
        rule = new_rules[rule_id]
        kind = BREAKING if rule.severity == "error" else NON_BREAKING
        add(Change("DIFF-010", kind, rule_id, f"Ny regel {rule_id} ({'feil' if kind == BREAKING else 'advarsel'}): {rule.title}.", new=rule.severity))
    for rule_id in sorted(old_rules.keys() - new_rules.keys()):
        add(Change("DIFF-010", NON_BREAKING, rule_id, f"Regelen {rule_id} er fjernet: {old_rules[rule_id].title}.", old=old_rules[rule_id].severity))
    for rule_id in sorted(old_rules.keys() & new_rules.keys()):
        a, b = old_rules[rule_id], new_rules[rule_id]
        if a.severity != b.severity:
            raised = b.severity == "error"
            add(Change("DIFF-010", BREAKING if raised else NON_BREAKING, rule_id,
                       f"Alvorligheten for {rule_id} er {'hevet fra advarsel til feil' if raised else 'senket fra feil til advarsel'}.",
                       old=a.severity, new=b.severity))
        for key, what in (("title", "Tittelen"), ("title_en", "Den engelske tittelen"), ("given", "Gitt"), ("when", "Når"),
                          ("then", "Så"), ("message_nb", "Meldingsteksten"), ("message_en", "Den engelske meldingsteksten")):
            _text_change(add, rule_id, f"{what} for regel {rule_id}", getattr(a, key), getattr(b, key))


def _compare_codelists(old: Side, new: Side, add) -> None:
    from kad_spec.codelists import CodeListFormatError

    if old.codelists is None or new.codelists is None:
        return  # a bare model folder on one side: nothing to compare the lists with
    mirrored = {e.codelist for e in new.model.enums.values() if e.codelist}
    try:
        found = compare_folders(old.codelists, new.codelists, skip=mirrored)
    except (CodeListFormatError, OSError) as exc:
        raise DiffError(f"kodeverk: {exc}") from None
    for c in found:
        add(Change(c.check_id, c.kind, c.element, c.message, old=c.old, new=c.new))


# --- example values for the pattern check -------------------------------------------------


def _samples(examples: Path, m) -> dict[str, list]:
    """Values per element path, from the valid examples (not the ones under ugyldig/)."""
    found: dict[str, list] = {}
    if not examples.is_dir():
        return found
    for path in sorted(examples.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        _collect(doc, "", found)
    return found


def _collect(node: Any, path: str, found: dict[str, list]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _collect(value, f"{path}/{key}" if path else key, found)
    elif isinstance(node, list):
        for item in node:
            _collect(item, path, found)
    else:
        found.setdefault(path, []).append(node)


# --- versions -----------------------------------------------------------------------------


def bump(old: str, new: str) -> str:
    a, b = SEMVER.match(old or ""), SEMVER.match(new or "")
    if not a or not b:
        return "invalid"
    old_t, new_t = tuple(map(int, a.groups())), tuple(map(int, b.groups()))
    if new_t == old_t:
        return "none"
    if new_t < old_t:
        return "lower"
    if new_t[0] > old_t[0]:
        return "major"
    return "minor" if new_t[1] > old_t[1] else "patch"


def check_version(old: str, new: str, worst: str | None) -> VersionCheck:
    required = BUMP_FOR.get(worst, "none") if worst else "none"
    actual = bump(old, new)
    ok = actual not in ("invalid", "lower") and BUMP_RANK[actual] >= BUMP_RANK[required]
    return VersionCheck(old, new, actual, required, ok)


def _version_message(v: VersionCheck) -> str:
    if v.actual == "invalid":
        return f"Versjonene {v.old} og {v.new} kan ikke sammenlignes (ikke MAJOR.MINOR.PATCH)."
    if v.actual == "lower":
        return f"Den nye versjonen {v.new} er lavere enn den gamle {v.old}."
    done = f"Versjonen er ikke endret ({v.new})" if v.actual == "none" else f"Versjonen er økt fra {v.old} til {v.new} ({v.actual})"
    return f"{done}, men endringene krever minst en ny {v.required}-versjon."


# --- the checks ---------------------------------------------------------------------------
# The level of most changes depends on the change (a pattern widened or narrowed); the
# classification says how, in the words the JSON output and the documentation use.

CHECKS: dict[str, Check] = registry(
    Check("DIFF-001", (BREAKING,), _compare_elements, Text("Element fjernet", "Element removed"),
          Text("brytende", "breaking")),
    Check("DIFF-002", (BREAKING,), _compare_elements, Text("Nytt påkrevd element", "New required element"),
          Text("brytende", "breaking")),
    Check("DIFF-003", (NON_BREAKING,), _compare_elements, Text("Nytt valgfritt element", "New optional element"),
          Text("ikke-brytende", "non-breaking")),
    Check("DIFF-004", (BREAKING,), _compare_enums, Text("Kode fjernet fra kodeverk", "Code removed from an enum"),
          Text("brytende", "breaking")),
    Check("DIFF-005", (NON_BREAKING,), _compare_enums, Text("Kode lagt til i kodeverk", "Code added to an enum"),
          Text("ikke-brytende", "non-breaking")),
    Check("DIFF-006", (BREAKING, NON_BREAKING), _compare_pattern, Text("Mønster endret", "Pattern changed"),
          Text("brytende, unntatt en påviselig utvidelse (ikke-brytende)",
               "breaking, except a provable widening (non-breaking)")),
    Check("DIFF-007", (BREAKING, NON_BREAKING), _compare_cardinality,
          Text("Kardinalitet endret", "Cardinality changed"),
          Text("innsnevret eller enkel verdi ↔ liste: brytende; utvidet: ikke-brytende",
               "narrowed or single value ↔ list: breaking; widened: non-breaking")),
    Check("DIFF-008", (BREAKING, NON_BREAKING), _compare_required, Text("Påkrevd ↔ valgfri", "Required ↔ optional"),
          Text("valgfri → påkrevd: brytende; påkrevd → valgfri: ikke-brytende",
               "optional → required: breaking; required → optional: non-breaking")),
    Check("DIFF-009", (BREAKING, NON_BREAKING, DOCUMENTATION), _compare_range,
          Text("Type eller verdiområde endret", "Range or type changed"),
          Text("brytende; samme koder under nytt navn: dokumentasjon; flere koder: ikke-brytende",
               "breaking; the same codes under a new name: documentation; more codes: non-breaking")),
    Check("DIFF-010", (BREAKING, NON_BREAKING), _compare_rules, Text("Regel endret", "Rule changed"),
          Text("ny feilregel eller advarsel → feil: brytende; ny advarsel, fjernet regel, feil → advarsel: "
               "ikke-brytende",
               "new error rule or warning → error: breaking; new warning, rule removed, error → warning: "
               "non-breaking")),
    Check("DIFF-011", (DOCUMENTATION,), _text_change, Text("Tekst endret", "Text changed"),
          Text("dokumentasjon", "documentation")),
    Check("DIFF-012", (BREAKING, NON_BREAKING), _compare_bounds,
          Text("Minste eller største verdi endret", "Minimum or maximum value changed"),
          Text("innsnevret: brytende; utvidet: ikke-brytende", "narrowed: breaking; widened: non-breaking")),
    Check("DIFF-013", (VERSIONING,), check_version,
          Text("Versjonsøkningen passer ikke til endringene", "Version bump does not fit the changes"),
          Text("feil i versjoneringen", "error in the versioning")),
    Check("DIFF-014", (BREAKING, DOCUMENTATION), _compare_enums,
          Text("Kodeverkets OID eller kilde endret", "Enum OID or source changed"),
          Text("OID: brytende; kilde: dokumentasjon", "OID: breaking; source: documentation")),
    Check("DIFF-015", (BREAKING, NON_BREAKING), _compare_classes,
          Text("Betinget krav i modellen endret", "Conditional requirement in the model changed"),
          Text("nytt eller endret: brytende; fjernet: ikke-brytende", "new or changed: breaking; removed: non-breaking")),
    Check("DIFF-016", (BREAKING,), _compare_model, Text("XML-navnerom endret", "XML namespace changed"),
          Text("brytende", "breaking")),
    Check("DIFF-017", (DOCUMENTATION,), _compare_element,
          Text("Kravflagg, betingelse eller punkt i høringsnotatet endret",
               "Requirement flag, condition or proposal item changed"),
          Text("dokumentasjon", "documentation")),
    Check("DIFF-018", (NON_BREAKING,), compare_folders,
          Text("Ny kodeverksutgave", "New code list edition"), Text("ikke-brytende", "non-breaking")),
    Check("DIFF-019", (NON_BREAKING,), compare_folders,
          Text("Kode ny i kodeverksfil", "Code added to a code list"), Text("ikke-brytende", "non-breaking")),
    Check("DIFF-020", (BREAKING,), compare_folders,
          Text("Kode avsluttet eller fjernet i kodeverksfil", "Code ended or removed in a code list"),
          Text("brytende for avsendere fra datoen koden ikke lenger gjelder",
               "breaking for senders from the day the code is no longer valid")),
    Check("DIFF-021", (DOCUMENTATION,), compare_folders,
          Text("Kodetekst endret i kodeverksfil", "Code text changed in a code list"),
          Text("dokumentasjon", "documentation")),
)


def check_dict(check: Check) -> dict:
    """A check as the JSON output lists it."""
    return {"id": check.id, "title": check.message.nb, "title_en": check.message.en, "kinds": check.classification.nb}


# --- the two sides: folders or git refs ---------------------------------------------------


@contextmanager
def resolve(spec: str, repo: Path | None = None) -> Iterator[tuple[Path, str]]:
    """(model folder, label) for a folder or a git ref; a ref is extracted to a temporary folder."""
    path = Path(spec)
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="kad-spec-diff-") as tmp:
            yield _unzip_release(path, Path(tmp)), f"{spec} (utgivelse)"
        return
    if path.is_dir():
        model = path if (path / "kad.yaml").is_file() else path / "model"
        if not (model / "kad.yaml").is_file():
            raise DiffError(f"{spec}: mappen har verken kad.yaml eller model/kad.yaml")
        yield model, str(spec)
        return
    top = _git_toplevel(repo or Path.cwd())
    if top is None or not _is_ref(top, spec):
        raise DiffError(f"{spec}: finnes verken som modellmappe eller som git-ref")
    with tempfile.TemporaryDirectory(prefix="kad-spec-diff-") as tmp:
        _extract(top, spec, "model", Path(tmp), required=True)
        _extract(top, spec, "examples", Path(tmp), required=False)
        _extract(top, spec, "codelists", Path(tmp), required=False)
        yield Path(tmp) / "model", f"{spec} (git)"


def _unzip_release(path: Path, target: Path) -> Path:
    """The model folder of a release zip (``kad-spec-<version>/model``), extracted below ``target``."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.split("/", 2)[1:2] in (["model"], ["codelists"], ["examples"])]
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) != 1:
                raise DiffError(f"{path}: ikke en utgivelse fra kad-spec release (fant ikke én mappe med model/)")
            for name in names:
                if ".." in name.split("/") or name.startswith("/"):
                    raise DiffError(f"{path}: ugyldig filnavn i arkivet: {name}")
            archive.extractall(target, members=names)
    except zipfile.BadZipFile as exc:
        raise DiffError(f"{path}: kan ikke lese zip-filen: {exc}") from None
    model = target / tops.pop() / "model"
    if not (model / "kad.yaml").is_file():
        raise DiffError(f"{path}: utgivelsen har ikke model/kad.yaml")
    return model


def _git(top: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(top), *args], capture_output=True)


def _git_toplevel(start: Path) -> Path | None:
    try:
        done = _git(start, "rev-parse", "--show-toplevel")
    except OSError:
        return None
    return Path(done.stdout.decode().strip()) if done.returncode == 0 else None


def _is_ref(top: Path, ref: str) -> bool:
    return not ref.startswith("-") and _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def _extract(top: Path, ref: str, folder: str, target: Path, required: bool) -> None:
    done = _git(top, "archive", "--format=tar", ref, folder)
    if done.returncode != 0:
        if required:
            raise DiffError(f"{ref}: finner ikke {folder}/ i denne git-refen")
        return
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(target, filter="data")


def diff(old_spec: str, new_spec: str, repo: Path | None = None) -> DiffResult:
    with resolve(old_spec, repo) as (old_dir, old_label), resolve(new_spec, repo) as (new_dir, new_label):
        return diff_models(load_side(old_dir, old_label), load_side(new_dir, new_label))


# --- output -------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(result: DiffResult) -> str:
    lines = [
        f"# Endringer i spesifikasjonen {result.old_version} → {result.new_version}",
        "",
        f"Sammenlignet: `{result.old_label}` → `{result.new_label}`.",
        "",
        f"- Brytende: {result.count(BREAKING)}",
        f"- Ikke-brytende: {result.count(NON_BREAKING)}",
        f"- Dokumentasjon: {result.count(DOCUMENTATION)}",
    ]
    v = result.version
    if v is not None:
        verdict = "passer" if v.ok else "passer IKKE"
        lines.append(f"- Versjon: {v.old} → {v.new} ({BUMP_NB[v.actual]}); endringene i modellen krever "
                     f"{BUMP_NB[v.required]}: {verdict}.")
        if not v.ok:
            lines += ["", f"**{v.check_id}**: {v.message}"]
    if not result.changes:
        lines += ["", "Ingen endringer."]
    for kind in (BREAKING, NON_BREAKING, DOCUMENTATION):
        rows = [c for c in result.changes if c.kind == kind]
        if not rows:
            continue
        lines += ["", f"## {HEADINGS[kind]}", "", "| Kontroll | Element | Endring |", "|---|---|---|"]
        lines += [f"| {c.check_id} | `{_cell(c.path or c.element)}` | {_cell(c.message)} |" for c in rows]
    return "\n".join(lines) + "\n"


def render_json(result: DiffResult) -> str:
    doc = {
        "old": {"source": result.old_label, "version": result.old_version},
        "new": {"source": result.new_label, "version": result.new_version},
        "summary": {kind: result.count(kind) for kind in (BREAKING, NON_BREAKING, DOCUMENTATION)},
        "version_check": {**asdict(result.version), "message": result.version.message} if result.version else None,
        "changes": [c.to_dict() for c in result.changes],
        "checks": {c.id: check_dict(c) for c in CHECKS.values()},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"


def render_changelog(result: DiffResult) -> str:
    """One entry for ``model/endringslogg.yaml`` (the docs' change log), as YAML."""
    counts = {kind: result.count(kind) for kind in (BREAKING, NON_BREAKING, DOCUMENTATION)}
    entry = {
        "version": result.new_version,
        "date": str(result.published or ""),
        "status": "høringsutkast",
        "summary": (f"{counts[BREAKING]} brytende, {counts[NON_BREAKING]} ikke-brytende og "
                    f"{counts[DOCUMENTATION]} dokumentasjonsendring(er) siden {result.old_version}."),
        "changes": [
            {"kind": c.kind, "check": c.check_id, "element": c.element, "description": c.message}
            for c in sorted(result.changes, key=lambda c: (-RANK[c.kind], c.check_id, c.element))
        ],
    }
    return yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
