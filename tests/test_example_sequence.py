"""`kad-spec example --daily`: a period of daily messages per unit, and a manifest that tells their truth.

Everything is checked against the files themselves, read back as a register would read them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from kad_spec.ids import orgnr, personnr
from kad_spec.message.xmlmap import from_xml, to_json
from kad_spec.tools.sequence import MANIFEST, read_sequence_manifest

PERIOD = ("--from", "2025-01-01", "--to", "2025-03-31")
DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:_(forsinket|gjentatt)_(\d{4}-\d{2}-\d{2}))?\.(json|xml)$")


def write(cli, out: Path, *args):
    result = cli("example", "--daily", *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def sequence(cli, tmp_path_factory) -> Path:
    """Three units over a quarter, 20 stays a day each (the default)."""
    return write(cli, tmp_path_factory.mktemp("sekvens") / "ut", *PERIOD, "--units", 3, "--seed", 1)


@pytest.fixture(scope="module")
def manifest(sequence) -> dict:
    return read_sequence_manifest(sequence)


def all_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def unit_files(folder: Path, unit: str) -> list[tuple[str, bytes, dict]]:
    """The unit's messages in file-name order (the order of delivery), each as (name, bytes, JSON)."""
    found = []
    for path in sorted((folder / unit).iterdir()):
        data = path.read_bytes()
        found.append((path.name, data, orjson.loads(data) if path.suffix == ".json" else from_xml(data)))
    return found


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


class History:
    """A unit's files read back: the distinct messages, and each stay's versions in order of `opprettet`."""

    def __init__(self, files: list[tuple[str, bytes, dict]]):
        self.files = files
        self.messages: dict[str, dict] = {}
        self.repeats, self.late = [], []
        newest = None
        for name, data, doc in files:
            info = doc["meldingsinfo"]
            if info["melding_id"] in self.messages:
                self.repeats.append(name)
                continue
            self.messages[info["melding_id"]] = doc
            made = when(info["opprettet"])
            if newest is not None and made < newest:
                self.late.append(info["melding_id"])
            newest = max(newest or made, made)
        self.ordered = sorted(self.messages.values(), key=lambda doc: when(doc["meldingsinfo"]["opprettet"]))
        self.versions: dict[str, list[tuple[str, dict]]] = {}
        for doc in self.ordered:
            day = doc["meldingsinfo"]["opprettet"][:10]
            for stay in doc.get("opphold", []):
                self.versions.setdefault(stay["opphold_id"], []).append((day, stay))
        self.last_created = when(self.ordered[-1]["meldingsinfo"]["opprettet"]).replace(tzinfo=None)

    def final(self) -> dict[str, dict]:
        return {stay_id: versions[-1][1] for stay_id, versions in self.versions.items()}

    def truth(self) -> dict:
        final = self.final()
        kept = [s for s in final.values() if s["status"] != "C"]
        open_ = [s for s in kept if "utskrivningstidspunkt" not in s]
        return {
            "meldinger": len(self.messages), "filer": len(self.files), "forsinket": len(self.late),
            "gjentatt": len(self.repeats), "opphold": len(final),
            "opphold_per_ar": dict(sorted(Counter(s["innleggelsestidspunkt"][:4] for s in kept).items())),
            "annullert": len(final) - len(kept), "korrigert": sum(map(corrected, self.versions.values())),
            "utskrevet": len(kept) - len(open_), "apne_ved_slutt": len(open_),
            "apne_over_30_dogn_ved_slutt": sum(
                self.last_created - when(s["innleggelsestidspunkt"]) > timedelta(days=30) for s in open_),
            "versjoner": dict(Counter(s["status"] for vs in self.versions.values() for _, s in vs)),
            "siste_opprettet": self.ordered[-1]["meldingsinfo"]["opprettet"],
        }


def corrected(versions: list[tuple[str, dict]]) -> bool:
    discharge = [s["utskrivningsdiagnoser"] for _, s in versions if "utskrivningsdiagnoser" in s and s["status"] != "C"]
    return any(a != b for a, b in zip(discharge, discharge[1:]))


