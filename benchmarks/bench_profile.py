"""Where the time of `kad-spec validate --jobs 1` goes, per rule family, in µs per stay.

The validator runs under cProfile in a child process, entered through the console entry point
`kad_spec.cli.main` with its argv, so the profile covers imports and start-up too. The functions
are then grouped by the last package or module name of their file, so the table survives modules
moving: `rules/<area>.py` is the rule family <area>; readers, schema, code lists and engine glue
are recognised by name. Time in the standard library, builtins and other libraries counts for
the group that called it (a regex called from the time rules is time spent on the time rules).
"""

from __future__ import annotations

import pstats
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePath

PROFILE_SCRIPT = """
import cProfile, sys
stats_file, argv = sys.argv[1], sys.argv[2:]
profiler = cProfile.Profile()
code = 0
profiler.enable()
try:
    from kad_spec.cli import main
    sys.argv = ["kad-spec", *argv]
    main()
except SystemExit as done:
    code = done.code if isinstance(done.code, int) else 0
finally:
    profiler.disable()
    profiler.dump_stats(stats_file)
sys.exit(code)
"""

READING, SCHEMA, CODES, ENGINE, REPORTS, IMPORT, OTHER = (
    "lesing", "skjema", "kodeverk", "motor", "rapport", "oppstart (import)", "annet")

# Names of packages and modules (the project's and the libraries' own) and the group they are.
GROUP_BY_NAME = {
    **dict.fromkeys(["readers", "reader", "message", "json_reader", "xml_reader", "json_lines", "xml_lines",
                     "json_depth", "encoding", "msghead", "sniff", "decode", "decoder", "xmlmap",
                     "ijson", "json", "msgspec", "orjson", "lxml"], READING),
    **dict.fromkeys(["schema", "structure", "jsonschema", "jsonschema_rs", "xsd", "xmlschema"], SCHEMA),
    **dict.fromkeys(["codelists", "codelist", "codelist_cache"], CODES),
    **dict.fromkeys(["validation", "engine", "validate", "validator", "runner", "split", "parallel", "registry",
                     "config", "findings", "context", "catalogue", "model", "spec", "cli", "output",
                     "safe_files", "resources", "versions", "manifest", "verdict", "commands", "typer", "click", "rich", "yaml"], ENGINE),
    **dict.fromkeys(["reports"], REPORTS),
    **dict.fromkeys(["importlib"], IMPORT),
}
RULE_PACKAGES = {"rules"}
PROJECT = "kad_spec"
SMALL_SHARE = 0.005


@dataclass
class Family:
    name: str
    self_seconds: float = 0.0
    cumulative_seconds: float = 0.0


def profile_validate(python: str, stats_file: str, argv: list[str]) -> int:
    """Run the validator under cProfile in a child process; the exit code of the validation."""
    done = subprocess.run([python, "-c", PROFILE_SCRIPT, stats_file, *argv],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode


def own_group(filename: str, function: str) -> str | None:
    """The group a function belongs to by its file; None: it counts for its callers."""
    if filename == "~" or filename.startswith("<frozen"):
        return IMPORT if "importlib" in filename else None
    path = PurePath(filename)
    names = [*path.parent.parts, path.stem]
    if PROJECT in names:
        return project_group(below_last(names, PROJECT))
    if function == "<module>":
        return IMPORT
    for name in reversed(names):
        if name in GROUP_BY_NAME and GROUP_BY_NAME[name] in (READING, SCHEMA):
            return GROUP_BY_NAME[name]
    return None


def below_last(names: list[str], root: str) -> list[str]:
    """The names after the last `root`: the module's place inside the package."""
    return names[len(names) - names[::-1].index(root):]


def project_group(names: list[str]) -> str:
    """A module of the project by its names below the package root."""
    modules = [name for name in names if name != "__init__"] or [OTHER]
    last = modules[-1]
    if last in RULE_PACKAGES:
        return ENGINE  # the registry of the rules, not a rule family
    if last in GROUP_BY_NAME:
        return GROUP_BY_NAME[last]
    for package in RULE_PACKAGES & set(modules):
        return f"regel: {modules[modules.index(package) + 1]}"
    for name in reversed(modules):
        if name in GROUP_BY_NAME:
            return GROUP_BY_NAME[name]
    return modules[0]  # a package or module of its own (ids, timeutil ...)


def families(stats_file: str) -> tuple[list[Family], float]:
    """Self and cumulative time per group, largest first, and the total profiled time."""
    raw = pstats.Stats(stats_file).stats  # {func: (cc, nc, tt, ct, callers)}
    shares = Attribution(raw)
    totals: dict[str, Family] = {}
    for func, (_, _, tt, _, _) in raw.items():
        for group, weight in shares.of(func).items():
            totals.setdefault(group, Family(group)).self_seconds += tt * weight
    for group, seconds in cumulative_by_group(raw, shares).items():
        totals.setdefault(group, Family(group)).cumulative_seconds = seconds
    total = sum(f.self_seconds for f in totals.values())
    return collapse_small(list(totals.values()), total * SMALL_SHARE), total


def collapse_small(rows: list[Family], threshold: float) -> list[Family]:
    """Groups below the threshold go into "annet", so the table stays short; largest first."""
    kept = [row for row in rows if row.self_seconds >= threshold and row.name != OTHER]
    other = Family(OTHER)
    for row in rows:
        if row not in kept:
            other.self_seconds += row.self_seconds
            other.cumulative_seconds += row.cumulative_seconds
    kept.sort(key=lambda row: -row.self_seconds)
    return kept + ([other] if other.self_seconds else [])


class Attribution:
    """Which group(s) a function's time counts for: its own, or its callers' in proportion."""

    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.memo: dict[tuple, dict[str, float]] = {}

    def of(self, func: tuple) -> dict[str, float]:
        if func in self.memo:
            return self.memo[func]
        group = own_group(func[0], func[2])
        if group is not None:
            self.memo[func] = {group: 1.0}
            return self.memo[func]
        self.memo[func] = {OTHER: 1.0}  # a cycle back here, before the answer is known
        self.memo[func] = self.from_callers(func)
        return self.memo[func]

    def from_callers(self, func: tuple) -> dict[str, float]:
        callers = self.raw[func][4]
        weights = {caller: edge[2] or edge[3] or edge[1] for caller, edge in callers.items()}
        total = sum(weights.values())
        if not total:
            return {OTHER: 1.0}
        share: dict[str, float] = defaultdict(float)
        for caller, weight in weights.items():
            for group, part in self.of(caller).items():
                share[group] += part * weight / total
        return dict(share)


def cumulative_by_group(raw: dict, shares: Attribution) -> dict[str, float]:
    """Time from entering a group until leaving it: the calls into it from outside the group."""
    cumulative: dict[str, float] = defaultdict(float)
    for func, (_, _, _, ct, callers) in raw.items():
        group = own_group(func[0], func[2])
        if group is None:
            continue
        if not callers:
            cumulative[group] += ct
        for caller, edge in callers.items():
            cumulative[group] += edge[3] * (1.0 - shares.of(caller).get(group, 0.0))
    return cumulative


def print_families(rows: list[Family], total: float, stays: int) -> None:
    per_stay = 1e6 / stays
    print(f"profil ({stays} opphold, --jobs 1, under cProfile {total:.2f} s):")
    for row in rows:
        print(f"  {row.name:<28} selv {row.self_seconds * per_stay:8.2f} µs/opphold"
              f"  samlet {row.cumulative_seconds * per_stay:8.2f} µs/opphold")
