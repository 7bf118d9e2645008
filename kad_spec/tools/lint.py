"""``kad-spec lint``: is the model complete enough to publish?

LinkML's own linter (run in-process, problems mapped to LINT-001/LINT-002) plus the project's
checks: bokmål descriptions everywhere, OID and source on every code list binding, passing and
failing examples for every rule, every item 1–9 of the proposal realised, a semantic version,
and every small enum in step with its code list file.

Every check has a stable id and a fixed level, so CI and the directorate can refer to it. The
table ``CHECKS`` at the end of this module lists them with the function that runs each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from kad_spec.spec.findings import ERROR, WARNING
from kad_spec.spec.text import Text
from kad_spec.tools.checks import Check, registry

LEVELS = (ERROR, WARNING)  # an error fails the lint (exit 1), a warning does not

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
REQUIREMENT_FLAGS = {"O", "V", "B", "I", "F"}
# Enums whose source is the specification itself have no Volven OID to carry.
LOCAL_SOURCE = "kad-spec"


@dataclass(frozen=True)
class LintProblem:
    check_id: str
    location: str
    message: str

    @property
    def severity(self) -> str:
        return CHECKS[self.check_id].level

    def to_dict(self) -> dict:
        return {"id": self.check_id, "severity": self.severity, "location": self.location, "message": self.message}


@dataclass
class LintResult:
    model_dir: Path
    problems: list[LintProblem] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(ERROR) else 0

    def add(self, check_id: str, location: str, message: str) -> None:
        self.problems.append(LintProblem(check_id, location, message))


# --- entry point --------------------------------------------------------------------------


@dataclass
class Subject:
    """What the checks look at: the model folder, and the model and catalogue once read."""

    model_dir: Path
    codelists_dir: Path
    linkml: bool
    model: Any = None
    rules: dict = field(default_factory=dict)


def lint_model(model_dir: Path | None = None, codelists_dir: Path | None = None, *, linkml: bool = True) -> LintResult:
    """Lint the model in ``model_dir`` (default: the bundled model) against ``codelists_dir``.

    The code lists default to the ``codelists/`` folder beside the model folder, else the
    bundled ones. The checks run in the order of the table; the first reads the model, and
    nothing else runs when it cannot.
    """
    from kad_spec.spec.resources import codelists_dir as bundled_codelists, model_dir as bundled_model

    model_dir = Path(model_dir or bundled_model())
    sibling = model_dir.parent / "codelists"
    lists = codelists_dir or (sibling if sibling.is_dir() else bundled_codelists())
    subject = Subject(model_dir, Path(lists), linkml)
    result = LintResult(model_dir)
    for handler in handlers():
        handler(subject, result)
        if subject.model is None:
            break
    return result


def handlers() -> list:
    """Each check function once, in the order of the table."""
    return list(dict.fromkeys(check.handler for check in CHECKS.values()))


def _load(subject: Subject, result: LintResult) -> None:
    from kad_spec.spec.catalogue import CatalogueError, load_catalogue
    from kad_spec.spec.model import load_model

    model_dir = subject.model_dir
    path = model_dir / "kad.yaml"
    if not path.is_file():
        result.add("LINT-014", str(path), f"Finner ikke modellfilen {path}.")
        return
    try:
        subject.model = load_model(model_dir)
    except yaml.YAMLError as exc:
        result.add("LINT-014", _yaml_position(path, exc), f"Modellfilen er ikke gyldig YAML: {_yaml_problem(exc)}")
        return
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        result.add("LINT-014", str(path), f"Modellfilen har feil oppbygning: {exc}")
        return
    try:
        subject.rules = load_catalogue(model_dir / "rules")
    except yaml.YAMLError as exc:
        result.add("LINT-014", _yaml_position(model_dir / "rules", exc), f"Regelkatalogen er ikke gyldig YAML: {_yaml_problem(exc)}")
    except (CatalogueError, KeyError, TypeError, AttributeError) as exc:
        result.add("LINT-014", str(model_dir / "rules"), f"Regelkatalogen kan ikke leses: {exc}")


def _yaml_position(path: Path, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc)


# --- LinkML's linter ----------------------------------------------------------------------


def linkml_config() -> dict:
    """LinkML's recommended rules, except naming of permissible values: Volven codes are digits."""
    return {
        "extends": "recommended",
        "rules": {"standard_naming": {"level": "warning", "exclude_type": ["permissible_value"]}},
    }


