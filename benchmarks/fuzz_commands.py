"""Fuzz every command with hostile input and hostile output targets, for a bounded time.

    python benchmarks/fuzz_commands.py --seconds 180 [--seed N]

Each round draws a command (validate, report, convert, example, codelists, generate, docs,
release), a hostile input (the XML and JSON attacks of tests/hostile.py, files that are not
messages, undeclared namespace prefixes, CR-only line ends, hostile --config files) and an
output target (a new file, an existing file, a FIFO, a link to /dev/null, the input itself),
with or without --force, and runs it in a fresh process under a memory limit (RLIMIT_AS)
and a timeout. A round fails if the command shows a traceback, exits other than 0, 1 or 2,
runs out of time or memory, changes an input, replaces a special or (without --force) an
existing file, or leaves a temporary file. Prints the figures; exit code 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile import BASE_JSON, BASE_XML, NS, hostile_files, hostile_json, hostile_xml  # noqa: E402

MEMORY_LIMIT = 1 << 30
TIMEOUT = 60


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _extra_inputs(folder: Path) -> dict[str, Path]:
    xml = BASE_XML.read_text(encoding="utf-8")
    text = BASE_JSON.read_text(encoding="utf-8")
    files = {
        "prefiks-hode.xml": xml.replace("<miljo>", "<q:status>x</q:status><miljo>", 1),
        "prefiks-opphold.xml": xml.replace("<opphold>", "<opphold><q:status>x</q:status>", 1),
        "tomt-prefiks.xml": xml.replace(f'xmlns="{NS}"', f'xmlns="{NS}" xmlns:x=""', 1),
        "cr.xml": xml.replace("\n", "\r"),
        "cr.json": text.replace("\n", "\r"),
        "cdata.xml": xml.replace("<poststed>", "<poststed><![CDATA[x\ny]]>", 1),
        "alder-flyt.json": text.replace('"alder": 84', '"alder": 70.0', 1),
        "tomme-opphold.json": '{"opphold": [' + ",".join(["{}"] * 2000) + "]}",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content.encode("utf-8"))
    paths["kad-melding.json"] = Path(shutil.copy(BASE_JSON, folder / "kad-melding.json"))
    paths["kad-melding.xml"] = Path(shutil.copy(BASE_XML, folder / "kad-melding.xml"))
    return paths


def _configs(folder: Path) -> list[Path]:
    bomb = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    bomb += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    texts = {
        "nesting.yaml": "waivers: " + "[" * 20_000 + "]" * 20_000,
        "bomb.yaml": "\n".join(bomb) + "\nwaivers: *a8\n",
        "recursive.yaml": "waivers: &a [*a]\n",
        "duplicate.yaml": "waivers: []\nwaivers: []\n",
        "many.yaml": "waivers:\n" + "  - {rule: KAD-STR-002, reason: x}\n" * 20_000,
        "ok.yaml": "severity_overrides:\n  KAD-STR-002: warning\n",
    }
    paths = []
    for name, text in texts.items():
        paths.append(folder / name)
        paths[-1].write_text(text, encoding="utf-8")
    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    return [*paths, fifo, Path("/dev/zero")]


def _snapshot(paths) -> dict:
    seen = {}
    for path in paths:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            seen[str(path)] = None
            continue
        data = path.read_bytes() if stat.S_ISREG(st.st_mode) else None
        seen[str(path)] = (stat.S_IFMT(st.st_mode), data)
    return seen


class Round:
    def __init__(self, rng: random.Random, inputs: list[Path], configs: list[Path], out: Path):
        self.rng, self.inputs, self.configs, self.out = rng, inputs, configs, out

    def target(self, source: Path | None, suffix: str) -> tuple[Path, str]:
        kind = self.rng.choice(["new", "existing", "fifo", "devnull", "input"] if source else
                               ["new", "existing", "fifo", "devnull"])
        path = self.out / f"ut-{self.rng.randrange(10**9)}{suffix}"
        if kind == "existing":
            path.write_bytes(b"en fil som ikke er kommandoens\n")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "devnull":
            path.symlink_to("/dev/null")
        elif kind == "input":
            path = source
        return path, kind

    def draw(self) -> tuple[str, list[str], Path | None, str]:
        rng = self.rng
        source = rng.choice(self.inputs)
        force = ["--force"] if rng.random() < 0.5 else []
        command = rng.choices(["validate", "report", "convert", "example", "codelists", "generate", "docs", "release"],
                              weights=[30, 15, 15, 10, 10, 2, 2, 1])[0]
        target, kind = None, "none"
        if command == "validate":
            args = ["validate", "--format", rng.choice(["text", "json", "junit", "sarif"]),
                    "--jobs", rng.choice(["1", "2"]), "--lang", rng.choice(["nb", "en"])]
            if rng.random() < 0.3:
                args += ["--config", str(rng.choice(self.configs))]
            if rng.random() < 0.6:
                target, kind = self.target(source, ".json")
                args += ["-o", str(target), *force]
            args.append(str(source))
        elif command == "report":
            args = ["report", "--format", rng.choice(["html", "json"]), str(source)]
            if rng.random() < 0.7:
                target, kind = self.target(source, ".html")
                args += ["--out", str(target), *force]
        elif command == "convert":
            target, kind = self.target(source, rng.choice([".json", ".xml"]))
            args = ["convert", str(source), str(target), *force]
        elif command == "example":
            target, kind = self.target(None, rng.choice([".json", ".xml"]))
            args = ["example", "--count", str(rng.randrange(0, 30)), "--out", str(target), *force]
            if rng.random() < 0.3:
                args = ["example", "--defect", rng.choice(["KAD-TID-001", "KAD-STR-001", "../../x", "KAD-FIL-002"]),
                        "--out", str(target), *force]
        elif command == "codelists":
            sub = rng.choice(["lookup", "show", "export"])
            if sub == "lookup":
                args = ["codelists", "lookup", rng.choice(["icd10", "kjonn", "x"]),
                        rng.choice(["J189", "\x1b[2J", "0" * 5000, "../../etc"])]
            elif sub == "show":
                args = ["codelists", "show", rng.choice(["kjonn", "icpc2", "../../x"])]
            else:
                target, kind = self.target(None, ".csv")
                args = ["codelists", "export", "kjonn", "--format", "klass-csv", "--output", str(target), *force]
        else:
            folder = self.out / f"{command}-{rng.randrange(10**9)}"
            choice = rng.choice(["new", "foreign", "file"])
            if choice == "foreign":
                folder.mkdir()
                (folder / "mitt.txt").write_text("mitt\n", encoding="utf-8")
            elif choice == "file":
                folder.write_text("en fil\n", encoding="utf-8")
            target, kind = folder, f"folder-{choice}"
            args = [command, "--out", str(folder)]
        return command, args, target, kind


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()
            if p.name.startswith(".") and any(mark in p.name for mark in (".tmp", ".ny", ".gammel"))]


def run_round(rnd: Round, watched: list[Path]) -> tuple[str, float, str | None]:
    command, args, target, kind = rnd.draw()
    before = _snapshot(watched)
    target_before = _snapshot([target]) if target is not None else {}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "kad_spec", *args], capture_output=True, timeout=TIMEOUT,
                              preexec_fn=_limits, cwd=rnd.out)
    except subprocess.TimeoutExpired:
        return command, time.monotonic() - started, f"timeout: {args}"
    seconds = time.monotonic() - started
    text = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    problem = None
    if done.returncode not in (0, 1, 2):
        problem = f"exit {done.returncode}"
    elif "Traceback" in text or "MemoryError" in text or "RecursionError" in text or "intern feil" in text:
        problem = "traceback: " + text[-300:]
    elif _snapshot(watched) != before:
        problem = "an input changed"
    elif not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        problem = "/dev/null replaced"
    elif kind in ("fifo", "devnull") and _snapshot([target]) != target_before:
        problem = "a special file replaced"
    elif kind == "existing" and "--force" not in args and _snapshot([target]) != target_before:
        problem = "an existing file written over without --force"
    elif kind in ("folder-foreign", "folder-file") and _snapshot([target]) != target_before:
        problem = "a folder or file not made by the command changed"
    elif kind == "folder-foreign" and not (target / "mitt.txt").is_file():
        problem = "a file in a foreign folder removed"
    elif _leftovers(rnd.out):
        problem = f"temporary files left: {_leftovers(rnd.out)}"
    return command, seconds, None if problem is None else f"{problem} ({' '.join(args)[:300]})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180, help="how long to run (default 180)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kad-spec-fuzz-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "inn"
        corpus.mkdir()
        inputs = [*hostile_xml(corpus).values(), *hostile_json(corpus).values(), *hostile_files(corpus).values(),
                  *_extra_inputs(corpus).values()]
        inputs = [p for p in inputs if p.suffix in (".json", ".xml")]
        configs = _configs(corpus)
        watched = sorted(p for p in corpus.iterdir())
        out = tmp / "ut"
        out.mkdir()
        rnd = Round(rng, inputs, configs, out)
        times: dict[str, list[float]] = {}
        failures: list[str] = []
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            command, seconds, problem = run_round(rnd, watched)
            times.setdefault(command, []).append(seconds)
            if problem:
                failures.append(problem)
                print("FEIL:", problem, flush=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    total = sum(len(v) for v in times.values())
    print(f"seed {seed}: {total} runs in {args.seconds:.0f} s, {len(failures)} failures, "
          f"{len(inputs)} hostile inputs, {len(configs)} configs; largest process {peak // 1024} MB")
    for command, values in sorted(times.items()):
        print(f"  {command:10} {len(values):5} runs  median {statistics.median(values):5.2f} s  max {max(values):5.2f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
