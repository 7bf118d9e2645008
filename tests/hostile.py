"""Hostile and broken input files for the robustness tests, and a way to run the real CLI.

Every builder writes into a given folder and returns the paths, so that each test gets its
own copies. Person numbers come from the bundled example (Tenor synthetic, month + 80).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BASE_JSON = EXAMPLES / "kad-melding.json"
BASE_XML = EXAMPLES / "kad-melding.xml"
NS = "urn:kad-spec:kad-kpr:1"
SECRET = "HEMMELIG-innhold-som-aldri-skal-leses-7f3a"


def base() -> dict:
    return json.loads(BASE_JSON.read_text(encoding="utf-8"))


def base_text() -> str:
    return BASE_JSON.read_text(encoding="utf-8")


def secret_file(directory: Path) -> Path:
    path = directory / "hemmelig.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


# --- XML ----------------------------------------------------------------------------------


def _message_with(text: str) -> str:
    return f'<KadMelding xmlns="{NS}"><meldingsinfo><melding_id>{text}</melding_id></meldingsinfo></KadMelding>\n'


def billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)
    ]
    return '<?xml version="1.0"?>\n<!DOCTYPE KadMelding [\n' + "\n".join(entities) + "\n]>\n" + _message_with("&lol9;")


def hostile_xml(directory: Path) -> dict[str, Path]:
    """name -> path; each must be refused with KAD-FIL-001 (nothing read, nothing expanded)."""
    secret = secret_file(directory)
    long_comment = "<!--" + "x" * 70_000 + "-->\n"  # longer than the prolog check reads
    texts = {
        "xxe-fil.xml": f'<?xml version="1.0"?>\n<!DOCTYPE KadMelding [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                       + _message_with("&x;"),
        "xxe-http.xml": '<?xml version="1.0"?>\n<!DOCTYPE KadMelding [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n'
                        + _message_with("&x;"),
        "xxe-parameter.xml": f'<?xml version="1.0"?>\n<!DOCTYPE KadMelding [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>\n'
                             + _message_with("x"),
        "ekstern-dtd.xml": '<?xml version="1.0"?>\n<!DOCTYPE KadMelding SYSTEM "http://127.0.0.1:9/kad.dtd">\n'
                           + _message_with("x"),
        "billion-laughs.xml": billion_laughs(),
        "xxe-etter-lang-kommentar.xml": '<?xml version="1.0"?>\n' + long_comment
        + f'<!DOCTYPE KadMelding [<!ENTITY x SYSTEM "file://{secret}">]>\n' + _message_with("&x;"),
        "billion-laughs-etter-lang-kommentar.xml": '<?xml version="1.0"?>\n' + long_comment
        + billion_laughs().split("\n", 1)[1],
        "dyp-nesting.xml": f'<KadMelding xmlns="{NS}">' + "<a>" * 100_000 + "</a>" * 100_000 + "</KadMelding>\n",
        "dyp-nesting-i-opphold.xml": f'<KadMelding xmlns="{NS}"><opphold>' + "<a>" * 5_000 + "</a>" * 5_000
        + "</opphold></KadMelding>\n",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = directory / name
        paths[name].write_text(text, encoding="utf-8")
    huge = directory / "stor-tekstnode.xml"
    with huge.open("w", encoding="utf-8") as out:
        out.write(f'<KadMelding xmlns="{NS}"><meldingsinfo><melding_id>')
        block = "A" * (1 << 20)
        for _ in range(50):  # 50 MB in one text node
            out.write(block)
        out.write("</melding_id></meldingsinfo></KadMelding>\n")
    paths[huge.name] = huge
    return paths


# --- JSON ---------------------------------------------------------------------------------


def hostile_json(directory: Path) -> dict[str, Path]:
    """name -> path of small hostile JSON files (the big ones are made by the tests themselves)."""
    text = base_text()
    raw: dict[str, bytes] = {
        "syntaksfeil.json": b'{\n  "meldingsinfo": {\n    "melding_id": "x",,\n  }\n}\n',
        "nan.json": text.replace('"alder": 84', '"alder": NaN', 1).encode(),
        "infinity.json": text.replace('"alder": 84', '"alder": Infinity', 1).encode(),
        "kontrolltegn.json": text.replace('"navn": "', '"navn": "\x01', 1).encode(),
        "bom.json": b"\xef\xbb\xbf" + text.encode(),
        "utf16.json": text.encode("utf-16"),
        "utf16be-uten-bom.json": text.encode("utf-16-be"),
        "latin1.json": text.encode("latin-1"),
        "windows1252.json": text.replace("Nedre Glomma", "\u2013 Nedre Glomma", 1).encode("cp1252"),
        "dyp-nesting.json": b'{"opphold": [{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}",
        "dyp-nesting-objekter.json": b'{"meldingsinfo": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}",
        "dyp-nesting-toppnivaa.json": b"[" * 100_000 + b"]" * 100_000,
        "stort-tall.json": text.replace('"alder": 84', '"alder": 1' + "0" * 10_000, 1).encode(),
    }
    message = base()
    message["virksomhet"]["navn"] = "Akutt\u0001døgnenhet"
    raw["escaped-kontrolltegn.json"] = json.dumps(message, ensure_ascii=False).encode()
    message = base()
    message["opphold"][0]["pasient"]["alder"] = "84"
    message["opphold"][0]["pasient"]["kjonn"] = 2
    raw["tall-som-tekst.json"] = json.dumps(message, ensure_ascii=False).encode()
    raw["dobbel-nokkel.json"] = text.replace('"kjonn": "2"', '"kjonn": "2", "kjonn": "1"', 1).encode()
    paths = {}
    for name, data in raw.items():
        paths[name] = directory / name
        paths[name].write_bytes(data)
    return paths


def one_line_message(path: Path, text_mb: int = 0, stays: int = 0) -> Path:
    """A message on one line, written lazily: ``stays`` generated stays (synthetic persons, as
    ``kad-spec example`` makes them, in batches of at most ``BATCH`` per seed) and, if
    ``text_mb``, one more stay whose opphold_id is a text value of that many megabytes."""
    import orjson

    head = orjson.dumps({**_plan(1, 1).header(), "opphold": []})
    with path.open("wb") as out:
        out.write(head[:-2])  # up to and including '"opphold":['
        written = 0
        for batch, first in enumerate(range(0, stays, BATCH)):
            size = min(BATCH, stays - first)
            for i, stay in enumerate(_plan(batch + 1, size).stays(0, size)):
                stay["opphold_id"] = f"KAD-{batch}-{i}"
                out.write(b"," if written else b"")
                out.write(orjson.dumps(stay))
                written += 1
        if text_mb:
            out.write(b',{"opphold_id":"' if written else b'{"opphold_id":"')
            block = ("døgnenhet " * 95_325).encode("utf-8")  # about 1 MB
            for _ in range(text_mb):
                out.write(block)
            out.write(b'"}')
        out.write(b"]}")
    return path


BATCH = 500_000  # the generator gives each stay its own person; one seed has room for this many


def _plan(seed: int, count: int):
    from kad_spec.tools.example import ExampleOptions, plan

    return plan(ExampleOptions(count=max(count, 1), seed=seed))


# --- files --------------------------------------------------------------------------------


def hostile_files(directory: Path) -> dict[str, Path]:
    """Files that are not messages at all."""
    paths = {
        "tom.json": b"",
        "bare-bom.json": b"\xef\xbb\xbf",
        "avkortet.json": base_text()[: len(base_text()) // 2].encode(),
        "avkortet.xml": BASE_XML.read_bytes()[: len(BASE_XML.read_bytes()) // 2],
        "dokument.json": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "tilfeldig.xml": bytes(range(256)) * 4,
    }
    result = {}
    for name, data in paths.items():
        result[name] = directory / name
        result[name].write_bytes(data)
    archive = directory / "arkiv.json"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("kad-melding.json", base_text())
    result[archive.name] = archive
    return result


# --- running the CLI ----------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_cli(*args, timeout: float = 60, env: dict | None = None, cwd: Path | None = None) -> Run:
    """``python -m kad_spec ...`` in a fresh process; a hang fails the test by the timeout."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kad_spec", *map(str, args)],
        capture_output=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd,
    )
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"),
               time.monotonic() - started)


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text[-2000:]
        assert "intern feil" not in text, text[-2000:]