def _linkml_checks(subject: Subject, result: LintResult) -> None:
    if not subject.linkml:
        return
    from linkml.linter.linter import Linter  # only here: lint --no-linkml runs without LinkML
    schema_path = subject.model_dir / "kad.yaml"
    try:
        problems = list(Linter(linkml_config()).lint(str(schema_path)))
    except Exception as exc:  # the linter itself may fail on a broken schema; report, don't crash
        result.add("LINT-001", str(schema_path), f"LinkML-linteren kunne ikke kjøre: {exc}")
        return
    for problem in problems:
        check = "LINT-001" if str(problem.level) == "error" else "LINT-002"
        result.add(check, f"{schema_path} ({problem.rule_name})", f"LinkML: {problem.message}")


# --- the project's checks -----------------------------------------------------------------


def _needs_text(result: LintResult, location: str, description: str, annotations: dict) -> None:
    if not str(description or "").strip():
        result.add("LINT-003", location, f"{location} mangler beskrivelse på bokmål (description).")
    if not str(annotations.get("title_en") or "").strip():
        result.add("LINT-004", location, f"{location} mangler engelsk tittel (annotasjonen title_en).")


def _description_checks(subject: Subject, result: LintResult) -> None:
    m = subject.model
    for cls in m.classes.values():
        _needs_text(result, f"klasse {cls.name}", cls.description, cls.annotations)
        for attr in cls.attributes:
            _needs_text(result, f"element {cls.name}.{attr.name}", attr.description, attr.annotations)
    for t in m.types.values():
        _needs_text(result, f"type {t.name}", t.description, t.annotations)
    for enum in m.enums.values():
        _needs_text(result, f"kodeverk {enum.name}", enum.description, enum.annotations)
        for value in enum.values:
            _needs_text(result, f"kode {enum.name}.{value.code}", value.description, value.annotations)


def _enum_checks(subject: Subject, result: LintResult) -> None:
    m = subject.model
    for enum in m.enums.values():
        where = f"kodeverk {enum.name}"
        source = str(enum.annotations.get("source") or "").strip()
        if not source:
            result.add("LINT-006", where, f"{where} mangler kilde (annotasjonen source).")
        if enum.oid or source == LOCAL_SOURCE:
            continue
        missing = [v.code for v in enum.values if not v.annotations.get("oid")]
        if missing:
            result.add(
                "LINT-005", where,
                f"{where} mangler OID (annotasjonen oid på kodeverket, eller oid på hver kode; "
                f"mangler for {', '.join(missing)}).",
            )


def _rule_checks(subject: Subject, result: LintResult) -> None:
    for rule in subject.rules.values():
        where = f"regel {rule.id}"
        expects = {ex.expect for ex in rule.examples}
        if "pass" not in expects:
            result.add("LINT-007", where, f"{where} har ikke noe eksempel som skal godtas (expect: pass).")
        if "fail" not in expects:
            result.add("LINT-008", where, f"{where} har ikke noe eksempel som skal avvises (expect: fail).")


EXAMPLE_NAME = re.compile(r"^(pass|fail)_[a-z0-9]+(_[a-z0-9]+)*$")


def _example_name_checks(subject: Subject, result: LintResult) -> None:
    """Every example has a name, so a test id reads as a sentence: KAD-DIA-001-fail_when_list_is_empty."""
    for rule in subject.rules.values():
        seen: set[str] = set()
        for number, example in enumerate(rule.examples, start=1):
            where = f"regel {rule.id}, eksempel {number}"
            name = example.name
            if not name:
                result.add("LINT-019", where, f"{where} mangler navn (name: {example.expect}_..., i snake_case).")
            elif not EXAMPLE_NAME.match(name) or not name.startswith(example.expect + "_"):
                result.add("LINT-019", where, f"{where} har navnet «{name}»; navnet skal være snake_case og begynne "
                                              f"med {example.expect}_ (som expect).")
            elif name in seen:
                result.add("LINT-019", where, f"{where} har navnet «{name}», som et annet eksempel i regelen også har.")
            seen.add(name)


