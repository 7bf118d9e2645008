"""``kad-spec lint``: is the model complete enough to publish?

LinkML's own linter (run in-process, problems mapped to LINT-001/LINT-002) plus the project's
checks: bokmål descriptions everywhere, OID and source on every code list binding, passing and
failing examples for every rule, every item 1–9 of the proposal realised, a semantic version,
and every small enum in step with its code list file.

Every check has a stable id and a fixed severity, so CI and the directorate can refer to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import yaml

from kad_spec.findings import ERROR, WARNING

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
REQUIREMENT_FLAGS = {"O", "V", "B", "I", "F"}
# Enums whose source is the specification itself have no Volven OID to carry.
LOCAL_SOURCE = "kad-spec"


@dataclass(frozen=True)
class LintCheck:
    id: str
    severity: str
    title: str
    title_en: str


CHECKS: dict[str, LintCheck] = {
    c.id: c
    for c in (
        LintCheck("LINT-001", ERROR, "LinkML-linteren fant en feil", "The LinkML linter found an error"),
        LintCheck("LINT-002", WARNING, "LinkML-linteren fant et avvik fra anbefalt praksis",
                  "The LinkML linter found a deviation from recommended practice"),
        LintCheck("LINT-003", ERROR, "Bokmålsbeskrivelse mangler", "Bokmål description missing"),
        LintCheck("LINT-004", WARNING, "Engelsk tittel (title_en) mangler", "English title (title_en) missing"),
        LintCheck("LINT-005", ERROR, "Kodeverk uten OID", "Enum without OID"),
        LintCheck("LINT-006", ERROR, "Kodeverk uten kilde", "Enum without source"),
        LintCheck("LINT-007", ERROR, "Regel uten eksempel som skal godtas", "Rule without a passing example"),
        LintCheck("LINT-008", ERROR, "Regel uten eksempel som skal avvises", "Rule without a failing example"),
        LintCheck("LINT-009", ERROR, "Punkt i høringsnotatet er ikke realisert",
                  "Item of the proposal not realised"),
        LintCheck("LINT-010", ERROR, "Versjonen er ikke semantisk versjonering", "Version is not semver"),
        LintCheck("LINT-011", ERROR, "Kodeverket i modellen er ulikt kodeverksfilen",
                  "Enum differs from its code list file"),
        LintCheck("LINT-012", ERROR, "Kodeverksfilen finnes ikke", "Code list file not found"),
        LintCheck("LINT-013", ERROR, "OID i modellen er ulik OID i kodeverksfilen",
                  "OID in the model differs from the code list file"),
        LintCheck("LINT-014", ERROR, "Modellen eller regelkatalogen kan ikke leses",
                  "The model or the rule catalogue cannot be read"),
        LintCheck("LINT-015", ERROR, "Element uten gyldig kravflagg (O, V, B) eller betingelse",
                  "Element without a valid requirement flag or condition"),
        LintCheck("LINT-016", ERROR, "Publiserings- eller ikrafttredelsesdato mangler eller er ugyldig",
                  "Publication or effective date missing or invalid"),
        LintCheck("LINT-017", ERROR, "Versjonen i modellen og endringsloggen stemmer ikke overens",
                  "The model's version and the change log disagree"),
        LintCheck("LINT-018", ERROR, "Datoene følger ikke rytmen 1. april (publisert) / 1. januar (i kraft)",
                  "The dates do not follow the 1 April (published) / 1 January (in force) rhythm"),
    )
}


@dataclass(frozen=True)
class LintProblem:
    check_id: str
    location: str
    message: str

    @property
    def severity(self) -> str:
        return CHECKS[self.check_id].severity

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


def lint_model(model_dir: Path | None = None, codelists_dir: Path | None = None, *, linkml: bool = True) -> LintResult:
    """Lint the model in ``model_dir`` (default: the bundled model) against ``codelists_dir``.

    The code lists default to the ``codelists/`` folder beside the model folder, else the
    bundled ones.
    """
    from kad_spec.resources import codelists_dir as bundled_codelists, model_dir as bundled_model

    model_dir = Path(model_dir or bundled_model())
    result = LintResult(model_dir)
    loaded = _load(model_dir, result)
    if loaded is None:
        return result
    m, rules = loaded
    if linkml:
        _linkml_checks(model_dir / "kad.yaml", result)
    _description_checks(m, result)
    _enum_checks(m, result)
    _rule_checks(rules, result)
    _proposal_checks(m, result)
    _requirement_checks(m, result)
    _version_checks(m, result)
    _changelog_checks(m, result)
    sibling = model_dir.parent / "codelists"
    _codelist_checks(m, codelists_dir or (sibling if sibling.is_dir() else bundled_codelists()), result)
    return result


def _load(model_dir: Path, result: LintResult):
    from kad_spec.catalogue import CatalogueError, load_catalogue
    from kad_spec.model import load_model

    path = model_dir / "kad.yaml"
    if not path.is_file():
        result.add("LINT-014", str(path), f"Finner ikke modellfilen {path}.")
        return None
    try:
        m = load_model(model_dir)
    except yaml.YAMLError as exc:
        result.add("LINT-014", _yaml_position(path, exc), f"Modellfilen er ikke gyldig YAML: {_yaml_problem(exc)}")
        return None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        result.add("LINT-014", str(path), f"Modellfilen har feil oppbygning: {exc}")
        return None
    try:
        rules = load_catalogue(model_dir / "rules")
    except yaml.YAMLError as exc:
        result.add("LINT-014", _yaml_position(model_dir / "rules", exc), f"Regelkatalogen er ikke gyldig YAML: {_yaml_problem(exc)}")
        return m, {}
    except (CatalogueError, KeyError, TypeError, AttributeError) as exc:
        result.add("LINT-014", str(model_dir / "rules"), f"Regelkatalogen kan ikke leses: {exc}")
        return m, {}
    return m, rules


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


def _linkml_checks(schema_path: Path, result: LintResult) -> None:
    from linkml.linter.linter import Linter

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


def _description_checks(m, result: LintResult) -> None:
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


def _enum_checks(m, result: LintResult) -> None:
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


def _rule_checks(rules: dict, result: LintResult) -> None:
    for rule in rules.values():
        where = f"regel {rule.id}"
        expects = {ex.expect for ex in rule.examples}
        if "pass" not in expects:
            result.add("LINT-007", where, f"{where} har ikke noe eksempel som skal godtas (expect: pass).")
        if "fail" not in expects:
            result.add("LINT-008", where, f"{where} har ikke noe eksempel som skal avvises (expect: fail).")


def _proposal_checks(m, result: LintResult) -> None:
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


def _requirement_checks(m, result: LintResult) -> None:
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


def _version_checks(m, result: LintResult) -> None:
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


def _changelog_checks(m, result: LintResult) -> None:
    """The change log is the one source of the accepted versions and of the release dates."""
    from kad_spec.versions import CHANGELOG, previous_version, semver_key

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
    _rhythm_checks(m, previous_version(m.version, list(m.changelog)), result)


def _rhythm_checks(m, previous, result: LintResult) -> None:
    """Major and minor versions: published 1 April, in force 1 January the year after, later than the last."""
    from kad_spec.versions import semver_key

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


def _codelist_checks(m, folder: Path, result: LintResult) -> None:
    from kad_spec.codelists import CodeListFormatError, read_codelist

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
        "checks": {c.id: asdict(c) for c in CHECKS.values()},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _severity_nb(severity: str) -> str:
    return "feil" if severity == ERROR else "advarsel"
