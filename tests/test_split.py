"""One JSON file read in parts by several processes: the same report as one reading, or no split."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from kad_spec.message.batch import add_one_stay
from hypothesis import given, settings
from hypothesis import strategies as st

from kad_spec.validation import split
from kad_spec.reports import render
from kad_spec.rules.codes import ServiceMunicipalities
from kad_spec.rules.context import MessageContext
from kad_spec.rules.stays import StaysInMessage
from kad_spec.validation.engine import Settings, Validator

pytestmark = pytest.mark.skipif(not split.can_fork(), reason="the split needs the fork start method")

ROOT = Path(__file__).resolve().parents[1]
BASE = json.loads((ROOT / "examples" / "kad-melding.json").read_text(encoding="utf-8"))
HEADER = {k: v for k, v in BASE.items() if k != "opphold"}
# Tenor synthetic persons (month + 80), as in the base example.
PATIENTS = [("FNR", "12834041276"), ("DNR", "52854721089"), ("FNR", "05893823338"), ("FNR", "27815510130")]
TODAY = date(2026, 1, 1)


def _stay(number: int, **changes) -> dict:
    stay = copy.deepcopy(BASE["opphold"][number % 4])
    stay["opphold_id"] = f"KAD-T-{number:04d}"
    # One patient per stay, on a day of its own, unless a test says otherwise.
    stay["pasient"]["id_type"], stay["pasient"]["id"] = PATIENTS[number % 4]
    day = date.fromordinal(date(2021, 1, 1).toordinal() + number * 3)
    stay["innleggelsestidspunkt"] = f"{day.isoformat()}T08:00:00"
    if "utskrivningstidspunkt" in stay:
        stay["utskrivningstidspunkt"] = f"{day.isoformat()}T20:00:00"
    stay.update(changes)
    return stay


def _message(stays: list[dict], after: str = "", tjenestekommuner=("3107", "3110"), raw: dict | None = None) -> str:
    """The message as text; ``raw`` replaces the text of a stay by number (to write duplicate keys)."""
    header = copy.deepcopy(HEADER)
    header["virksomhet"]["tjenestekommuner"] = list(tjenestekommuner)
    texts = [(raw or {}).get(i) or json.dumps(s, indent=2, ensure_ascii=False) for i, s in enumerate(stays)]
    body = json.dumps(header, indent=2, ensure_ascii=False)[:-2]
    return body + ',\n  "opphold": [\n' + ",\n".join(texts) + "\n  ]" + after + "\n}\n"


def _report(path: Path, jobs: int, split_bytes: int | None = 0) -> str:
    validator = Validator(Settings(today=TODAY, split_bytes=split_bytes))
    return render(validator.validate_paths([path], jobs=jobs), "json", "nb")


@pytest.fixture
def spy(monkeypatch):
    """Counts split readings that were used (merged), to tell a split from a fallback."""
    calls = []
    merge = split._merge

    def counting(*args):
        calls.append(True)
        return merge(*args)

    monkeypatch.setattr(split, "_merge", counting)
    return calls


def _tricky_stays(count: int = 60) -> list[dict]:
    stays = [_stay(i) for i in range(count)]
    last = count - 1
    stays[45]["opphold_id"] = stays[5]["opphold_id"]  # repeated across parts
    stays[50].update(opphold_id=stays[10]["opphold_id"], status="C")  # a cancellation, later part
    stays[25]["opphold_id"] = stays[3]["opphold_id"]  # three times, in three parts
    stays[55]["opphold_id"] = stays[3]["opphold_id"]
    stays[56]["opphold_id"] = stays[56 - 1]["opphold_id"]  # repeated within one part
    # The patient of stay 2 admitted again, before that stay's discharge, far later in the file.
    stays[40]["pasient"] = copy.deepcopy(stays[2]["pasient"])
    stays[40]["innleggelsestidspunkt"] = stays[2]["innleggelsestidspunkt"][:11] + "12:00:00"
    stays[40]["utskrivningstidspunkt"] = stays[2]["innleggelsestidspunkt"][:11] + "23:00:00"
    # An admission in 2019, before 4601 existed: only the last part has that date.
    stays[last]["innleggelsestidspunkt"] = "2019-06-01T08:00:00"
    stays[last].pop("utskrivningstidspunkt", None)
    stays[last].pop("utskrivningsdiagnoser", None)
    stays[last].pop("utskrevet_til", None)
    stays[30]["pasient"]["alder"] = "åtti"  # a schema finding in a later part
    return stays


def _with_duplicate_key(stay: dict) -> str:
    text = json.dumps(stay, indent=2, ensure_ascii=False)
    return text.replace('"status": ', '"status": "N",\n  "status": ', 1)


@pytest.mark.parametrize("jobs", [2, 3, 4])
def test_split_report_is_byte_identical(tmp_path, spy, jobs):
    stays = _tricky_stays()
    path = tmp_path / "melding.json"
    path.write_text(_message(stays, after=',\n  "ekstra": {"a": 1}', tjenestekommuner=("4601",),
                             raw={47: _with_duplicate_key(stays[47]), 12: _with_duplicate_key(stays[12])}),
                    encoding="utf-8")
    whole = _report(path, jobs=1)
    parted = _report(path, jobs=jobs)
    assert spy, "the file was not read in parts"
    assert parted == whole
    rules = {(f["rule_id"], f["pointer"]) for f in json.loads(whole)["files"][0]["findings"]}
    # The cases the merge must get right are really in the message.
    assert ("KAD-OPH-001", "/opphold/45/opphold_id") in rules
    assert ("KAD-OPH-005", "/opphold/50/opphold_id") in rules
    assert ("KAD-OPH-001", "/opphold/55/opphold_id") in rules
    assert ("KAD-OPH-002", "/opphold/40/innleggelsestidspunkt") in rules
    assert ("KAD-KL-003", "/virksomhet/tjenestekommuner/0") in rules
    assert ("KAD-FIL-003", "/opphold/47/status") in rules


def test_split_reports_positions_and_ids_of_later_parts(tmp_path, spy):
    stays = _tricky_stays()
    path = tmp_path / "melding.json"
    path.write_text(_message(stays, tjenestekommuner=("4601",)), encoding="utf-8")
    report = json.loads(_report(path, jobs=3))
    assert spy
    (repeat,) = [f for f in report["files"][0]["findings"] if f["pointer"] == "/opphold/55/opphold_id"]
    assert repeat["opphold_id"] == stays[3]["opphold_id"]
    assert repeat["line"] == _line_of(path, f'"opphold_id": "{stays[3]["opphold_id"]}"', 3)
    assert report["files"][0]["stays"] == len(stays)


def _line_of(path: Path, text: str, occurrence: int) -> int:
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    return lines[occurrence - 1]


def test_small_files_are_not_split(tmp_path, spy):
    path = tmp_path / "melding.json"
    path.write_text(_message(_tricky_stays()), encoding="utf-8")
    assert _report(path, jobs=2, split_bytes=None) == _report(path, jobs=1, split_bytes=None)
    assert not spy


def test_syntax_error_in_a_later_part_is_reported_as_by_one_reading(tmp_path, spy):
    text = _message(_tricky_stays())
    cut = text.index('"KAD-T-0051"')
    path = tmp_path / "melding.json"
    path.write_text(text[:cut] + text[cut:].replace("}", "", 1), encoding="utf-8")
    whole = _report(path, jobs=1)
    assert _report(path, jobs=2) == whole
    assert not spy
    assert "KAD-FIL-001" in whole


def test_a_cut_after_the_stays_is_refused(tmp_path, spy):
    """Objects that look like stays in a member written after the stays must not become stays."""
    fake = ",\n".join(json.dumps(_stay(i), indent=2) for i in range(100, 160))
    path = tmp_path / "melding.json"
    path.write_text(_message([_stay(i) for i in range(3)], after=f',\n  "ekstra": [\n{fake}\n  ]'), encoding="utf-8")
    for jobs in (2, 3, 4):
        assert _report(path, jobs=jobs) == _report(path, jobs=1)
    assert not spy


def test_a_middle_part_that_leaves_the_stays_is_refused(tmp_path, spy):
    fake = ",\n".join(json.dumps(_stay(i), indent=2) for i in range(100, 140))
    stays = [_stay(i) for i in range(40)]
    path = tmp_path / "melding.json"
    path.write_text(_message(stays, after=f',\n  "ekstra": [\n{fake}\n  ]'), encoding="utf-8")
    assert _report(path, jobs=3) == _report(path, jobs=1)
    assert not spy


def test_cuts_inside_a_stay_fall_back(tmp_path):
    """Objects with an opphold_id nested in every stay: a cut there does not parse, and is not used."""
    stays = [_stay(i) for i in range(40)]
    for stay in stays:
        stay["innskrivningsdiagnoser"].append({"opphold_id": "x", "kode": "R81"})
        stay["innskrivningsdiagnoser"].append({"opphold_id": "y", "kode": "R81"})
    path = tmp_path / "melding.json"
    path.write_text(_message(stays), encoding="utf-8")
    for jobs in (2, 3, 4, 7):
        assert _report(path, jobs=jobs) == _report(path, jobs=1)


def test_no_boundary_means_no_split(tmp_path, spy):
    stays = [{"status": s.pop("status"), **s} for s in (_stay(i) for i in range(20))]  # opphold_id not first
    path = tmp_path / "melding.json"
    path.write_text(_message(stays), encoding="utf-8")
    assert split.plan(path, 2) == []
    assert _report(path, jobs=2) == _report(path, jobs=1)
    assert not spy


def test_plan_cuts_at_stay_boundaries(tmp_path):
    path = tmp_path / "melding.json"
    path.write_text(_message([_stay(i) for i in range(30)], after=',\n  "ekstra": 1'), encoding="utf-8")
    parts = split.plan(path, 3)
    assert len(parts) == 3
    texts = []
    for part in parts:
        with split.PartFile(path, part) as handle:
            texts.append(json.loads(handle.read()))
    assert sum(len(t["opphold"]) for t in texts) == 30
    assert [s["opphold_id"] for t in texts for s in t["opphold"]] == [f"KAD-T-{i:04d}" for i in range(30)]
    assert texts[0]["meldingsinfo"] == HEADER["meldingsinfo"] and texts[-1]["ekstra"] == 1


def test_part_file_reads_in_any_pieces(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789")
    handle = split.PartFile(path, split.Part(3, 7, b"<<", b">>"))
    for size in (1, 2, 3, 5, 100):
        handle.seek(0)
        pieces = []
        while piece := handle.read(size):
            pieces.append(piece)
        assert b"".join(pieces) == b"<<3456>>"
    handle.seek(0)
    assert handle.read(0) == b"" and handle.read() == b"<<3456>>"
    handle.close()
    with split.PartFile(path, split.Part(8, None, b"[")) as tail:
        assert tail.read() == b"[89"


# -- merge, against one reading, for any cut -------------------------------------------------------

_IDS = st.sampled_from(["A", "B", "C", "D"])
_STAY = st.builds(
    lambda stay_id, status, patient, day, hours: {
        "opphold_id": stay_id,
        "status": status,
        "pasient": {"id_type": PATIENTS[patient][0], "id": PATIENTS[patient][1]},
        "innleggelsestidspunkt": f"2025-03-{day:02d}T08:00:00",
        **({"utskrivningstidspunkt": f"2025-03-{day:02d}T{8 + hours:02d}:00:00"} if hours else {}),
    },
    _IDS, st.sampled_from(["N", "C", "M"]), st.integers(0, 1), st.integers(1, 9), st.integers(0, 12),
)


def _ctx() -> MessageContext:
    header = copy.deepcopy(HEADER)
    header["virksomhet"]["tjenestekommuner"] = ["4601", "1201"]
    return MessageContext(header=header, today=TODAY)


def _one_reading(cls, stays):
    check = cls(_ctx())
    hits = [h for i, s in enumerate(stays) for h in add_one_stay(check, i, s)]
    return hits + list(check.finish())


def _in_parts(cls, stays, cuts):
    bounds = [0, *sorted(set(cuts)), len(stays)]
    ctx = _ctx()
    first = cls(ctx)
    hits = [h for i, s in enumerate(stays[: bounds[1]]) for h in add_one_stay(first, i, s)]
    for start, end in zip(bounds[1:], bounds[2:]):
        part = cls(_ctx())
        found = [h for i, s in enumerate(stays[start:end]) for h in add_one_stay(part, i, s)]
        hits += first.merge(part, start, found)
    return hits + list(first.finish())


def _key(hits):
    return sorted((h.rule_id, h.pointer, json.dumps(h.params, sort_keys=True)) for h in hits)


@settings(max_examples=300, deadline=None)
@given(st.lists(_STAY, max_size=14), st.lists(st.integers(0, 14), max_size=3))
def test_stays_merge_equals_one_reading(stays, cuts):
    cuts = [c for c in cuts if 0 < c < len(stays)]
    assert _key(_in_parts(StaysInMessage, stays, cuts)) == _key(_one_reading(StaysInMessage, stays))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(2015, 2025), min_size=1, max_size=8), st.lists(st.integers(0, 8), max_size=2))
def test_service_municipalities_merge_equals_one_reading(years, cuts):
    stays = [{"opphold_id": f"S{i}", "innleggelsestidspunkt": f"{y}-06-01T08:00:00"} for i, y in enumerate(years)]
    cuts = [c for c in cuts if 0 < c < len(stays)]
    assert _key(_in_parts(ServiceMunicipalities, stays, cuts)) == _key(_one_reading(ServiceMunicipalities, stays))


# -- which files go to a pool of processes ---------------------------------------------------------


@pytest.fixture
def pool_spy(monkeypatch):
    from kad_spec.validation import engine as validate

    calls = []
    in_processes = validate._in_processes

    def counting(targets, *args):
        calls.append([p.name for p in targets])
        return in_processes(targets, *args)

    monkeypatch.setattr(validate, "_in_processes", counting)
    return calls


def test_small_inputs_start_no_pool(pool_spy):
    examples = ROOT / "examples"
    validator = Validator(Settings(today=TODAY))
    validator.validate_paths([examples / "kad-melding.json", examples / "kad-melding.xml"], jobs=2)
    assert pool_spy == []


def test_pool_and_split_together_give_the_report_of_one_process(tmp_path, monkeypatch, pool_spy, spy):
    monkeypatch.setattr(split, "POOL_BYTES", 0)
    big = tmp_path / "a-stor.json"
    big.write_text(_message(_tricky_stays(), tjenestekommuner=("4601",)), encoding="utf-8")
    for name in ("b.xml", "c.xml"):
        (tmp_path / name).write_bytes((ROOT / "examples" / "kad-melding.xml").read_bytes())
    (tmp_path / "d.json").write_text(_message([_stay(1), _stay(1)]), encoding="utf-8")
    # a-stor.json is as large as the split size: read in parts; the smaller files go to the pool.
    parallel = _report(tmp_path, jobs=2, split_bytes=big.stat().st_size)
    assert _report(tmp_path, jobs=1) == parallel
    assert pool_spy == [["b.xml", "c.xml", "d.json"]]
    assert spy, "the large file was not read in parts"
