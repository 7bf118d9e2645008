"""The specification's versions: one source, the model and its change log.

The version in force is ``version`` in ``model/kad.yaml``. The versions the validator accepts
are derived, never listed by hand: the model's version with the earlier patches of the same
MAJOR.MINOR (a patch changes no message format), and during a transition the previous
MAJOR.MINOR in ``model/endringslogg.yaml`` (with its patches).

Transition (the registries accept the old format until the first tertial's data are in): the
previous version is accepted for messages created up to and including 30 April of the year the
new version takes effect (``ikrafttredelse``), that is to the end of the first tertial. Before
the new version takes effect both are accepted too, so vendors can test the new format from
its publication on 1 April. Only one earlier format (MAJOR.MINOR) is ever accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kad_spec.spec.compiled import load_yaml

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
CHANGELOG = "endringslogg.yaml"
TRANSITION_END = (4, 30)  # month, day: the end of the first tertial


@dataclass(frozen=True)
class LoggedVersion:
    version: str
    date: str
    status: str


def semver_key(version: str) -> tuple[int, int, int] | None:
    found = SEMVER.match(str(version or ""))
    return tuple(map(int, found.groups())) if found else None  # type: ignore[return-value]


def read_changelog(model_dir: Path) -> list[LoggedVersion]:
    """The versions in the change log, as written (empty when there is no readable log)."""
    path = Path(model_dir) / CHANGELOG
    try:
        doc = load_yaml(path) or {}
    except OSError:
        return []
    except Exception as error:
        import yaml  # already loaded: only its parser raises its errors

        if isinstance(error, yaml.YAMLError):
            return []
        raise
    entries = doc.get("versions") if isinstance(doc, dict) else None
    found = []
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("version") is not None:
            found.append(LoggedVersion(str(entry["version"]), str(entry.get("date") or ""), str(entry.get("status") or "")))
    return found


def previous_version(version: str, logged: list[LoggedVersion]) -> LoggedVersion | None:
    """The highest logged version below ``version``."""
    key = semver_key(version)
    if key is None:
        return None
    lower = [v for v in logged if (k := semver_key(v.version)) is not None and k < key]
    return max(lower, key=lambda v: semver_key(v.version), default=None)


def transition_end(effective: date) -> date:
    return date(effective.year, *TRANSITION_END)


def accepted_versions(version: str, effective: date | None, logged: list[LoggedVersion], on: date | None) -> tuple[str, ...]:
    """The versions a message created on ``on`` may carry (``on`` None: during the transition).

    A patch changes no message format, so every logged patch of the current MAJOR.MINOR is
    accepted; of earlier formats only the one before, during the transition.
    """
    current = semver_key(version)
    if current is None:
        return (version,)
    keyed = sorted(((k, v.version) for v in logged if (k := semver_key(v.version)) is not None), reverse=True)
    same_format = [name for k, name in keyed if k[:2] == current[:2] and k < current]
    earlier = [k[:2] for k, _ in keyed if k[:2] < current[:2]]
    accepted = [version, *same_format]
    in_transition = effective is None or on is None or on <= transition_end(effective)
    if earlier and in_transition:
        accepted += [name for k, name in keyed if k[:2] == max(earlier)]
    return tuple(dict.fromkeys(accepted))