def _proposal_checks(subject: Subject, result: LintResult) -> None:
    m = subject.model
    from kad_spec.generate.markdown import PROPOSAL_ITEMS

    realised: set[str] = set()
    for path, attr in m.walk():
        item = attr.item
        if item is None:
            continue
        item = str(item)
        if item not in PROPOSAL_ITEMS:
            where = f"element {'/'.join(path)}"
            result.add("LINT-009", where, f"{where} viser til punkt {item}, som ikke finnes i høringsnotatet (1–9).")
        realised.add(item)
    for item, text in PROPOSAL_ITEMS.items():
        if item not in realised:
            result.add(
                "LINT-009", f"punkt {item}",
                f"Punkt {item} i høringsnotatet ({text}) er ikke realisert av noe element (annotasjonen forslag_punkt).",
            )


def _requirement_checks(subject: Subject, result: LintResult) -> None:
    m = subject.model
    for cls in m.classes.values():
        for attr in cls.attributes:
            where = f"element {cls.name}.{attr.name}"
            flag = attr.annotations.get("krav")
            if flag not in REQUIREMENT_FLAGS:
                result.add("LINT-015", where, f"{where} mangler gyldig kravflagg (annotasjonen krav: O, V eller B).")
            elif flag == "B" and not str(attr.annotations.get("betingelse") or "").strip():
                result.add("LINT-015", where, f"{where} er betinget (B), men betingelsen mangler (annotasjonen betingelse).")
            elif flag == "O" and not attr.required:
                result.add("LINT-015", where, f"{where} er merket obligatorisk (O), men er ikke required i modellen.")


def _version_checks(subject: Subject, result: LintResult) -> None:
    m = subject.model
    if not SEMVER.match(m.version):
        result.add("LINT-010", "modell", f"Versjonen «{m.version}» er ikke MAJOR.MINOR.PATCH (semantisk versjonering).")
    dates = {}
    for key in ("publisert", "ikrafttredelse"):
        value = m.annotations.get(key)
        try:
            dates[key] = date.fromisoformat(str(value))
        except ValueError:
            result.add("LINT-016", "modell", f"Annotasjonen {key} mangler eller er ikke en dato (ÅÅÅÅ-MM-DD): {value!r}.")
    if len(dates) == 2 and dates["ikrafttredelse"] < dates["publisert"]:
        result.add("LINT-016", "modell", "Ikrafttredelsesdatoen er før publiseringsdatoen.")


def _changelog_checks(subject: Subject, result: LintResult) -> None:
    """The change log is the one source of the accepted versions and of the release dates."""
    from kad_spec.spec.versions import CHANGELOG, semver_key

    m = subject.model
    log = f"{CHANGELOG}"
    if "supported_versions" in m.annotations:
        result.add("LINT-017", "modell",
                   "Annotasjonen supported_versions brukes ikke lenger: versjonene validatoren godtar, avledes av "
                   f"version og {log}. Fjern annotasjonen fra kad.yaml.")
    if not SEMVER.match(m.version):
        return  # LINT-010 has said so; the change log cannot be matched to it
    entry = next((v for v in m.changelog if v.version == m.version), None)
    if entry is None:
        result.add("LINT-017", log,
                   f"Endringsloggen har ingen post for versjon {m.version}. Legg til en øverst i {log} "
                   f"(lag den med `kad-spec diff FORRIGE . --changelog`).")
        return
    published = m.annotations.get("publisert")
    if str(entry.date) != str(published):
        result.add("LINT-017", log,
                   f"Posten for {m.version} i endringsloggen har dato {entry.date or '(ingen)'}, men publisert er "
                   f"{published}. Sett date: \"{published}\" i posten.")
    newest = max(m.changelog, key=lambda v: semver_key(v.version) or (-1, -1, -1))
    if newest.version != m.version:
        result.add("LINT-017", log,
                   f"Endringsloggen har versjon {newest.version}, som er nyere enn modellens {m.version}. "
                   f"Sett version i kad.yaml, eller rett endringsloggen.")


