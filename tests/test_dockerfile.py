"""The Dockerfile, read as Docker reads it and held to what docs/tjeneste.md («Docker») says of it.

No container runtime runs in the tests (there is no Docker daemon to build with), so the image is
not built here: the file is parsed (continuation lines joined, comments dropped, the JSON form of
ENTRYPOINT, CMD and HEALTHCHECK read as JSON) and each claim is checked on what it says: a slim
Python base, a user without rights, ``kad-spec serve`` on all addresses as the entry point, a
health check on ``/api/v1/helse`` at the port the service listens on and the image exposes, and
every file it copies present in the repository and not left out by .dockerignore.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, RUN, COPY, ...
    args: str  # the rest of the logical line, continuations joined

    def words(self) -> list[str]:
        """The arguments: the JSON form as JSON, else split as a shell would."""
        if self.args.startswith("["):
            return json.loads(self.args)
        return shlex.split(self.args)


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile: comment lines dropped (also inside a continued line), a
    line ending in a backslash joined to the next."""
    instructions, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        logical = (pending + line).strip()
        pending = ""
        name, _, args = logical.partition(" ")
        instructions.append(Instruction(name.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def test_the_parser_reads_continuations_comments_and_the_json_form():
    parsed = parse('FROM a\n# note\nRUN one \\\n  # inside\n  two\nCMD ["x", "--y", "1"]\n')
    assert parsed == [Instruction("FROM", "a"), Instruction("RUN", "one two"), Instruction("CMD", '["x", "--y", "1"]')]
    assert parsed[2].words() == ["x", "--y", "1"]
    with pytest.raises(AssertionError):
        parse("RUN a \\\n")


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def only(instructions, name: str) -> Instruction:
    """The instruction that counts: the last of its name (Docker keeps the last ENTRYPOINT, CMD, ...)."""
    found = [i for i in instructions if i.name == name]
    assert found, f"no {name}"
    return found[-1]


def command(instructions) -> list[str]:
    """What the container runs: ENTRYPOINT followed by CMD, both in the JSON (exec) form."""
    entrypoint, cmd = only(instructions, "ENTRYPOINT"), only(instructions, "CMD")
    assert entrypoint.args.startswith("[") and cmd.args.startswith("["), "exec form, so signals reach the server"
    return entrypoint.words() + cmd.words()


def option(words: list[str], name: str) -> str | None:
    for index, word in enumerate(words):
        if word == name:
            return words[index + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


def test_the_base_is_a_slim_python_image(instructions):
    froms = [i for i in instructions if i.name == "FROM"]
    assert len(froms) == 1 and instructions[0].name == "FROM"  # one stage, FROM first
    image = froms[0].words()[0]
    assert re.fullmatch(r"python:3\.\d+(\.\d+)?-slim(-[a-z]+)?", image), image
    major_minor = re.match(r"python:(3\.\d+)", image).group(1)
    for run in (i for i in instructions if i.name == "RUN"):  # a path into site-packages names the same Python
        for version in re.findall(r"/python(3\.\d+)/", run.args):
            assert version == major_minor, (run.args, image)


def test_the_service_runs_as_a_user_without_rights(instructions):
    index = max(n for n, i in enumerate(instructions) if i.name == "USER")
    user = instructions[index].words()[0].split(":")[0]
    assert user not in ("root", "0"), user
    assert index < max(n for n, i in enumerate(instructions) if i.name == "ENTRYPOINT")
    made = " ".join(i.args for i in instructions[:index] if i.name == "RUN")
    assert re.search(rf"useradd\b[^&]*\b{re.escape(user)}\b", made), "the user is made before USER names it"
    uid = re.search(r"--uid (\d+)", made)
    assert uid and int(uid.group(1)) >= 1000  # not a system uid that could be shared with the host


def test_the_entry_point_is_kad_spec_serve_on_all_addresses(instructions):
    words = command(instructions)
    assert words[:2] == ["kad-spec", "serve"], words
    assert option(words, "--host") == "0.0.0.0", words
    assert option(words, "--port") is not None, "the port the image exposes is said, not left to a default"


def test_the_port_is_exposed_and_the_health_check_asks_helse_on_it(instructions):
    port = option(command(instructions), "--port")
    exposed = {word.split("/")[0] for i in instructions if i.name == "EXPOSE" for word in i.words()}
    assert port in exposed, (port, exposed)
    health = only(instructions, "HEALTHCHECK")
    flags, _, check = health.args.partition("CMD ")
    assert "NONE" not in flags.split()
    interval = re.search(r"--interval=(\d+)s", flags)
    assert interval and 0 < int(interval.group(1)) <= 300
    check = check.strip()
    assert check.startswith("["), "exec form: no shell in a slim image to count on"
    checked = " ".join(json.loads(check))
    assert re.search(rf"http://(127\.0\.0\.1|localhost):{port}/api/v1/helse\b", checked), checked
    assert "curl" not in checked and "wget" not in checked  # neither is in python:*-slim


def dockerignore() -> list[str]:
    return [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, pattern.removeprefix("**/"))
               for candidate in (path, *(path.split("/")[:n + 1][-1] for n in range(path.count("/") + 1)))):
            result = not negated
    return result


def test_every_file_it_copies_is_in_the_repository_and_not_ignored(instructions):
    import tomllib

    copies = [i for i in instructions if i.name in ("COPY", "ADD")]
    assert copies and all(i.name == "COPY" for i in copies), "COPY, not ADD (no fetching, no unpacking)"
    patterns = dockerignore()
    sources = set()
    for copy in copies:
        words = [word for word in copy.words() if not word.startswith("--")]
        assert not any(word.startswith("--from") for word in copy.words())  # one stage: from the repository
        for source in words[:-1]:
            assert not Path(source).is_absolute() and ".." not in Path(source).parts, source
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not ignored(source, patterns), f"COPY {source}: left out by .dockerignore"
            sources.add(source.rstrip("/"))
    # What the package is built from (pyproject.toml) is copied: a folder left out breaks the build.
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    needed = {source.split("/")[0] for source in build["targets"]["wheel"]["force-include"]} | {"kad_spec"}
    needed |= {"pyproject.toml", "README.md"}  # the project's metadata and its readme (project.readme)
    assert needed <= sources, needed - sources


def test_the_ignore_check_sees_what_dockerignore_leaves_out():
    patterns = dockerignore()
    assert ignored("tests", patterns) and ignored(".venv", patterns)
    assert ignored("kad_spec/__pycache__", patterns) and ignored("kad_spec/x.pyc", patterns)
    assert not ignored("kad_spec", patterns) and not ignored("model", patterns)
