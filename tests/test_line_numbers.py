"""Findings in large JSON files get their lines from a search a window at a time.

The line pass never holds a whole line: these files have lines far longer than the window
they are searched with, and the lines must come out as in the file.
"""

from __future__ import annotations

import json
import random

from typer.testing import CliRunner

from kad_spec.cli import app
from kad_spec.message.bounded_map import BoundedMap
from kad_spec.message.json_lines import lines_for_findings

runner = CliRunner()
DEFECT_STAYS = (3, 29, 57)


def _message(tmp_path, count: int = 60) -> dict:
    path = tmp_path / "kilde.json"
    result = runner.invoke(app, ["example", "--count", str(count), "--seed", "7", "--year", "2025", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def _true_line(data: bytes, stay_id: str, key: bytes) -> int:
    """The line of ``key`` in the stay whose opphold_id is ``stay_id``, counted in the test itself."""
    at = data.index(b'"' + key + b'"', data.index(b'"opphold_id": "' + stay_id.encode() + b'"'))
    return data.count(b"\n", 0, at) + 1


def test_a_one_line_file_puts_every_finding_on_line_1(tmp_path):
    message = _message(tmp_path)
    for index in DEFECT_STAYS:
        message["opphold"][index]["pasient"]["kjonn"] = "7"
    path = tmp_path / "en-linje.json"
    path.write_text(json.dumps(message), encoding="utf-8")  # as json.dump writes it: one line
    result = runner.invoke(app, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["files"][0]["findings"]
    assert {f["pointer"] for f in findings} == {f"/opphold/{i}/pasient/kjonn" for i in DEFECT_STAYS}
    assert [f["line"] for f in findings] == [1] * len(findings)


def test_lines_longer_than_the_window_come_out_as_in_the_file(tmp_path):
    message = _message(tmp_path)
    stays = message.pop("opphold")
    # The id of stay 29 also as a plain value two stays before it: a match that is no opphold_id.
    stays[27]["henvist_fra"]["kategori"] = stays[29]["opphold_id"]
    header = json.dumps(message, indent=2)[:-2]  # the header over many lines, then one stay per line
    text = header + ',\n  "opphold": [\n' + ",\n".join(json.dumps(stay) for stay in stays) + "\n  ]\n}\n"
    path = tmp_path / "lange-linjer.json"
    path.write_text(text, encoding="utf-8")
    data = text.encode()
    assert min(len(line) for line in data.splitlines()[-len(stays) - 2 : -2]) > 400  # each stay longer than the window
    items = [("/virksomhet/adresse/poststed", None)]
    for index in DEFECT_STAYS:
        stay_id = stays[index]["opphold_id"]
        items += [(f"/opphold/{index}/pasient/kjonn", stay_id), (f"/opphold/{index}/utskrevet_til/kategori", stay_id)]
    expected = {"/virksomhet/adresse/poststed": data.count(b"\n", 0, data.index(b'"poststed"')) + 1}
    for index in DEFECT_STAYS:
        stay_line = data.count(b"\n", 0, data.index(stays[index]["opphold_id"].encode() + b'", "status"')) + 1
        expected[f"/opphold/{index}/pasient/kjonn"] = expected[f"/opphold/{index}/utskrevet_til/kategori"] = stay_line
    assert lines_for_findings(path, items, window=64) == expected
    assert lines_for_findings(path, items) == expected


def test_an_indented_file_searched_in_small_windows_gives_the_lines_of_one_search(tmp_path):
    message = _message(tmp_path)
    path = tmp_path / "innrykket.json"
    path.write_text(json.dumps(message, indent=2), encoding="utf-8")
    data = path.read_bytes()
    items = []
    for index in DEFECT_STAYS:
        stay_id = message["opphold"][index]["opphold_id"]
        items += [(f"/opphold/{index}/pasient/kjonn", stay_id), (f"/opphold/{index}/utskrevet_til", stay_id),
                  (f"/opphold/{index}/finnes_ikke", stay_id)]
    lines = lines_for_findings(path, items, window=100)
    for index in DEFECT_STAYS:
        stay_id = message["opphold"][index]["opphold_id"]
        assert lines[f"/opphold/{index}/pasient/kjonn"] == _true_line(data, stay_id, b"kjonn")
        assert lines[f"/opphold/{index}/utskrevet_til"] == _true_line(data, stay_id, b"utskrevet_til")
        assert lines[f"/opphold/{index}/finnes_ikke"] == _true_line(data, stay_id, b"opphold_id")  # the stay's line
    assert lines == lines_for_findings(path, items)


def test_a_search_a_window_at_a_time_finds_what_one_search_finds():
    rng = random.Random(3)
    data = bytes(rng.choice(b"ab\n") for _ in range(5000))
    for window in (1, 2, 7, 64, 10_000):
        pages = BoundedMap(data, window)
        for needle in (b"a", b"ab\na", b"bbbb", b"\n\n\n", b"zz"):
            for start in (0, 13, 2500):
                assert pages.find(needle, start) == data.find(needle, start)
                assert pages.rfind(needle, start, 4000) == data.rfind(needle, start, 4000)
        assert pages.count_line_ends(17, 4321) == data.count(b"\n", 17, 4321)
