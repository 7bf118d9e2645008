"""The ``--config`` file of ``kad-spec validate``: severity overrides and waivers.

A waiver lets a vendor accept a known finding with a written reason, optionally until a
date. Waived findings stay in every report (marked as waived) but do not decide the exit
code. An expired waiver stops applying on the day after ``expires`` and is reported as a
notice, so that a forgotten waiver cannot hide findings for ever.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from kad_spec.spec.findings import ERROR, WARNING, Finding, mask_digits
from kad_spec.spec.text import Text

TOP_LEVEL_KEYS = ("severity_overrides", "waivers")
# Bounds, so that a hostile or mistaken file is refused at once (docs/konfigurasjon.md):
MAX_BYTES = 2 << 20  # the file; 10 000 waivers with long reasons fit easily
MAX_DEPTH = 32  # nesting of tables and lists (a valid file needs 3)
MAX_NODES = 200_000  # values once aliases are expanded (10 000 waivers of 6 values: 60 000)
MAX_WAIVERS = 10_000
MAX_MESSAGE = 600  # characters of a message: a huge bad value is not echoed in full
WAIVER_KEYS = ("rule", "file", "opphold_id", "reason", "expires")
SEVERITIES = (ERROR, WARNING)


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the file and the position."""

    def __init__(self, message: str):
        # A bad value may be a person id typed into the wrong key; the message must not repeat it.
        message = mask_digits(message)
        super().__init__(message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + " …")


class _LineMap(dict):
    """A YAML mapping that remembers the line of each key, for messages that point at it."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one table: with "last wins" a setting would vanish without notice."""


def _refuse_duplicate_keys(loader: _Loader, node: yaml.MappingNode) -> None:
    seen: set = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key; the checks below name it
            continue
        if duplicate:
            raise _DuplicateKey(None, None, f"nøkkelen «{key}» står to ganger i samme tabell", key_node.start_mark)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineMap:
    _refuse_duplicate_keys(loader, node)
    mapping = _LineMap(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int)):
            mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    # An impossible date such as 2026-02-30 stays text here, so the check below can name its line.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True)
class Waiver:
    rule: str
    reason: str
    file: str | None = None  # a glob, matched against the file path as given on the command line
    opphold_id: str | None = None
    expires: date | None = None  # last day the waiver applies
    number: int = 0  # 1-based position in the file, for notices

    def is_expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding) -> bool:
        if finding.rule_id != self.rule:
            return False
        if self.opphold_id is not None and finding.opphold_id != self.opphold_id:
            return False
        return self.file is None or _path_matches(finding.file, self.file)


def _path_matches(path: str, pattern: str) -> bool:
    # Either the whole path matches, or the pattern matches its last parts, so that
    # "examples/*.json" and "*.json" both work whether the path was given relative or absolute.
    posix = PurePosixPath(Path(path).as_posix())
    return fnmatch.fnmatchcase(str(posix), pattern) or posix.match(pattern)


@dataclass
class Config:
    path: str = ""
    severity_overrides: dict[str, str] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)

    def apply(self, result, today: date, lang: str = "nb") -> None:
        """Mark findings covered by an active waiver; report each expired waiver as a notice."""
        matches: dict[int, int] = {}
        for file in result.files:
            self.apply_to_file(file, today, matches)
        result.notices.extend(self.expired_notices(today, lang, matches))

    def apply_to_file(self, file, today: date, matches: dict[int, int]) -> None:
        """Mark one file's findings, the counted ones (beyond --max-findings) too; ``matches``
        adds up per expired waiver how many findings it would have covered.

        Waivers are looked up by rule and stay, so the cost grows with the findings, not with
        findings times waivers."""
        active, expired = self._indices(today)
        counted = [(Finding(o.rule_id, o.severity, file.path, "", opphold_id=o.opphold_id), o)
                   for o in file.omitted]
        for finding, n, mark in [(f, 1, f) for f in file.findings] + [(f, o.count, o) for f, o in counted]:
            for waiver in expired.candidates(finding):
                if waiver.matches(finding):
                    matches[waiver.number] = matches.get(waiver.number, 0) + n
            if mark.waived:
                continue
            waiver = next((w for w in active.candidates(finding) if w.matches(finding)), None)
            if waiver is not None:
                mark.waived = waiver.reason

    def _indices(self, today: date) -> tuple["_WaiverIndex", "_WaiverIndex"]:
        """The active and the expired waivers, indexed once per run (a run has one day)."""
        cached = self.__dict__.get("_indexed")
        if cached is None or cached[0] != today:
            active = _WaiverIndex(w for w in self.waivers if not w.is_expired(today))
            expired = _WaiverIndex(w for w in self.waivers if w.is_expired(today))
            cached = self.__dict__["_indexed"] = (today, active, expired)
        return cached[1], cached[2]

    def expired_notices(self, today: date, lang: str, matches: dict[int, int]) -> list[str]:
        return [_expired_notice(self.path, w, matches.get(w.number, 0), lang)
                for w in self.waivers if w.is_expired(today)]

    def named_stays(self) -> frozenset[str]:
        """The stays that waivers name: their findings are counted apart when not all are kept."""
        return frozenset(w.opphold_id for w in self.waivers if w.opphold_id is not None)


