"""The output boundary, through the real ``kad-spec`` program (a subprocess, as users run it).

Every command's output (standard output, standard error, report files, the argument parser's
own errors) masks a personal id however its digits are written apart, and shows terminal
control characters from the data as escapes. Findings are bounded per rule and file, so a
file with hundreds of thousands of findings is reported in bounded memory (checked under an
address-space limit, not by timing). All person numbers are synthetic: Tenor numbers (month
+ 80) made here with valid check digits, and a DUF-nummer made the same way.
"""

from __future__ import annotations

import copy
import json
import os
import pty
import random
import re
import resource
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest

from kad_spec.ids import duf, personnr
from kad_spec.output import clean, mask

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FORMATS = ("text", "json", "junit", "sarif")

RNG = random.Random(1303)
PERSON = personnr.synthetic(date(1938, 9, 5), "2", RNG)  # a checksum-valid Tenor number
OTHER = personnr.synthetic(date(1990, 1, 17), "1", RNG, d_number=True)
DUF = duf.synthetic(RNG)

# Every way the issue lists of writing an id's digits apart.
SEPARATORS = {
    "dot": ".", "colon": ":", "underscore": "_", "slash": "/", "comma": ",", "tab": "\t",
    "no-break space": "\u00a0", "zero-width space": "\u200b", "two spaces": "  ", "three spaces": "   ",
    "en dash": "\u2013", "space": " ", "hyphen": "-",
}


def hidden(number: str, sep: str, cuts=(6,)) -> str:
    """The number with ``sep`` at each cut: hidden("05893810066", ".", (3, 6)) == "058.938.10066"."""
    parts, last = [], 0
    for cut in cuts:
        parts.append(number[last:cut])
        last = cut
    return sep.join(parts + [number[last:]])


def _joined(text: str) -> str:
    """The text with whatever stands between two digits taken out (on one line), escapes such
    as %20 and repr()'s \\xa0 included."""
    escape = r"%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\[tnr]"
    return re.sub(rf"(?<=\d)(?:{escape}|[^\w\n]|_){{1,8}}(?=\d)", "", text)


def shows(text: str, number: str) -> bool:
    """Whether ``text`` shows ``number`` in any of the forms, percent-encoded ones included."""
    return any(number in form for form in (text, _joined(text), _joined(unquote(text))))


def kad_spec(*args, cwd=None, limit_mb: int | None = None, stdin=None) -> subprocess.CompletedProcess:
    """Run the installed program, as a user would."""

    def limited() -> None:
        if limit_mb:
            resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    return subprocess.run([sys.executable, "-m", "kad_spec", *map(str, args)], cwd=cwd, capture_output=True,
                          preexec_fn=limited, timeout=300, stdin=stdin)


def assert_clean(proc: subprocess.CompletedProcess, *numbers: str) -> str:
    out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out, out[-2000:]
    for number in numbers or (PERSON,):
        assert not shows(out, number), f"the output shows {number[:2]}…: {out[-1500:]}"
    return out


def base() -> dict:
    return json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))


# --- the mask itself ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEPARATORS)
def test_mask_hides_an_id_written_apart(name):
    sep = SEPARATORS[name]
    for cuts in ((6,), (3, 6), (2, 4, 6, 9), tuple(range(1, 11))):
        for number in (PERSON, OTHER):
            text = f"opphold {hidden(number, sep, cuts)} i «x{hidden(number, sep, cuts)}.json»"
            assert not shows(mask(text), number), (name, cuts, mask(text))
            assert mask(text).count(number[-2:]) >= 2  # the last two digits stay in view
        assert not shows(mask(f"DUF {hidden(DUF, sep, (4, 10))}"), DUF)


