"""`kad-spec example`: valid, realistic, deterministic, streaming; `--defect R` breaks exactly R."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from peak_memory import peak_kib

from kad_spec.spec.catalogue import catalogue
from kad_spec.codelists import load_codelists
from kad_spec.spec.findings import ERROR
from kad_spec.ids import orgnr, personnr
from kad_spec.tools.example import ExampleOptions, write_examples
from kad_spec.validation.engine import Settings, Validator
from kad_spec.message.xmlmap import from_xml, to_json, to_xml

TODAY = date.today()


def validate(path: Path):
    return Validator(Settings(today=TODAY)).validate_paths([path])


def errors(result) -> list:
    return [f for f in result.findings if f.severity == ERROR and not f.waived]


@pytest.mark.parametrize("year", list(range(2017, TODAY.year + 1)))
@pytest.mark.parametrize("seed", [1, 7])
def test_generated_messages_validate_without_errors(cli, tmp_path, year, seed):
    out = tmp_path / f"m.{'xml' if seed == 7 else 'json'}"
    result = cli("example", "--count", 60, "--seed", seed, "--year", year, "--out", out)
    assert result.exit_code == 0, result.output
    report = validate(out)
    assert report.stays == 60
    assert errors(report) == [], [(f.rule_id, f.pointer, f.params) for f in errors(report)]


def test_same_seed_same_bytes_other_seed_other_bytes(cli, tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert cli("example", "--count", 30, "--seed", seed, "--year", 2022, "--out", tmp_path / f"{name}.json").exit_code == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert (tmp_path / "a.json").read_bytes() != (tmp_path / "c.json").read_bytes()


def test_streamed_output_is_the_canonical_form(tmp_path):
    for fmt in ("json", "xml"):
        path = tmp_path / f"m.{fmt}"
        write_examples(ExampleOptions(count=40, seed=11, year=2021, format=fmt), path)
        data = path.read_bytes()
        doc = orjson.loads(data) if fmt == "json" else from_xml(data)
        assert (to_json(doc) if fmt == "json" else to_xml(doc)) == data


def test_json_and_xml_carry_the_same_message(tmp_path):
    write_examples(ExampleOptions(count=20, seed=4, year=2020, format="json"), tmp_path / "m.json")
    write_examples(ExampleOptions(count=20, seed=4, year=2020, format="xml"), tmp_path / "m.xml")
    assert to_json(from_xml((tmp_path / "m.xml").read_bytes())) == (tmp_path / "m.json").read_bytes()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("sample") / "m.json"
    write_examples(ExampleOptions(count=3000, seed=2, year=2019), path)
    return orjson.loads(path.read_bytes())


def test_realistic_shape(sample):
    stays = sample["opphold"]
    assert len(stays) == 3000
    ages = [s["pasient"]["alder"] for s in stays]
    assert sum(a >= 67 for a in ages) / len(ages) > 0.6
    discharged = [s for s in stays if "utskrivningstidspunkt" in s]
    assert 0 < len(stays) - len(discharged) < 60  # the last days' stays are still ongoing
    days = Counter(
        (datetime.fromisoformat(s["utskrivningstidspunkt"]).date() - datetime.fromisoformat(s["innleggelsestidspunkt"]).date()).days
        for s in discharged
    )
    assert set(days) <= {1, 2, 3}
    referred = Counter(s["henvist_fra"]["kategori"] for s in stays)
    assert referred["28"] / len(stays) > 0.5
    to = Counter(s["utskrevet_til"]["kategori"] for s in discharged)
    assert to["1"] / len(discharged) > 0.5
    systems = Counter(d["kodeverk"] for s in stays for d in s["innskrivningsdiagnoser"] + s.get("utskrivningsdiagnoser", []))
    assert systems["ICPC-2"] > 300 and systems["ICD-10"] > 300
    assert len({s["opphold_id"] for s in stays}) == len(stays)
    admissions = [s["innleggelsestidspunkt"] for s in stays]
    assert [a[:10] for a in admissions] == sorted(a[:10] for a in admissions)  # day by day, as sent
    assert all(a[11:13] != "02" for a in admissions)  # no local time near a DST change


def test_codes_and_municipalities_valid_on_the_stay_date(sample):
    lists = load_codelists()
    kommuner = lists["kommunenummer"]
    systems = {"ICPC-2": lists["icpc2"], "ICD-10": lists["icd10"]}
    served = sample["virksomhet"]["tjenestekommuner"]
    for code in served:
        assert kommuner.check(code, date(2019, 1, 1)).ok and kommuner.check(code, date(2019, 12, 31)).ok
    for stay in sample["opphold"]:
        day = datetime.fromisoformat(stay["innleggelsestidspunkt"]).date()
        assert kommuner.check(stay["pasient"]["bostedskommune"], day).ok
        for diagnosis in stay["innskrivningsdiagnoser"] + stay.get("utskrivningsdiagnoser", []):
            assert systems[diagnosis["kodeverk"]].check(diagnosis["kode"], day).ok, diagnosis


def test_synthetic_persons_agree_with_age_and_sex(sample):
    assert sample["meldingsinfo"]["miljo"] == "test"
    kinds = Counter()
    for stay in sample["opphold"]:
        patient = stay["pasient"]
        person = personnr.classify(patient["id"])
        assert person.synthetic, "only Tenor synthetic persons"
        assert person.kind == patient["id_type"]
        assert person.sex == patient["kjonn"]
        day = datetime.fromisoformat(stay["innleggelsestidspunkt"]).date()
        assert personnr.age_on(patient["id"], day) == patient["alder"]
        kinds[person.kind] += 1
    assert kinds["FNR"] > kinds["DNR"] > 0


def test_organisation_numbers_are_valid_test_numbers(sample):
    numbers = [sample["virksomhet"]["organisasjonsnummer"]]
    for stay in sample["opphold"]:
        for part in ("henvist_fra", "utskrevet_til"):
            if "organisasjonsnummer" in stay.get(part, {}):
                numbers.append(stay[part]["organisasjonsnummer"])
    assert len(numbers) > 100
    assert all(orgnr.is_valid(n) and n.startswith("3") for n in numbers)


def test_stays_per_message_splits_into_files(cli, tmp_path):
    result = cli("example", "--count", 25, "--stays-per-message", 10, "--year", 2024, "--out", tmp_path / "ut")
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "ut").iterdir())
    assert [len(orjson.loads(f.read_bytes())["opphold"]) for f in files] == [10, 10, 5]
    ids = [s["opphold_id"] for f in files for s in orjson.loads(f.read_bytes())["opphold"]]
    assert len(set(ids)) == 25
    assert len({orjson.loads(f.read_bytes())["meldingsinfo"]["melding_id"] for f in files}) == 3
    assert errors(validate(tmp_path / "ut")) == []


def test_zero_stays_is_a_valid_empty_message(cli, tmp_path):
    out = tmp_path / "tom.json"
    assert cli("example", "--count", 0, "--year", 2023, "--out", out).exit_code == 0
    assert "opphold" not in orjson.loads(out.read_bytes())
    assert errors(validate(out)) == []


def test_writes_to_stdout_by_default(cli):
    result = cli("example", "--count", 2, "--year", 2023)
    assert result.exit_code == 0
    assert len(orjson.loads(result.stdout_bytes)["opphold"]) == 2


@pytest.mark.parametrize("year", [2016, TODAY.year + 1])
def test_years_outside_the_register_are_usage_errors(cli, year):
    result = cli("example", "--count", 2, "--year", year)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_memory_does_not_grow_with_the_number_of_stays(tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kad_spec.tools.example import ExampleOptions, write_examples\n"
        "write_examples(ExampleOptions(count=int(sys.argv[1]), seed=1, year=2024), Path(sys.argv[2]))\n"
    )
    peaks = [peak_kib(script, str(count), str(tmp_path / f"m-{count}.json")) for count in (2000, 40000)]
    assert peaks[1] - peaks[0] < 15_000, peaks  # KiB: 20× the stays, about the same memory


# --- defects ------------------------------------------------------------------------------


def test_unknown_rule_is_usage_error(cli):
    result = cli("example", "--defect", "KAD-XX-999")
    assert result.exit_code == 2
    assert "ukjent regel" in result.stderr


def test_raw_defect_is_written_as_catalogued(cli, tmp_path):
    rule = catalogue()["KAD-FIL-002"]
    raw = next(ex for ex in rule.examples if ex.expect == "fail")
    out = tmp_path / "d.json"
    assert cli("example", "--defect", "KAD-FIL-002", "--out", out).exit_code == 0
    assert out.read_bytes() == raw.file_bytes()


def _defect_cases():
    return sorted(rule_id for rule_id, rule in catalogue().items() if rule.implementation.kind != "history")


def test_a_history_rule_has_no_single_defect_message(cli):
    result = cli("example", "--defect", "KAD-REG-001")
    assert result.exit_code == 2
    assert "historikkregel" in result.stderr


@pytest.mark.parametrize("rule_id", _defect_cases())
def test_defect_breaks_exactly_that_rule(cli, tmp_path, rule_id):
    out_dir = tmp_path / "d"
    out_dir.mkdir()
    result = cli("example", "--defect", rule_id, "--out", out_dir)
    assert result.exit_code == 0, result.output
    (written,) = list(out_dir.iterdir())
    report = validate(written)
    found = {f.rule_id for f in report.findings if f.severity == ERROR and not f.waived}
    rule = catalogue()[rule_id]
    if rule.severity == ERROR:
        assert found == {rule_id}, f"{rule_id}: {sorted(found)}"
    else:
        assert found == set(), f"{rule_id}: {sorted(found)}"
        assert rule_id in {f.rule_id for f in report.findings}


@pytest.mark.parametrize("rule_id", [r for r in _defect_cases() if any(
    ex.expect == "fail" and ex.raw is None for ex in catalogue()[r].examples)])
def test_defect_as_xml_breaks_the_same_rule_or_is_refused(cli, tmp_path, rule_id):
    out = tmp_path / f"{rule_id}.xml"
    result = cli("example", "--defect", rule_id, "--out", out)
    if result.exit_code == 2:
        assert "kan ikke uttrykkes i XML" in result.stderr
        return
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"<?xml")
    found = {f.rule_id for f in validate(out).findings if f.severity == ERROR and not f.waived}
    expected = {rule_id} if catalogue()[rule_id].severity == ERROR else set()
    assert found == expected, f"{rule_id}: {sorted(found)}"


def test_generated_messages_have_no_warnings_either(tmp_path):
    for year in (2017, 2020, 2024):
        write_examples(ExampleOptions(count=1500, seed=9, year=year), tmp_path / f"{year}.json")
    report = validate(tmp_path)
    assert report.stays == 4500
    assert [(f.rule_id, f.pointer) for f in report.findings] == []