class _WaiverIndex:
    """Waivers by (rule, opphold_id) and by rule alone, in file order."""

    def __init__(self, waivers):
        self.by_stay: dict[tuple[str, str], list[Waiver]] = {}
        self.by_rule: dict[str, list[Waiver]] = {}
        for waiver in waivers:
            if waiver.opphold_id is not None:
                self.by_stay.setdefault((waiver.rule, waiver.opphold_id), []).append(waiver)
            else:
                self.by_rule.setdefault(waiver.rule, []).append(waiver)

    def candidates(self, finding: Finding) -> list[Waiver]:
        own = self.by_stay.get((finding.rule_id, finding.opphold_id), []) if finding.opphold_id else []
        general = self.by_rule.get(finding.rule_id, [])
        if own and general:
            return sorted(own + general, key=lambda w: w.number)  # the first in the file wins, as before
        return own or general


EXPIRED = Text("{path}: unntak {number} ({rule}) gikk ut {when} og gjelder ikke lenger ({matching} funn det ville "
               "ha dekket).",
               "{path}: waiver {number} ({rule}) expired on {when} and no longer applies ({matching} finding(s) it "
               "would have covered).")


def _expired_notice(path: str, waiver: Waiver, matching: int, lang: str) -> str:
    when = waiver.expires.isoformat() if waiver.expires else ""
    return EXPIRED.format(lang, path=path, number=waiver.number, rule=waiver.rule, when=when, matching=matching)


def _read_text(path: Path, name: str) -> str:
    """The file's text: a regular file only (a FIFO would block, /dev/zero never end), at most MAX_BYTES."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ConfigError(f"{name}: finner ikke konfigurasjonsfilen") from None
    except OSError as error:
        raise ConfigError(f"{name}: kan ikke lese filen ({error.strerror or error})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "en mappe" if stat.S_ISDIR(mode) else "ikke en vanlig fil (men for eksempel en FIFO eller en enhet)"
        raise ConfigError(f"{name}: konfigurasjonen er {kind}")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise ConfigError(f"{name}: kan ikke lese filen ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{name}: filen er større enn {MAX_BYTES >> 20} MB; en konfigurasjon er aldri så stor")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: filen er ikke UTF-8") from None


def _check_shape(text: str, name: str) -> None:
    """Nesting and alias expansion bounded before anything is built: the event stream is read
    without recursion, and the expanded size of the node graph is counted once per node."""
    depth = 0
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", _Loader)):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(f"{name} linje {event.start_mark.line + 1}: tabeller og lister er nestet"
                                  f" dypere enn {MAX_DEPTH} nivåer")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1



def _load(text: str, name: str):
    """Parse once for the bounds, compose once, check the expanded size, then build."""
    _check_shape(text, name)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if _expanded_size(root) > MAX_NODES:
            raise ConfigError(f"{name}: filen gir mer enn {MAX_NODES} verdier når alias (*navn) er utvidet")
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> int:
    """Values in the document with every alias expanded; stops counting past MAX_NODES.

    A node reached through several aliases counts each time, but its size is computed once.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes or (not children_done and id(node) in visiting):
            continue  # done already, or an ancestor reached again through an alias (a cycle)
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if not children_done:
            visiting.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        # A node seen on its own path (a recursive alias) counts as too large.
        sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes.get(id(child), MAX_NODES + 1) for child in children))
    return sizes[id(root)]


