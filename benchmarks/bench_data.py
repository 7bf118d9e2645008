"""Benchmark input files, made by the installed `kad-spec example` and cached under benchmarks/data/.

The one-line JSON files are what `json.dump(message, f)` writes (default options: ASCII escapes,
separators ", " and ": ", no trailing newline). They are derived from the indented example by a
streaming rewrite, so even the 1M-stay file never has to be held in memory as Python objects.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = "20250101"
YEAR = "2025"

# Indentation only ever follows a newline between tokens: JSON strings hold no raw newline.
SEPARATOR_AND_INDENT = re.compile(rb",\n[ \t]*")
NEWLINE_AND_INDENT = re.compile(rb"\n[ \t]*")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class DataSet:
    """Where the files go and the kad-spec executable that makes them."""

    folder: Path
    kad: str

    def example(self, stays: int, fmt: str) -> Path:
        """The indented message `kad-spec example` writes, with a fixed seed and year."""
        path = self.folder / f"kad-{stays}-indented.{fmt}"
        if not path.exists():
            self.run_example(["--count", str(stays), "--format", fmt, "--out", str(path)])
        return path

    def one_line_json(self, stays: int) -> Path:
        """The same message as `json.dump` writes it: one line."""
        path = self.folder / f"kad-{stays}-one-line.json"
        if not path.exists():
            indented = self.example(stays, "json")
            print(f"lager {path.name} ...", flush=True)
            # In a child process, so that the harness itself stays small while it measures.
            subprocess.run([sys.executable, __file__, str(indented), str(path)], check=True)
        return path

    def many_files(self, files: int, stays_per_file: int) -> Path:
        """A folder of `files` messages with `stays_per_file` stays each."""
        folder = self.folder / f"kad-{files}x{stays_per_file}"
        if not folder.is_dir() or len(list(folder.iterdir())) != files:
            self.run_example(["--count", str(files * stays_per_file), "--stays-per-message", str(stays_per_file),
                              "--format", "json", "--out", str(folder), "--force"])
        return folder

    def run_example(self, options: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        print(f"lager med kad-spec example {' '.join(options[:2])} ...", flush=True)
        done = subprocess.run([self.kad, "example", "--seed", SEED, "--year", YEAR, *options],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"kad-spec example {' '.join(options)} ga exit {done.returncode}:\n{done.stderr}")


def rewrite_as_json_dump(indented: Path, target: Path) -> None:
    """Turn indented JSON into the bytes `json.dump` writes, one block of whole lines at a time."""
    partial = target.with_suffix(".partial")
    with indented.open("rb") as source, partial.open("wb") as out:
        while block := source.readlines(BLOCK_BYTES):
            out.write(compact_block(b"".join(block)))
    partial.replace(target)


def compact_block(block: bytes) -> bytes:
    """Whole lines of indented JSON as json.dump's one line: ", " after a comma, nothing else."""
    joined = NEWLINE_AND_INDENT.sub(b"", SEPARATOR_AND_INDENT.sub(b", ", block.lstrip(b" \t")))
    text = joined.decode("utf-8")
    return NON_ASCII.sub(ascii_escape, text).encode("ascii")


def ascii_escape(match: re.Match[str]) -> str:
    """A non-ASCII character as json.dump writes it with ensure_ascii (a surrogate pair above U+FFFF)."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


if __name__ == "__main__":
    rewrite_as_json_dump(Path(sys.argv[1]), Path(sys.argv[2]))