def _rhythm_checks(subject: Subject, result: LintResult) -> None:
    """Major and minor versions: published 1 April, in force 1 January the year after, later than the last."""
    from kad_spec.spec.versions import previous_version, semver_key

    m = subject.model
    if not SEMVER.match(m.version) or not any(v.version == m.version for v in m.changelog):
        return  # LINT-010 or LINT-017 has said so
    previous = previous_version(m.version, list(m.changelog))
    try:
        published = date.fromisoformat(str(m.annotations.get("publisert")))
        effective = date.fromisoformat(str(m.annotations.get("ikrafttredelse")))
    except ValueError:
        return  # LINT-016 has said so
    is_patch = (semver_key(m.version) or (0, 0, 0))[2] > 0
    if not is_patch:
        if (published.month, published.day) != (4, 1):
            result.add("LINT-018", "modell",
                       f"publisert er {published}; en ny versjon publiseres 1. april. Sett publisert: "
                       f"\"{published.year}-04-01\".")
        if effective != date(published.year + 1, 1, 1):
            result.add("LINT-018", "modell",
                       f"ikrafttredelse er {effective}; en versjon publisert {published.year} gjelder fra 1. januar "
                       f"året etter. Sett ikrafttredelse: \"{published.year + 1}-01-01\".")
    if previous is None:
        return
    try:
        before = date.fromisoformat(previous.date)
    except ValueError:
        return
    if is_patch and published < before:
        result.add("LINT-018", "modell", f"publisert ({published}) er før forrige versjon {previous.version} ({before}).")
    elif not is_patch and published.year <= before.year:
        result.add("LINT-018", "modell",
                   f"publisert er ikke flyttet: {m.version} har publisert {published}, forrige versjon "
                   f"{previous.version} ble publisert {before}. Sett publisert: \"{before.year + 1}-04-01\" og "
                   f"ikrafttredelse: \"{before.year + 2}-01-01\" (eller senere år).")


def _codelist_checks(subject: Subject, result: LintResult) -> None:
    from kad_spec.codelists import CodeListFormatError, read_codelist

    m, folder = subject.model, subject.codelists_dir
    for enum in m.enums.values():
        name = enum.codelist
        if not name:
            continue
        where = f"kodeverk {enum.name}"
        path = Path(folder) / f"{name}.csv"
        if not path.is_file():
            result.add("LINT-012", where, f"{where} viser til kodeverket «{name}», men {path} finnes ikke.")
            continue
        try:
            listed = read_codelist(path)
        except (CodeListFormatError, OSError, ValueError) as exc:
            result.add("LINT-012", where, f"{where}: kodeverksfilen {path} kan ikke leses: {exc}")
            continue
        _compare_enum(enum, listed, where, result)


def _compare_enum(enum, listed, where: str, result: LintResult) -> None:
    # A list may be keyed by OID (the diagnosis systems); then a value matches by its own oid.
    codes = set(listed.codes())
    matched = set()
    for value in enum.values:
        key = value.code if value.code in codes else value.annotations.get("oid")
        if key in codes:
            matched.add(key)
        else:
            result.add("LINT-011", f"kode {enum.name}.{value.code}",
                       f"Koden {value.code} i {where} finnes ikke i kodeverksfilen {listed.name}.")
    for code in sorted(codes - matched):
        result.add("LINT-011", where, f"Koden {code} i kodeverksfilen {listed.name} mangler i {where}.")
    if enum.oid and listed.oid and enum.oid != listed.oid:
        result.add("LINT-013", where, f"{where} har OID {enum.oid}, kodeverksfilen {listed.name} har {listed.oid}.")


# --- the checks ---------------------------------------------------------------------------
# Grouped by the function that runs them, in the order they run (the problems come out in
# this order).