def load_config(path: Path) -> Config:
    path = Path(path)
    name = str(path)
    text = _read_text(path, name)
    try:
        raw = _load(text, name)
    except RecursionError:
        raise ConfigError(f"{name}: tabeller og lister er nestet for dypt") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (linje {mark.line + 1}, kolonne {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "ugyldig YAML"
        if "nesting depth" in problem:  # libyaml's own limit, met while it reads ahead
            problem = f"tabeller og lister er nestet dypere enn {MAX_DEPTH} nivåer"
        raise ConfigError(f"{name}{where}: ikke gyldig YAML: {problem}") from None
    return _build(name, raw)


def _build(name: str, raw: Any) -> Config:
    config = Config(path=name)
    if raw is None:
        return config
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: forventet en YAML-tabell med nøklene {', '.join(TOP_LEVEL_KEYS)}")
    _reject_unknown_keys(name, raw, TOP_LEVEL_KEYS)
    config.severity_overrides = _overrides(name, raw, raw.get("severity_overrides"))
    config.waivers = _waivers(name, raw, raw.get("waivers"))
    return config


def _reject_unknown_keys(name: str, node: _LineMap, allowed: tuple[str, ...], where: str = "") -> None:
    """A misspelt key would otherwise be ignored silently; name it and the keys that are allowed."""
    prefix = f"{where}: " if where else ""
    for key in node:
        if key not in allowed:
            raise ConfigError(f"{name} linje {node.line_of(key)}: {prefix}ukjent nøkkel «{key}»;"
                              f" tillatt er {', '.join(allowed)}")


def _known_rules() -> set[str]:
    from kad_spec.spec.catalogue import catalogue

    return set(catalogue())


def _check_rule(name: str, line: int, where: str, rule_id: Any) -> str:
    if not isinstance(rule_id, str) or rule_id not in _known_rules():
        raise ConfigError(f"{name} linje {line}: {where}: ukjent regel-id «{rule_id}»"
                          " (se `kad-spec`-dokumentasjonen for regelkatalogen)")
    return rule_id


def _overrides(name: str, parent: _LineMap, node: Any) -> dict[str, str]:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise ConfigError(f"{name} linje {parent.line_of('severity_overrides')}: «severity_overrides»"
                          " skal være en tabell fra regel-id til error eller warning")
    overrides: dict[str, str] = {}
    for rule_id, severity in node.items():
        line = node.line_of(rule_id)
        _check_rule(name, line, "severity_overrides", rule_id)
        if severity not in SEVERITIES:
            raise ConfigError(f"{name} linje {line}: severity_overrides.{rule_id}: ugyldig alvorlighet"
                              f" «{severity}»; bruk error eller warning")
        overrides[rule_id] = severity
    return overrides


def _waivers(name: str, parent: _LineMap, node: Any) -> list[Waiver]:
    if node is None:
        return []
    if not isinstance(node, list):
        raise ConfigError(f"{name} linje {parent.line_of('waivers')}: «waivers» skal være en liste")
    if len(node) > MAX_WAIVERS:
        raise ConfigError(f"{name} linje {parent.line_of('waivers')}: {len(node)} unntak; høyst {MAX_WAIVERS}"
                          " er tillatt (gi unntak per regel eller fil i stedet for per opphold)")
    return [_waiver(name, number, item, parent.line_of("waivers")) for number, item in enumerate(node, start=1)]


def _waiver(name: str, number: int, node: Any, list_line: int) -> Waiver:
    where = f"waivers[{number}]"
    if not isinstance(node, dict):
        raise ConfigError(f"{name} linje {list_line}: {where} skal være en tabell med rule og reason")
    _reject_unknown_keys(name, node, WAIVER_KEYS, where)
    if "rule" not in node:
        raise ConfigError(f"{name} linje {node.line}: {where}: «rule» mangler")
    rule = _check_rule(name, node.line_of("rule"), where, node["rule"])
    reason = node.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{name} linje {node.line_of('reason')}: {where}: «reason» mangler eller er tom;"
                          " et unntak må begrunnes")
    return Waiver(
        rule=rule,
        reason=reason.strip(),
        file=_optional_text(name, node, where, "file"),
        opphold_id=_optional_text(name, node, where, "opphold_id"),
        expires=_date(name, node, where),
        number=number,
    )


def _optional_text(name: str, node: _LineMap, where: str, key: str) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name} linje {node.line_of(key)}: {where}.{key} skal være tekst"
                          " (sett verdien i anførselstegn)")
    return value


def _date(name: str, node: _LineMap, where: str) -> date | None:
    value = node.get("expires")
    if value is None:
        return None
    # YAML reads 2026-06-30 as a date already; a quoted one arrives as text.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{name} linje {node.line_of('expires')}: {where}.expires: ugyldig dato «{value}»;"
                      " bruk ÅÅÅÅ-MM-DD")