def test_mask_finds_an_id_inside_a_longer_string_of_digits():
    for text in (f"2024-01-01 {hidden(PERSON, ' ')} 12", f"12.{hidden(PERSON, '.', (3, 6))}.7",
                 f"file:///tmp/{hidden(PERSON, '%20')}.json", f"{hidden(PERSON, '%E2%80%8B')}",
                 f"a{PERSON}b", f"4{PERSON}", f"100%{PERSON}", f"%20{PERSON}", f"{PERSON}%2D1"):
        assert not shows(mask(text), PERSON), text


def test_mask_leaves_oids_dates_and_short_numbers_readable():
    for text in ("2.16.578.1.12.4.1.1.7110", "OID 2.16.578.1.12.4.1.1.3101.", "2024-01-01 2024-12-31",
                 "2025-03-01T14:35:00", "linje 236751:12", "974 589 095", "1 fil(er), 200000 opphold",
                 "/opphold/199999/pasient/id"):
        assert mask(text) == text


def test_clean_shows_control_characters_as_escapes():
    assert clean("a\x1b[2Jb\x1b]0;title\x07c\u202ed\x9b") == "a\\u001b[2Jb\\u001b]0;title\\u0007c\\u202ed\\u009b"
    assert clean("line\nnext\ttab") == "line\nnext\ttab"


# --- validate: ids hidden where validation echoes values ------------------------------------


def _hiding_messages(directory: Path, sep: str) -> list[Path]:
    """Messages that put ``PERSON``, written apart by ``sep``, everywhere a report repeats a value."""
    h = hidden(PERSON, sep)
    h3 = hidden(PERSON, sep, (3, 6))
    files = []

    def variant(name: str, change) -> None:
        message = base()
        change(message)
        path = directory / name
        path.write_text(json.dumps(message, ensure_ascii=False, indent=2), encoding="utf-8")
        files.append(path)

    stay = lambda m: m["opphold"][0]  # noqa: E731
    variant("opphold-id.json", lambda m: stay(m).update(opphold_id=h))
    variant("enum.json", lambda m: stay(m)["pasient"].update(kjonn=h))
    variant("diagnose.json", lambda m: stay(m)["innskrivningsdiagnoser"][0].update(kode=h))
    variant("ukjent-nokkel.json", lambda m: stay(m)["pasient"].update({h: 1}))
    variant("versjon.json", lambda m: m["meldingsinfo"].update(spesifikasjonsversjon=h3))
    text = (EXAMPLES / "kad-melding.json").read_text(encoding="utf-8")
    duplicate = directory / "dobbel-nokkel.json"
    duplicate.write_text(text.replace('"kjonn": ', f'"kjonn": "{h}", "kjonn": ', 1), encoding="utf-8")
    files.append(duplicate)
    xml = (EXAMPLES / "kad-melding.xml").read_text(encoding="utf-8")
    name = f"p{hidden(PERSON, '.')}"
    element = directory / "element.xml"
    element.write_text(xml.replace("<kjonn>2</kjonn>", f"<kjonn>2</kjonn><{name}>{h}</{name}>", 1), encoding="utf-8")
    mismatch = directory / "tagger.xml"
    mismatch.write_text(xml.replace("<kjonn>2</kjonn>", f"<kjonn>2</kjonn><{name}>x</{name}9>", 1), encoding="utf-8")
    files += [element, mismatch]
    named = directory / f"{h}.json"
    named.parent.mkdir(parents=True, exist_ok=True)  # a slash makes a folder
    named.write_text(text, encoding="utf-8")
    files.append(named)
    return files


@pytest.fixture(scope="module")
def hiding_folder(tmp_path_factory) -> tuple[Path, list[Path]]:
    """One folder per separator, each with the messages of :func:`_hiding_messages`."""
    root = tmp_path_factory.mktemp("verdier")
    files = []
    for index, sep in enumerate(SEPARATORS.values()):
        folder = root / f"s{index}"
        folder.mkdir()
        files += [f.relative_to(root) for f in _hiding_messages(folder, sep)]
    return root, files


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_validate_masks_ids_written_apart_in_every_format_and_language(hiding_folder, fmt, lang):
    root, files = hiding_folder
    proc = kad_spec("validate", "--format", fmt, "--lang", lang, *files, cwd=root)
    assert proc.returncode == 1, proc.stderr
    out = assert_clean(proc)
    assert out.count(PERSON[-2:]) >= len(files)
    if fmt in ("json", "sarif"):
        json.loads(proc.stdout)
    if fmt == "junit":
        ET.fromstring(proc.stdout)