def histories(folder: Path, manifest: dict) -> dict[str, History]:
    return {unit: History(unit_files(folder, unit)) for unit in manifest["virksomheter"]}


# --- the files ----------------------------------------------------------------------------


def test_same_options_same_bytes_other_seed_other_bytes(cli, tmp_path):
    args = ("--from", "2024-03-20", "--to", "2024-04-10", "--units", 2, "--count", 300)
    first = all_files(write(cli, tmp_path / "a", *args, "--seed", 3))
    assert len(first) > 40
    assert all_files(write(cli, tmp_path / "b", *args, "--seed", 3)) == first
    other = all_files(write(cli, tmp_path / "c", *args, "--seed", 4))
    assert other[MANIFEST] != first[MANIFEST]


def test_a_unit_does_not_depend_on_how_many_units_there_are(cli, tmp_path):
    args = ("--from", "2024-05-01", "--to", "2024-05-14", "--count", 100, "--seed", 8)
    one = write(cli, tmp_path / "en", *args, "--units", 1)
    two = write(cli, tmp_path / "to", *args, "--units", 2)
    (unit,) = read_sequence_manifest(one)["virksomheter"]
    assert unit in read_sequence_manifest(two)["virksomheter"]
    assert all_files(one / unit) == all_files(two / unit)


def test_every_file_validates_without_errors_or_warnings(cli, sequence):
    result = cli("validate", "--format", "json", sequence)
    assert result.exit_code == 0, result.output[:2000]
    summary = orjson.loads(result.stdout)["summary"]
    assert (summary["errors"], summary["warnings"]) == (0, 0)
    assert summary["files"] == sum(1 for p in sequence.rglob("*.json") if p.name != MANIFEST)


def test_one_message_per_unit_per_day_in_files_named_by_unit_then_day(sequence, manifest):
    units = manifest["virksomheter"]
    assert len(units) == 3
    assert {p.name for p in sequence.iterdir()} == {".kad-spec-example", MANIFEST, *units}
    for unit in units:
        assert orgnr.is_valid(unit) and unit.startswith("3")
        days = []
        for name, _, doc in unit_files(sequence, unit):
            delivered, kind, day = DAY_FILE.match(name).group(1, 2, 3)
            assert doc["virksomhet"]["organisasjonsnummer"] == unit
            assert doc["meldingsinfo"]["opprettet"][:10] == (day or delivered)
            if kind != "gjentatt":
                days.append(day or delivered)
        assert sorted(days) == [str(date(2025, 1, 1) + timedelta(days=n)) for n in range(90)]


def test_each_message_has_its_own_id_and_is_made_at_half_past_eleven(sequence, manifest):
    ids = set()
    for unit in manifest["virksomheter"]:
        for doc in History(unit_files(sequence, unit)).messages.values():
            info = doc["meldingsinfo"]
            ids.add(info["melding_id"])
            assert info["opprettet"][10:] in ("T23:30:00+01:00", "T23:30:00+02:00")
            assert info["miljo"] == "test"
    assert len(ids) == 270


def test_a_stay_keeps_its_person_and_admission_from_n_to_m(sequence, manifest):
    kinds = Counter()
    for unit in manifest["virksomheter"]:
        for versions in History(unit_files(sequence, unit)).versions.values():
            (day, first), rest = versions[0], versions[1:]
            assert first["status"] == "N"
            assert all(s["pasient"] == first["pasient"] for _, s in rest)
            assert all(s["innleggelsestidspunkt"] == first["innleggelsestidspunkt"] for _, s in rest)
            assert [s["status"] for _, s in rest] in (["M"] * len(rest), ["M"] * (len(rest) - 1) + ["C"])
            assert personnr.classify(first["pasient"]["id"]).synthetic
            discharged = "utskrivningstidspunkt" in first
            kinds["N with discharge, sent once" if discharged and not rest else
                  "N with discharge" if discharged else "N while in"] += 1
            if not discharged:
                assert "utskrivningsdiagnoser" not in first and "utskrevet_til" not in first
                admitted = when(first["innleggelsestidspunkt"])
                assert day in (str(admitted.date()), str(admitted.date() + timedelta(days=1)))
    assert kinds["N while in"] > 10 * kinds["N with discharge, sent once"] > 0