CHECKS: dict[str, Check] = registry(
    Check("LINT-014", ERROR, _load, Text("Modellen eller regelkatalogen kan ikke leses",
                                         "The model or the rule catalogue cannot be read")),
    Check("LINT-001", ERROR, _linkml_checks, Text("LinkML-linteren fant en feil", "The LinkML linter found an error")),
    Check("LINT-002", WARNING, _linkml_checks, Text("LinkML-linteren fant et avvik fra anbefalt praksis",
                                                    "The LinkML linter found a deviation from recommended practice")),
    Check("LINT-003", ERROR, _description_checks, Text("Bokmålsbeskrivelse mangler", "Bokmål description missing")),
    Check("LINT-004", WARNING, _description_checks, Text("Engelsk tittel (title_en) mangler",
                                                         "English title (title_en) missing")),
    Check("LINT-005", ERROR, _enum_checks, Text("Kodeverk uten OID", "Enum without OID")),
    Check("LINT-006", ERROR, _enum_checks, Text("Kodeverk uten kilde", "Enum without source")),
    Check("LINT-007", ERROR, _rule_checks, Text("Regel uten eksempel som skal godtas", "Rule without a passing example")),
    Check("LINT-008", ERROR, _rule_checks, Text("Regel uten eksempel som skal avvises", "Rule without a failing example")),
    Check("LINT-019", ERROR, _example_name_checks, Text("Eksempel i regelkatalogen uten gyldig, unikt navn",
                                                        "Catalogue example without a valid, unique name")),
    Check("LINT-009", ERROR, _proposal_checks, Text("Punkt i høringsnotatet er ikke realisert",
                                                    "Item of the proposal not realised")),
    Check("LINT-015", ERROR, _requirement_checks, Text("Element uten gyldig kravflagg (O, V, B) eller betingelse",
                                                       "Element without a valid requirement flag or condition")),
    Check("LINT-010", ERROR, _version_checks, Text("Versjonen er ikke semantisk versjonering", "Version is not semver")),
    Check("LINT-016", ERROR, _version_checks, Text("Publiserings- eller ikrafttredelsesdato mangler eller er ugyldig",
                                                   "Publication or effective date missing or invalid")),
    Check("LINT-017", ERROR, _changelog_checks, Text("Versjonen i modellen og endringsloggen stemmer ikke overens",
                                                     "The model's version and the change log disagree")),
    Check("LINT-018", ERROR, _rhythm_checks,
          Text("Datoene følger ikke rytmen 1. april (publisert) / 1. januar (i kraft)",
               "The dates do not follow the 1 April (published) / 1 January (in force) rhythm")),
    Check("LINT-011", ERROR, _codelist_checks, Text("Kodeverket i modellen er ulikt kodeverksfilen",
                                                    "Enum differs from its code list file")),
    Check("LINT-012", ERROR, _codelist_checks, Text("Kodeverksfilen finnes ikke", "Code list file not found")),
    Check("LINT-013", ERROR, _codelist_checks, Text("OID i modellen er ulik OID i kodeverksfilen",
                                                    "OID in the model differs from the code list file")),
)


def check_dict(check: Check) -> dict:
    """A check as the JSON output lists it."""
    return {"id": check.id, "severity": check.level, "title": check.message.nb, "title_en": check.message.en}


# --- output -------------------------------------------------------------------------------


def render_text(result: LintResult) -> str:
    lines = [f"{p.check_id} {_severity_nb(p.severity)}: {p.location}: {p.message}" for p in result.problems]
    errors, warnings = result.count(ERROR), result.count(WARNING)
    lines.append(f"Lint av {result.model_dir}: {errors} feil, {warnings} advarsler.")
    return "\n".join(lines) + "\n"


def render_json(result: LintResult) -> str:
    doc = {
        "model_dir": str(result.model_dir),
        "errors": result.count(ERROR),
        "warnings": result.count(WARNING),
        "problems": [p.to_dict() for p in result.problems],
        "checks": {c.id: check_dict(c) for c in sorted(CHECKS.values(), key=lambda c: c.id)},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _severity_nb(severity: str) -> str:
    return "feil" if severity == ERROR else "advarsel"