def test_validate_text_report_shows_the_masked_id(tmp_path):
    files = _hiding_messages(tmp_path, "\u00a0")
    out = kad_spec("validate", *files, cwd=tmp_path).stdout.decode()
    assert "*********" + PERSON[-2:] in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_file_is_masked_and_well_formed(hiding_folder, tmp_path, fmt):
    root, files = hiding_folder
    target = tmp_path / f"rapport.{fmt}"
    proc = kad_spec("validate", "--format", fmt, "-o", target, *files, cwd=root)
    assert proc.returncode == 1
    text = target.read_text(encoding="utf-8")
    assert not shows(text, PERSON)
    if fmt in ("json", "sarif"):
        json.loads(text)
    elif fmt == "junit":
        ET.fromstring(text)


def test_sarif_uri_of_a_file_named_after_a_person_is_masked(tmp_path):
    name = f"{hidden(PERSON, ' ')}.json"
    (tmp_path / name).write_text((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"), encoding="utf-8")
    proc = kad_spec("validate", "--format", "sarif", name, cwd=tmp_path)
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    uri = log["runs"][0]["artifacts"][0]["location"]["uri"]
    assert not shows(uri, PERSON) and uri.endswith(PERSON[-2:] + ".json")
    assert_clean(proc)


def test_validate_reports_are_identical_across_runs(hiding_folder):
    root, files = hiding_folder
    for fmt in FORMATS:
        first = kad_spec("validate", "--format", fmt, *files, cwd=root).stdout
        assert first == kad_spec("validate", "--format", fmt, *files, cwd=root).stdout


# --- every other command: paths and arguments are echoed masked -----------------------------


def _echoing_commands(tmp_path: Path, h: str) -> list[tuple[list, int]]:
    example = EXAMPLES / "kad-melding.json"
    return [
        (["validate", f"{h}.json"], 2),
        (["validate", "--format", h, example], 2),
        (["validate", "--lang", h, example], 2),
        (["validate", "--fail-on", h, example], 2),
        (["report", f"{h}.json"], 2),
        (["report", example, "--today", h], 2),
        (["report", example, "-o", tmp_path / f"{h}.html"], 0),
        (["report", "--format", h, example], 2),
        (["convert", f"{h}.json", tmp_path / "ut.xml"], 2),
        (["convert", example, tmp_path / f"{h}.xml"], 0),
        (["codelists", "show", h], 2),
        (["codelists", "lookup", "icd10", h], 1),
        (["codelists", "lookup", h, "A01"], 2),
        (["example", "--defect", f"KAD-{h}"], 2),
        (["lint", tmp_path / h], 2),
        (["generate", "--check", "--model", tmp_path / h], 2),
        (["release", "--model", tmp_path / h, "--out", tmp_path / "dist"], 2),
        (["validate", "--config", tmp_path / f"{h}.yaml", example], 2),
        ([h], 2),
    ]


def test_every_command_masks_the_paths_and_arguments_it_echoes(tmp_path):
    # Each command gets a different way of writing the id apart (all of them, in turn).
    names = list(SEPARATORS)
    commands = _echoing_commands(tmp_path, "{id}")
    for index, (args, code) in enumerate(commands):
        h = hidden(PERSON, SEPARATORS[names[index % len(names)]], (3, 6))
        args = [str(a).replace("{id}", h) for a in args]
        proc = kad_spec(*args, cwd=tmp_path)
        assert proc.returncode == code, (args, proc.stderr.decode())
        assert_clean(proc)


def test_every_command_masks_a_plain_id_too(tmp_path):
    for args, code in _echoing_commands(tmp_path, PERSON):
        proc = kad_spec(*args, cwd=tmp_path)
        assert proc.returncode == code, (args, proc.stderr.decode())
        out = assert_clean(proc)
        assert "*********" + PERSON[-2:] in out, args


def test_convert_messages_mask_values_element_and_attribute_names(tmp_path):
    h = hidden(PERSON, ".")
    xml = (EXAMPLES / "kad-melding.xml").read_text(encoding="utf-8")
    source = tmp_path / "inn.xml"
    source.write_text(xml.replace("<kjonn>2</kjonn>", f'<kjonn>2</kjonn><p{h} a{h}="{h}">{h}</p{h}>', 1),
                      encoding="utf-8")
    proc = kad_spec("convert", source, tmp_path / "ut.json")
    assert proc.returncode == 1 and b"p*********" in proc.stderr
    assert_clean(proc)
    message = base()
    message["opphold"][0]["pasient"][hidden(PERSON, "_")] = hidden(PERSON, "\t")
    message["opphold"][0]["status"] = hidden(PERSON, "\u00a0")
    source = tmp_path / "inn.json"
    source.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    proc = kad_spec("convert", source, tmp_path / "ut.xml")
    assert proc.returncode == 1
    assert_clean(proc)


def test_example_data_keeps_its_synthetic_persons_whole(tmp_path):
    # The synthetic messages are data, not a report: their Tenor numbers must stay valid.
    proc = kad_spec("example", "--count", "3", "--seed", "4")
    assert proc.returncode == 0
    ids = [stay["pasient"]["id"] for stay in json.loads(proc.stdout)["opphold"]]
    assert ids and all(personnr.is_valid(i) for i in ids)


def test_config_messages_mask_ids_as_rule_key_severity_and_reason(tmp_path):
    h = hidden(PERSON, "\u200b")
    example = EXAMPLES / "kad-melding.json"
    configs = {
        "regel.yaml": f"severity_overrides:\n  KAD-{h}: warning\n",
        "nokkel.yaml": f"{h}: 1\n",
        "alvor.yaml": f"severity_overrides:\n  KAD-STR-001: '{h}'\n",
        "unntak-regel.yaml": f"waivers:\n  - rule: '{h}'\n    reason: x\n",
        "unntak-nokkel.yaml": f"waivers:\n  - rule: KAD-STR-001\n    '{h}': x\n    reason: x\n",
    }
    for name, text in configs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        proc = kad_spec("validate", "--config", tmp_path / name, example)
        assert proc.returncode == 2, name
        assert_clean(proc)
    (tmp_path / "grunn.yaml").write_text(
        f"waivers:\n  - rule: KAD-STR-001\n    reason: 'gjelder {h}'\n"
        f"  - rule: KAD-STR-003\n    reason: 'utløpt {h}'\n    expires: 2001-01-01\n", encoding="utf-8")
    message = base()
    del message["virksomhet"]["navn"]
    (tmp_path / "m.json").write_text(json.dumps(message), encoding="utf-8")
    for fmt in FORMATS:
        proc = kad_spec("validate", "--format", fmt, "--config", tmp_path / "grunn.yaml", tmp_path / "m.json")
        assert proc.returncode == 0
        assert "*********" + PERSON[-2:] in assert_clean(proc)


def test_activity_report_masks_a_value_shown_for_five_stays(tmp_path):
    message = base()
    template = message["opphold"][0]
    code = hidden(PERSON, ".", (3, 6))
    stays = []
    for i in range(6):
        stay = copy.deepcopy(template)
        stay["opphold_id"] = f"KAD-2025-{i:06d}"
        stay["innskrivningsdiagnoser"][0]["kode"] = code
        stay["utskrevet_til"] = hidden(PERSON, "\u00a0")
        stays.append(stay)
    message["opphold"] = stays
    (tmp_path / "m.json").write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    for fmt in ("html", "json"):
        proc = kad_spec("report", "--format", fmt, "m.json", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        out = assert_clean(proc)
        assert "*********" + PERSON[-2:] in out
        target = tmp_path / f"r.{fmt}"
        proc = kad_spec("report", "--format", fmt, "-o", target, "m.json", cwd=tmp_path)
        assert proc.returncode == 0 and not shows(target.read_text(encoding="utf-8"), PERSON)
        if fmt == "json":
            json.loads(target.read_text(encoding="utf-8"))


# --- the terminal -----------------------------------------------------------------------------

ESCAPES = ("\x1b[2J", "\x1b]8;;https://example.org/\x1b\\klikk\x1b]8;;\x1b\\", "\x1b]0;tittel\x07")


def _escaping_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inn"
    folder.mkdir()
    message = base()
    message["opphold"][0]["opphold_id"] = ESCAPES[0]
    message["opphold"][0]["status"] = ESCAPES[1]
    message["opphold"][1]["pasient"]["kjonn"] = ESCAPES[2]
    (folder / "x\x1b[31mrød\x1b]0;navn\x07.json").write_text(json.dumps(message), encoding="utf-8")
    return folder


def _raw_controls(data: bytes) -> list[bytes]:
    """Escape sequences other than colour (SGR), which only the coloured report itself writes."""
    return [m for m in re.findall(rb"\x1b[^\[]|\x1b\[[0-9;]*[^0-9;m]|\x07", data)]


def test_piped_text_report_neutralises_control_characters(tmp_path):
    folder = _escaping_folder(tmp_path)
    proc = kad_spec("validate", folder)
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout + proc.stderr and b"\x07" not in proc.stdout
    assert b"\\u001b[2J" in proc.stdout and b"x\\u001b[31mr" in proc.stdout


def test_terminal_text_report_neutralises_control_characters(tmp_path):
    folder = _escaping_folder(tmp_path)
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kad_spec", "validate", str(folder)], stdout=child,
                            stderr=child, env={**os.environ, "COLUMNS": "200"})
    os.close(child)
    data = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    assert proc.wait(timeout=60) == 1
    os.close(main)
    assert b"\\u001b[2J" in data  # shown, not done
    assert not _raw_controls(data), _raw_controls(data)[:5]


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif"])
def test_structured_reports_carry_no_raw_control_characters(tmp_path, fmt):
    proc = kad_spec("validate", "--format", fmt, _escaping_folder(tmp_path))
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout
    json.loads(proc.stdout) if fmt != "junit" else ET.fromstring(proc.stdout)


@pytest.mark.parametrize("name", SEPARATORS)
def test_parser_errors_mask_an_id_however_it_is_written(name):
    # The parser repeats the value with repr(): a no-break space comes out as \xa0.
    proc = kad_spec("validate", "--format", hidden(PERSON, SEPARATORS[name]), EXAMPLES / "kad-melding.json")
    assert proc.returncode == 2 and b"--format" in proc.stderr
    assert "*********" + PERSON[-2:] in assert_clean(proc)


def test_parser_errors_do_not_pass_control_characters(tmp_path):
    proc = kad_spec("validate", "--format", "\x1b]0;tittel\x07", EXAMPLES / "kad-melding.json")
    assert proc.returncode == 2
    assert b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr and b"tittel" in proc.stderr


# --- bounded findings -----------------------------------------------------------------------


def _empty_stays(path: Path, n: int) -> Path:
    message = base()
    message["opphold"] = [{}] * n
    path.write_text(json.dumps(message, separators=(",", ":")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def empty_stays(tmp_path_factory) -> Path:
    return _empty_stays(tmp_path_factory.mktemp("tomme") / "tomme.json", 60_000)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_of_empty_stays_is_reported_in_bounded_memory(empty_stays, fmt):
    # Before findings were bounded, SARIF for these 60 000 empty stays needed about 2 GB.
    proc = kad_spec("validate", "--jobs", "1", "--format", fmt, empty_stays, limit_mb=450)
    assert proc.returncode == 1, proc.stderr[-500:]
    assert_clean(proc)
    if fmt == "json":
        report = json.loads(proc.stdout)
        file = report["files"][0]
        per_rule: dict[str, int] = {}
        for finding in file["findings"]:
            per_rule[finding["rule_id"]] = per_rule.get(finding["rule_id"], 0) + 1
        assert max(per_rule.values()) == 1000 and file["truncated"]
        omitted = sum(o["count"] for o in file["omitted"])
        assert report["summary"]["errors"] == len(file["findings"]) + omitted
        assert report["summary"]["omitted"] == omitted and omitted > 100_000
    if fmt == "sarif":
        assert len(json.loads(proc.stdout)["runs"][0]["results"]) < 20_000
    if fmt == "junit":
        root = ET.fromstring(proc.stdout)
        assert int(root.get("failures")) == len(root.findall(".//failure"))


def test_max_findings_bounds_memory_and_keeps_the_verdict(empty_stays):
    proc = kad_spec("validate", "--jobs", "1", "--max-findings", "5", "--format", "json", empty_stays, limit_mb=450)
    assert proc.returncode == 1
    file = json.loads(proc.stdout)["files"][0]
    assert len(file["findings"]) <= 5 * len(file["omitted"]) + 5
    assert file["errors"] > 60_000


def test_findings_are_bounded_when_the_file_is_read_in_parts(empty_stays):
    proc = kad_spec("validate", "--jobs", "2", "--format", "json", empty_stays, limit_mb=700)
    assert proc.returncode == 1, proc.stderr[-500:]
    one = json.loads(kad_spec("validate", "--jobs", "1", "--format", "json", empty_stays).stdout)
    two = json.loads(proc.stdout)
    assert two["summary"] == one["summary"]


def test_parser_errors_are_masked_when_the_app_is_called_in_process():
    from conftest import run_cli

    code, out, err = run_cli("validate", "--format", hidden(PERSON, "\u00a0"), "x.json")
    assert code == 2 and "--format" in err
    assert not shows(out + err, PERSON) and "*********" + PERSON[-2:] in err


def test_an_id_beside_an_oid_is_masked_and_the_oid_stays():
    text = mask(f"2.16.578.1.12.4.1.1.7110 {hidden(PERSON, ' ')} → 2.16.578.1.12.4.1.1.7111")
    assert text.startswith("2.16.578.1.12.4.1.1.7110 *********") and text.endswith("→ 2.16.578.1.12.4.1.1.7111")
    assert not shows(text, PERSON)


def test_dates_and_years_stay_readable_but_an_id_written_like_a_date_is_masked():
    # A code list edition's period: its digits pass checksums, but it is dates and years.
    period = "icd10 2023 (2023-01-01–2023-12-31); 2024 (2024-01-01–2024-12-31)"
    assert mask(period) == period
    rng = random.Random(1905)
    # A Tenor number born 20 January 1905 whose digits read as a date: 2081-05-DD and three more.
    number = next(n for n in (personnr.synthetic(date(1905, 1, 20), "1", rng) for _ in range(5000))
                  if re.fullmatch(r"0[1-9]|[12]\d|3[01]", n[6:8]))
    written = f"{number[:4]}-{number[4:6]}-{number[6:8]} {number[8:]}"
    assert not shows(mask(written), number) and mask(written).endswith(number[-2:])


def test_a_sha256_checksum_is_shown_whole_but_an_id_beside_it_is_masked():
    from kad_spec.output import mask

    digest = "3fc4e5e21853759671146235856ccd9bbec3df5361a5a9792f614b7e3a9c8be6"  # 20 digits in a row
    assert mask(f"SHA-256 {digest}") == f"SHA-256 {digest}"
    assert mask(f"{digest} 41819077906") == f"{digest} *********06"
    assert mask(f"x{digest}") != f"x{digest}"  # not standing on its own: digits masked as ever
