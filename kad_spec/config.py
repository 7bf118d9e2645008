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

from kad_spec.findings import ERROR, WARNING, Finding, mask_digits

TOP_LEVEL_KEYS = ("severity_overrides", "waivers")
WAIVER_KEYS = ("rule", "file", "opphold_id", "reason", "expires")
SEVERITIES = (ERROR, WARNING)


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the file and the position."""

    def __init__(self, message: str):
        # A bad value may be a person id typed into the wrong key; the message must not repeat it.
        super().__init__(mask_digits(message))


class _LineMap(dict):
    """A YAML mapping that remembers the line of each key, for messages that point at it."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineMap:
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
        adds up per expired waiver how many findings it would have covered."""
        active = [w for w in self.waivers if not w.is_expired(today)]
        expired = [w for w in self.waivers if w.is_expired(today)]
        counted = [(Finding(o.rule_id, o.severity, file.path, "", opphold_id=o.opphold_id), o)
                   for o in file.omitted]
        for finding, n, mark in [(f, 1, f) for f in file.findings] + [(f, o.count, o) for f, o in counted]:
            for waiver in expired:
                if waiver.matches(finding):
                    matches[waiver.number] = matches.get(waiver.number, 0) + n
            if mark.waived:
                continue
            waiver = next((w for w in active if w.matches(finding)), None)
            if waiver is not None:
                mark.waived = waiver.reason

    def expired_notices(self, today: date, lang: str, matches: dict[int, int]) -> list[str]:
        return [_expired_notice(self.path, w, matches.get(w.number, 0), lang)
                for w in self.waivers if w.is_expired(today)]

    def named_stays(self) -> frozenset[str]:
        """The stays that waivers name: their findings are counted apart when not all are kept."""
        return frozenset(w.opphold_id for w in self.waivers if w.opphold_id is not None)


def _expired_notice(path: str, waiver: Waiver, matching: int, lang: str) -> str:
    when = waiver.expires.isoformat() if waiver.expires else ""
    if lang == "en":
        return (f"{path}: waiver {waiver.number} ({waiver.rule}) expired on {when} and no longer applies"
                f" ({matching} finding(s) it would have covered).")
    return (f"{path}: unntak {waiver.number} ({waiver.rule}) gikk ut {when} og gjelder ikke lenger"
            f" ({matching} funn det ville ha dekket).")


def load_config(path: Path) -> Config:
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: finner ikke konfigurasjonsfilen") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: filen er ikke UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{name}: kan ikke lese filen ({error.strerror or error})") from None
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (linje {mark.line + 1}, kolonne {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "ugyldig YAML"
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
    from kad_spec.catalogue import catalogue

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