def test_xml_carries_the_same_messages(cli, tmp_path):
    args = ("--from", "2025-06-01", "--to", "2025-06-20", "--count", 200, "--seed", 2)
    as_json = write(cli, tmp_path / "json", *args)
    as_xml = write(cli, tmp_path / "xml", *args, "--format", "xml")
    assert cli("validate", as_xml).exit_code == 0
    json_files = {k: v for k, v in all_files(as_json).items() if k.endswith(".json") and k != MANIFEST}
    xml_files = {k: v for k, v in all_files(as_xml).items() if k.endswith(".xml")}
    assert len(json_files) == len(xml_files) >= 20
    for name, data in xml_files.items():
        assert to_json(from_xml(data)) == json_files[name[:-4] + ".json"]
    assert read_sequence_manifest(as_xml)["sekvens"]["format"] == "xml"


# --- the manifest -------------------------------------------------------------------------


def test_every_kind_of_history_is_planted(manifest):
    totals = Counter()
    for unit in manifest["virksomheter"].values():
        totals.update({k: v for k, v in unit["fasit"].items() if isinstance(v, int)})
    for figure in ("forsinket", "gjentatt", "annullert", "korrigert", "apne_over_30_dogn_ved_slutt"):
        assert totals[figure] > 0, figure
    assert totals["opphold"] == 3 * 90 * 20


def test_the_truth_figures_are_those_of_the_files(sequence, manifest):
    for unit, history in histories(sequence, manifest).items():
        fasit = dict(manifest["virksomheter"][unit]["fasit"])
        assert fasit.pop("virksomhet") == unit
        assert history.truth() == fasit


def test_the_late_and_repeated_messages_are_those_of_the_files(sequence, manifest):
    for unit, history in histories(sequence, manifest).items():
        messages = manifest["virksomheter"][unit]["meldinger"]
        assert {m["melding_id"] for m in messages} == set(history.messages)
        assert sorted(m["melding_id"] for m in messages if m["forsinket"]) == sorted(history.late)
        repeated = [f for m in messages if m["gjentatt"] for f in m["filer"][1:]]
        assert sorted(repeated) == sorted(f"{unit}/{name}" for name in history.repeats)
        files = {f"{unit}/{name}": data for name, data, _ in history.files}
        for message in messages:
            assert len({files[f] for f in message["filer"]}) == 1  # a repeat is the same bytes
            assert orjson.loads(files[message["filer"][0]])["meldingsinfo"]["opprettet"] == message["opprettet"]


def test_each_stay_in_the_manifest_has_the_history_of_the_files(sequence, manifest):
    for unit, history in histories(sequence, manifest).items():
        records = {r["opphold_id"]: r for r in manifest["virksomheter"][unit]["opphold"]}
        assert set(records) == set(history.versions)
        handles: dict[str, str] = {}
        for stay_id, versions in history.versions.items():
            record, last = records[stay_id], versions[-1][1]
            assert record["sendt"] == [[s["status"], day] for day, s in versions]
            assert record["innlagt"] == last["innleggelsestidspunkt"]
            assert record["annullert"] == (last["status"] == "C")
            assert record["korrigert"] == corrected(versions)
            assert record["utskrevet"] == last.get("utskrivningstidspunkt")
            assert record["apen_ved_slutt"] == (not record["annullert"] and record["utskrevet"] is None)
            person = last["pasient"]["id"]
            assert handles.setdefault(record["person"], person) == person  # one handle, one person


def test_the_manifest_holds_no_personal_id(sequence, manifest):
    text = (sequence / MANIFEST).read_bytes()
    ids = {s["pasient"]["id"] for unit in manifest["virksomheter"]
           for vs in History(unit_files(sequence, unit)).versions.values() for _, s in vs}
    assert len(ids) > 5000
    assert not [i for i in ids if i.encode() in text]
    assert not re.search(rb"(?<![0-9a-z])\d{11}(?![0-9a-z])", text)  # nor anything like one (handles are hex)


