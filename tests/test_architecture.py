"""The package layout holds: no private name crosses a package, and no two packages import each other.

A "package" here is a top-level part of ``kad_spec``: a subpackage such as ``kad_spec.rules``, or a
module directly under ``kad_spec``. Every import counts, the ones inside functions too: a
late import hides a dependency from the reader, it does not remove it. The imports are read with
``ast``, so nothing is imported to check them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kad_spec"


@dataclass(frozen=True)
class Import:
    importer: str  # module that imports
    target: str  # module imported (for ``from m import name``: ``m``, or ``m.name`` if that is a module)
    name: str | None  # the name taken from ``target``, if any
    place: str  # file:line


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts}


def absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports(root: Path) -> list[Import]:
    """Every import of a module of ``root``'s package, by any module of it."""
    known = modules(root)
    top = root.name
    found = []
    for importer, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            place = f"{path.relative_to(root.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                found += [Import(importer, a.name, None, place) for a in node.names
                          if a.name == top or a.name.startswith(top + ".")]
            elif isinstance(node, ast.ImportFrom):
                source = absolute(importer, path.name == "__init__.py", node)
                if source != top and not source.startswith(top + "."):
                    continue
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    found.append(Import(importer, sub, None, place) if sub in known
                                 else Import(importer, source, alias.name, place))
    return found


def package_of(module: str) -> str | None:
    """``kad_spec.rules.times`` → ``rules``; the root package itself belongs to none."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_crossings(root: Path) -> list[str]:
    """Private names taken from another package: imported, or reached as an attribute of an import."""
    found = []
    for item in imports(root):
        if item.name and is_private(item.name) and package_of(item.importer) != package_of(item.target):
            found.append(f"{item.place}: {item.importer} imports {item.name} from {item.target}")
    found += private_attributes(root)
    return sorted(found)


def private_attributes(root: Path) -> list[str]:
    """``module._name`` or ``Class._name`` where the module or class comes from another package."""
    found = []
    known = modules(root)
    for importer, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        foreign: dict[str, str] = {}  # local name → the module it comes from, if another package's
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = absolute(importer, path.name == "__init__.py", node)
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    origin = sub if sub in known else source
                    if package_of(origin) and package_of(origin) != package_of(importer):
                        foreign[alias.asname or alias.name] = origin
            elif isinstance(node, ast.Import):
                foreign.update({a.asname: a.name for a in node.names if a.asname
                                and package_of(a.name) and package_of(a.name) != package_of(importer)})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in foreign and is_private(node.attr)):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {importer} uses "
                             f"{node.value.id}.{node.attr} from {foreign[node.value.id]}")
    return found


def package_cycles(root: Path) -> list[list[str]]:
    """Groups of packages that import each other, directly or round a loop (strongly connected)."""
    graph: dict[str, set[str]] = {}
    for item in imports(root):
        a, b = package_of(item.importer), package_of(item.target)
        if a and b and a != b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set())
    return [sorted(group) for group in strongly_connected(graph) if len(group) > 1]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that a deep graph cannot overflow the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            step = next(successors, None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
            elif step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                on_stack.add(step)
                work.append((step, iter(sorted(graph[step]))))
            elif step in on_stack:
                low[node] = min(low[node], index[step])
    return groups


def loops(root: Path, group: list[str]) -> list[str]:
    """The shortest loop through each import between packages of a group, with one place per step."""
    places: dict[tuple[str, str], str] = {}
    for item in imports(root):
        a, b = package_of(item.importer), package_of(item.target)
        if a in group and b in group and a != b:
            places.setdefault((a, b), item.place)
    found = {}
    for a, b in sorted(places):
        path = shortest_path(places, b, a)
        loop = [a, *path]
        turn = loop.index(min(loop[:-1]))
        key = tuple(loop[turn:-1] + loop[:turn])
        found.setdefault(key, " -> ".join(f"{x} ({places[(x, y)]})" for x, y in zip(key, key[1:] + key[:1])))
    return [found[key] for key in sorted(found, key=lambda k: (len(k), k))]


def shortest_path(edges: dict[tuple[str, str], str], start: str, goal: str) -> list[str]:
    """Packages from ``start`` to ``goal`` (both included) along the fewest imports."""
    came_from = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for a, b in sorted(edges):
            if a == node and b not in came_from:
                came_from[b] = node
                queue.append(b)
    path = [goal]
    while path[-1] != start:
        path.append(came_from[path[-1]])
    return path[::-1]


def test_no_private_name_crosses_a_package():
    crossings = private_crossings(PACKAGE)
    assert not crossings, "private names used across packages:\n" + "\n".join(crossings)


def test_no_import_cycle_between_packages():
    cycles = package_cycles(PACKAGE)
    described = [loop for group in cycles for loop in loops(PACKAGE, group)]
    assert not cycles, "packages that import each other (each loop once, shortest first):\n" + "\n".join(described)


# The checks themselves, on small packages written here, so that a check that finds nothing
# cannot pass for one that works.

def write_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_round_three_packages_is_found(tmp_path):
    root = write_package(tmp_path, {
        "a/__init__.py": "", "a/one.py": "def f():\n    from pkg.b.two import g\n",
        "b/__init__.py": "", "b/two.py": "from pkg import c\n",
        "c.py": "import pkg.a.one\n",
        "d.py": "from pkg.a import one\n",
    })
    assert package_cycles(root) == [["a", "b", "c"]]
    assert loops(root, ["a", "b", "c"]) == ["a (pkg/a/one.py:2) -> b (pkg/b/two.py:1) -> c (pkg/c.py:1)"]


def test_layered_packages_have_no_cycle(tmp_path):
    root = write_package(tmp_path, {
        "low.py": "X = 1\n", "mid/__init__.py": "from pkg.low import X\n",
        "top/__init__.py": "from pkg.mid import X\nfrom . import helper\n", "top/helper.py": "",
    })
    assert package_cycles(root) == []


@pytest.mark.parametrize("text, expected", [
    ("from pkg.b import _hidden\n", "pkg/a.py:1: pkg.a imports _hidden from pkg.b"),
    ("from pkg import b\nb._hidden()\n", "pkg/a.py:2: pkg.a uses b._hidden from pkg.b"),
    ("from pkg.b import Thing\nThing._hidden\n", "pkg/a.py:2: pkg.a uses Thing._hidden from pkg.b"),
    ("import pkg.b as b\nb._hidden\n", "pkg/a.py:2: pkg.a uses b._hidden from pkg.b"),
])
def test_a_private_name_from_another_package_is_found(tmp_path, text, expected):
    root = write_package(tmp_path, {"a.py": text, "b.py": "_hidden = 1\nclass Thing:\n    _hidden = 2\n"})
    assert private_crossings(root) == [expected]


def test_private_names_inside_one_package_and_dunders_are_allowed(tmp_path):
    root = write_package(tmp_path, {
        "p/__init__.py": "", "p/a.py": "from pkg.p.b import _helper\nfrom .b import _other\n",
        "p/b.py": "_helper = _other = 1\n", "c.py": "from pkg import __version__\n",
    })
    assert private_crossings(root) == []