def test_reading_the_files_in_order_of_delivery_gives_the_same_register(sequence, manifest):
    """A register that applies a version only if it is newer (by opprettet) ends with the truth,
    though late messages bring it versions of stays it does not know yet, and older versions."""
    surprises = Counter()
    for unit, history in histories(sequence, manifest).items():
        register: dict[str, tuple[datetime, dict]] = {}
        seen = set()
        for _, _, doc in history.files:
            info = doc["meldingsinfo"]
            if info["melding_id"] in seen:
                continue
            seen.add(info["melding_id"])
            made = when(info["opprettet"])
            for stay in doc.get("opphold", []):
                current = register.get(stay["opphold_id"])
                if current is None:
                    surprises["unknown " + stay["status"]] += stay["status"] != "N"
                    if stay["status"] != "C":
                        register[stay["opphold_id"]] = (made, stay)
                elif current[1]["status"] == "C":
                    surprises["after C"] += 1
                elif made > current[0]:
                    register[stay["opphold_id"]] = (made, stay)
                else:
                    surprises["older"] += 1
        assert {k: v for k, (_, v) in register.items()} == history.final()
    assert surprises["unknown M"] > 0 and surprises["older"] > 0
    assert surprises["unknown C"] == surprises["after C"] == 0


# --- options ------------------------------------------------------------------------------


@pytest.mark.parametrize("args, says", [
    (("--from", "2025-02-01", "--to", "2025-01-31"), "er etter --to"),
    (("--format", "yaml"), "--format"),
    (("--from", "1.1.2025"), "ÅÅÅÅ-MM-DD"),
    (("--from", "2016-12-31", "--to", "2017-01-10"), "2017"),
    (("--to", str(date.today())), "før i dag"),
    (("--defect", "KAD-TID-001"), "--defect"),
    (("--year", "2024"), "--year"),
])
def test_bad_options_are_usage_errors(cli, tmp_path, args, says):
    result = cli("example", "--daily", *args, "-o", tmp_path / "ut")
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "ut").exists()


def test_period_options_need_daily_and_daily_needs_a_folder(cli):
    result = cli("example", "--from", "2025-01-01")
    assert result.exit_code == 2 and "bare med --daily" in result.stderr
    result = cli("example", "--daily")
    assert result.exit_code == 2 and "--out" in result.stderr


def test_an_existing_folder_is_replaced_only_with_force_and_only_if_ours(cli, tmp_path):
    args = ("--from", "2025-01-01", "--to", "2025-01-05", "--count", 20)
    out = write(cli, tmp_path / "ut", *args)
    result = cli("example", "--daily", *args, "-o", out)
    assert result.exit_code == 2 and "--force" in result.stderr
    write(cli, out, *args, "--seed", 2, "--force")
    assert read_sequence_manifest(out)["sekvens"]["seed"] == 2
    (out / "mitt.json").write_text("{}")
    result = cli("example", "--daily", *args, "-o", out, "--force")
    assert result.exit_code == 2 and "mitt.json" in result.stderr
    assert (out / "mitt.json").exists()


def test_memory_does_not_grow_with_the_number_of_stays(tmp_path):
    script = (
        "import resource, sys\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from kad_spec.tools.sequence import SequenceOptions, write_sequence\n"
        "write_sequence(SequenceOptions(date(2023, 1, 1), date(2023, 12, 31), count=int(sys.argv[1])), Path(sys.argv[2]))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    peaks = []
    for count in (3000, 60000):
        done = subprocess.run([sys.executable, "-c", script, str(count), str(tmp_path / f"s-{count}")],
                              capture_output=True, text=True, check=True)
        peaks.append(int(done.stdout.strip()))
    assert peaks[1] - peaks[0] < 15_000, peaks  # KiB: 20× the stays, about the same memory
