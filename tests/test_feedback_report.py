"""The feedback report from the register (``kad-spec report --db``) against figures the test knows.

Two sequences of daily messages from ``kad-spec example --daily`` (two units of one size and one
unit of another, two and a half years, with readmissions planted), one defect planted on top
(a correction the engine refuses, so that its stay keeps an open error), all taken into a
register. The true figures are worked out here from what was sent: the manifests
(``sekvens.jsonl``: which stays, which person, when each version was sent) and the messages
themselves (the latest version of each stay). Every figure of the register's sections is
checked against them at suppression thresholds 1 and 5; at 5 a figure is either the true one
or hidden, and hidden exactly when the suppression rule says.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import invoke
from kad_spec.register.keys import KEY_ENV

KEY = "5eed" * 16
OSLO = ZoneInfo("Europe/Oslo")
FIRST, LAST = date(2023, 1, 1), date(2025, 6, 30)
TODAY = LAST.isoformat()
SEQUENCES = {"store": ("--units", "2", "--count", "900", "--seed", "11"),
             "liten": ("--units", "1", "--count", "200", "--seed", "12")}
HOSPITAL, DECEASED = ("31", "34"), "2"
AGE_GROUPS = (("0–17", 0, 17), ("18–49", 18, 49), ("50–66", 50, 66), ("67–79", 67, 79), ("80+", 80, 200))


@pytest.fixture(scope="module", autouse=True)
def key():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, KEY)
        yield


# -- what was sent ------------------------------------------------------------------------------
class Stay:
    """One stay as sent: its latest version, its person, and when it and its discharge were first sent."""

    def __init__(self, unit: str, version: dict, person: str, first_sent: float, discharge_sent: float | None):
        self.unit, self.id, self.person = unit, version["opphold_id"], person
        self.admitted = instant(version["innleggelsestidspunkt"])
        self.admitted_day = datetime.fromisoformat(version["innleggelsestidspunkt"]).date()
        out = version.get("utskrivningstidspunkt")
        self.discharged = instant(out) if out else None
        self.discharged_day = datetime.fromisoformat(out).date() if out else None
        self.age, self.sex = version["pasient"].get("alder"), version["pasient"].get("kjonn")
        referred, to = version.get("henvist_fra") or {}, version.get("utskrevet_til") or {}
        self.referral = referred.get("kategori")
        self.referral_id = bool(referred.get("organisasjonsnummer") or referred.get("her_id"))
        self.destination = to.get("kategori") if out else None
        self.destination_id = bool(to.get("organisasjonsnummer") or to.get("her_id"))
        self.first_sent, self.discharge_sent = first_sent, discharge_sent

    @property
    def month(self) -> str:
        return self.admitted_day.isoformat()[:7]


def instant(text: str) -> float:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=OSLO)).timestamp()


def sent_stays(folder: Path) -> list[Stay]:
    """The stays the sequence in ``folder`` leaves, not cancelled, each in its latest version."""
    persons = {}
    for line in (folder / "sekvens.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["type"] == "opphold":
            persons[(record["virksomhet"], record["opphold_id"])] = record["person"]
    versions: dict[tuple, list[tuple[float, dict]]] = defaultdict(list)
    for path in sorted(folder.glob("*/*.json")):
        message = json.loads(path.read_text(encoding="utf-8"))
        unit, created = message["virksomhet"]["organisasjonsnummer"], instant(message["meldingsinfo"]["opprettet"])
        for stay in message.get("opphold", []):  # a day with nothing to send has no stays
            versions[(unit, stay["opphold_id"])].append((created, stay))
    stays = []
    for (unit, stay_id), sent in versions.items():
        sent.sort(key=lambda entry: entry[0])
        latest = sent[-1][1]
        if latest["status"] == "C":
            continue
        with_discharge = [created for created, version in sent if version.get("utskrivningstidspunkt")]
        stays.append(Stay(unit, latest, persons[(unit, stay_id)], sent[0][0], min(with_discharge, default=None)))
    return stays


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The register built from both sequences and the planted defect; the stays as sent; the defect's stay."""
    root = tmp_path_factory.mktemp("tilbakemelding")
    stays, folders = [], []
    for name, options in SEQUENCES.items():
        folder = root / name
        result = invoke("example", "--daily", "--from", FIRST.isoformat(), "--to", TODAY, *options,
                        "--readmissions", "0.15", "-o", folder)
        assert result.exit_code == 0, result.stderr
        stays += sent_stays(folder)
        folders.append(folder)
    assert len({s.unit for s in stays}) == 3
    defect, defect_stay = plant_defect(root, folders[0], stays)
    reported_late = plant_late_reports(root, folders, stays)
    url = f"sqlite:///{root / 'register.db'}"
    result = invoke("register", "ingest", "--db", url, *folders, reported_late)
    assert result.exit_code == 0, "\n".join(line for line in result.stdout.splitlines() if "avvist: " in line)
    result = invoke("register", "ingest", "--db", url, defect)
    assert result.exit_code == 1, result.stdout  # the planted defect is refused
    return {"url": url, "stays": stays, "defect": defect_stay, "root": root}


def plant_late_reports(root: Path, folders: list[Path], stays: list[Stay]) -> Path:
    """Per unit, three stays of June 2025 first reported on its last day (up to 13 days late),
    each a new synthetic person; added to ``stays`` as sent."""
    import random

    from kad_spec.ids import personnr

    rng = random.Random(7)
    messages = []
    for folder in folders:
        for unit_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
            template = json.loads(sorted(unit_folder.glob("2025-06-*.json"))[-1].read_text(encoding="utf-8"))
            created = f"{TODAY}T23:40:00+02:00"
            sent = []
            for index, day in enumerate((17, 20, 27)):
                number = personnr.synthetic(date(1940 + index, 3, 1 + index), "2", rng)
                home = next(s for s in template["opphold"])["pasient"]["bostedskommune"]
                patient = {"id_type": "FNR", "id": number, "kjonn": "2", "alder": personnr.age_on(number, date(2025, 6, day)),
                           "bostedskommune": home}
                stay = {"opphold_id": f"KAD-2025-900000{index}", "status": "N", "pasient": patient,
                        "innleggelsestidspunkt": f"2025-06-{day:02d}T10:00:00",
                        "utskrivningstidspunkt": f"2025-06-{day + 2:02d}T12:00:00",
                        "innskrivningsdiagnoser": [{"kodeverk": "ICPC-2", "kode": "R81"}],
                        "utskrivningsdiagnoser": [{"kodeverk": "ICD-10", "kode": "J189"}],
                        "henvist_fra": {"kategori": "28"}, "utskrevet_til": {"kategori": "1"}}
                sent.append(stay)
                stays.append(Stay(unit_folder.name, stay, f"sen-{unit_folder.name}-{index}", instant(created),
                                  instant(created)))
            message = {**template, "meldingsinfo": {**template["meldingsinfo"], "melding_id": str(uuid.uuid4()),
                                                    "opprettet": created}, "opphold": sent}
            messages.append(message)
    target = root / "sent"
    target.mkdir()
    for index, message in enumerate(messages):
        (target / f"{index}.json").write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    return target


def plant_defect(root: Path, folder: Path, stays: list[Stay]) -> tuple[Path, Stay]:
    """A correction of a discharged stay with a code that does not exist: the engine refuses it
    (KAD-DIA-003), the stay keeps the version it had, and its error stays open."""
    unit_folder = sorted(p for p in folder.iterdir() if p.is_dir())[0]
    chosen = next(s for s in sorted(stays, key=lambda s: s.id) if s.unit == unit_folder.name and s.discharged
                  and s.admitted_day.year == 2024)
    for path in sorted(unit_folder.glob("*.json")):
        message = json.loads(path.read_text(encoding="utf-8"))
        found = [s for s in message.get("opphold", []) if s["opphold_id"] == chosen.id and s.get("utskrivningstidspunkt")]
        if found:
            version = found[-1]
    message["meldingsinfo"]["melding_id"] = str(uuid.uuid4())
    message["meldingsinfo"]["opprettet"] = f"{TODAY}T23:45:00+02:00"
    message["opphold"] = [{**version, "status": "M", "utskrivningsdiagnoser": [{"kodeverk": "ICD-10", "kode": "Q999X"}]}]
    target = root / "feil.json"
    target.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    return target, chosen


def report(world, *args) -> dict:
    result = invoke("report", "--db", world["url"], "--format", "json", "--today", TODAY, *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- the true figures -----------------------------------------------------------------------------
def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def readmitted(stays: list[Stay]) -> dict[int, bool]:
    """id(stay) -> readmitted within 30 × 24 h, for stays discharged alive 30 days before the end."""
    end = datetime(LAST.year, LAST.month, LAST.day, tzinfo=ZoneInfo("UTC")).timestamp() + 86400
    by_person = defaultdict(list)
    for s in stays:
        by_person[s.person].append(s.admitted)
    found = {}
    for s in stays:
        if s.discharged is None or s.destination == DECEASED or s.discharged > end - 30 * 86400:
            continue
        found[id(s)] = any(s.discharged <= t <= s.discharged + 30 * 86400 for t in by_person[s.person])
    return found


def age_group(age) -> str:
    return next((label for label, low, high in AGE_GROUPS if age is not None and low <= age <= high), "ukjent")


def group_truth(members: list[Stay], flags: dict[int, bool]) -> dict:
    discharged = [s for s in members if s.discharged is not None]
    destined = [s for s in discharged if s.destination]
    told = [flags[id(s)] for s in members if id(s) in flags]
    n = len(members)
    return {
        "stays": n,
        "median": median([(s.discharged - s.admitted) / 86400 for s in discharged]),
        "to_hospital": (sum(s.destination in HOSPITAL for s in destined), len(destined)),
        "readmitted": (sum(told), len(told)),
        "referral": {c: (k, n) for c, k in Counter(s.referral or "ukjent" for s in members).items()},
        "age": {g: (k, n) for g, k in Counter(age_group(s.age) for s in members).items()},
        "sex": {c: (sum(s.sex == c for s in members), n) for c in ("1", "2")},
    }


def hours(sent: float | None, happened: float | None) -> float | None:
    return None if sent is None or happened is None else max(0.0, (sent - happened) / 3600)


def quality_truth(members: list[Stay], errors: set) -> dict:
    """The quality figures of ``members``: shares as (part, whole), medians of hours."""
    discharged = [s for s in members if s.discharged is not None and s.destination]
    reports = [h for s in members for h in (hours(s.first_sent, s.admitted), hours(s.discharge_sent, s.discharged))
               if h is not None]
    open_long = sum(1 for s in members if s.discharged is None and (LAST - s.admitted_day).days > 30)
    return {
        "stays": len(members),
        "referral_id": (sum(s.referral_id for s in members), len(members)),
        "destination_id": (sum(s.destination_id for s in discharged), len(discharged)),
        "with_errors": (sum((s.unit, s.id) in errors for s in members), len(members)),
        "admission_hours": [h for s in members if (h := hours(s.first_sent, s.admitted)) is not None],
        "discharge_hours": [h for s in members if (h := hours(s.discharge_sent, s.discharged)) is not None],
        "timely": (sum(h <= 48 for h in reports), len(reports)),
        "open_long": open_long,
    }


# -- comparing at a threshold ---------------------------------------------------------------------
def small(n: int, min_cell: int) -> bool:
    return 0 < n < min_cell


def check_share(shown: float | None, truth: tuple[int, int], min_cell: int, what: str) -> None:
    part, whole = truth
    hidden = whole == 0 or small(part, min_cell) or small(whole - part, min_cell)
    assert shown == (None if hidden else pct(part, whole)), (what, shown, truth)


def check_share_json(shown: dict, truth: tuple[int, int], min_cell: int, what: str) -> None:
    check_share(shown["percent"], truth, min_cell, what)
    if not shown["whole"]["suppressed"]:
        assert shown["whole"]["n"] == truth[1], what


def check_median(shown: float | None, values: list[float], min_cell: int, what: str) -> None:
    assert shown == (median(values) if len(values) >= min_cell else None), (what, shown, len(values))


def check_count(shown: dict, truth: int, min_cell: int, what: str) -> None:
    if shown["suppressed"]:
        assert truth > 0, what  # zero is never hidden
    else:
        assert shown["n"] == truth, (what, shown, truth)
    if small(truth, min_cell):
        assert shown["suppressed"], what


def check_line(cells: list[dict], truths: list[int], min_cell: int, what: str) -> None:
    """A line of a published table: every shown count true, every small one hidden, never one alone."""
    for index, (cell, truth) in enumerate(zip(cells, truths)):
        check_count(cell, truth, min_cell, f"{what}[{index}]")
    assert sum(c["suppressed"] for c in cells) != 1, what


# -- the tests --------------------------------------------------------------------------------------
THRESHOLDS = [1, 5]


@pytest.mark.parametrize("min_cell", THRESHOLDS)
def test_activity_over_the_years(world, min_cell):
    stays = world["stays"]
    for unit in [None, *sorted({s.unit for s in stays})]:
        members = [s for s in stays if unit is None or s.unit == unit]
        got = report(world, "--min-cell", str(min_cell), *(("--unit", unit) if unit else ()))
        years = Counter(s.admitted_day.year for s in members)
        per_year = got["over_time"]["per_year"]
        assert per_year["labels"] == ["2023", "2024", "2025"]
        check_line(per_year["cells"] + [per_year["total"]], [years[y] for y in (2023, 2024, 2025)] + [len(members)],
                   min_cell, f"per year {unit}")
        table = got["over_time"]["by_year_and_month"]
        months = Counter((s.admitted_day.year, s.admitted_day.month) for s in members)
        for year, cells, total in zip((2023, 2024, 2025), table["cells"], table["row_totals"]):
            check_line(cells + [total], [months[(year, m)] for m in range(1, 13)] + [years[year]], min_cell,
                       f"{year} {unit}")
        ytd = {row["measure"]: row for row in got["over_time"]["year_to_date"]["rows"]}
        assert got["over_time"]["year_to_date"]["from"] == "2025-01-01"
        for year, key in ((2025, "this_year"), (2024, "last_year")):
            span = (date(year, 1, 1), date(year, 6, 30))
            admitted = [s for s in members if span[0] <= s.admitted_day <= span[1]]
            out = sum(1 for s in members if s.discharged_day and span[0] <= s.discharged_day <= span[1])
            check_count(ytd["opphold"][key], len(admitted), min_cell, "ytd admitted")
            check_count(ytd["utskrevet"][key], out, min_cell, "ytd discharged")
            check_count(ytd["personer"][key], len({s.person for s in admitted}), min_cell, "ytd persons")
        now, before = ytd["opphold"]["this_year"]["n"], ytd["opphold"]["last_year"]["n"]
        if now is not None and before:
            assert ytd["opphold"]["change_percent"] == round(100.0 * (now - before) / before, 1)


@pytest.mark.parametrize("min_cell", THRESHOLDS)
def test_the_unit_against_similar_units_and_all(world, min_cell):
    stays = world["stays"]
    flags = readmitted(stays)
    assert sum(flags.values()) > 50  # readmissions were planted and are found
    sizes = Counter(s.unit for s in stays)
    for unit in sorted(sizes):
        got = report(world, "--min-cell", str(min_cell), "--unit", unit)
        similar = sorted(u for u, n in sizes.items() if 0.5 * sizes[unit] <= n <= 2 * sizes[unit])
        assert got["comparison"]["similar_units"] == len(similar)
        groups = {g["group"]: g for g in got["comparison"]["groups"]}
        members = {"enheten": [s for s in stays if s.unit == unit], "lignende": [s for s in stays if s.unit in similar],
                   "alle": stays}
        assert groups["alle"]["units"] == 3 and groups["enheten"]["units"] == 1
        for name, group in groups.items():
            truth = group_truth(members[name], flags)
            what = f"{unit} {name}"
            check_count(group["stays"], truth["stays"], min_cell, what)
            check_median(group["median_length_of_stay_days"], [(s.discharged - s.admitted) / 86400
                                                               for s in members[name] if s.discharged], min_cell, what)
            check_share_json(group["to_hospital"], truth["to_hospital"], min_cell, f"{what} to hospital")
            check_share_json(group["readmitted_30_days"], truth["readmitted"], min_cell, f"{what} readmitted")
            for part, key in (("referral", "category"), ("age", "group"), ("sex", "code")):
                shown = {entry[key]: entry for entry in group[part]}
                assert set(shown) >= {k for k, (n, _) in truth[part].items() if n}, (what, part)
                for label, entry in shown.items():
                    check_share_json(entry, truth[part].get(label, (0, truth["stays"])), min_cell, f"{what} {part} {label}")
    sizes_sorted = sorted(sizes.values())
    assert sizes_sorted[-1] > 2 * sizes_sorted[0]  # the small unit is not of similar size to the large ones


@pytest.mark.parametrize("min_cell", THRESHOLDS)
def test_data_quality_per_month_and_the_index(world, min_cell):
    stays, defect = world["stays"], world["defect"]
    errors = {(defect.unit, defect.id)}
    for unit in sorted({s.unit for s in stays}):
        got = report(world, "--min-cell", str(min_cell), "--unit", unit)
        members = [s for s in stays if s.unit == unit]
        months = sorted({s.month for s in members})
        per_month = got["quality_over_time"]["per_month"]
        assert [m["month"] for m in per_month] == months
        for row in per_month:
            truth = quality_truth([s for s in members if s.month == row["month"]], errors)
            what = f"{unit} {row['month']}"
            check_count(row["stays"], truth["stays"], min_cell, what)
            for name in ("referral_id", "destination_id", "with_errors", "timely"):
                check_share_json(row[name], truth[name], min_cell, f"{what} {name}")
            check_median(row["median_hours_admission_reported"], truth["admission_hours"], min_cell, f"{what} admission")
            check_median(row["median_hours_discharge_reported"], truth["discharge_hours"], min_cell, f"{what} discharge")
        truth = quality_truth(members, errors)
        [score] = got["quality_over_time"]["scores"]

        def shown(part: int, whole: int) -> float | None:
            return None if whole == 0 or small(part, min_cell) or small(whole - part, min_cell) else pct(part, whole)

        filled = [x for x in (shown(*truth["referral_id"]), shown(*truth["destination_id"])) if x is not None]
        components = {
            "completeness": round(sum(filled) / len(filled), 1) if filled else None,
            "validity": shown(truth["stays"] - truth["with_errors"][0], truth["stays"]),
            "timeliness": shown(*truth["timely"]),
            "closure": shown(truth["stays"] - truth["open_long"], truth["stays"]),
        }
        assert score["organisasjonsnummer"] == unit and score["components"] == components, unit
        values = [v for v in components.values() if v is not None]
        assert score["score"] == round(sum(values) / len(values), 1)
    with_error = [m for m in report(world, "--min-cell", "1", "--unit", defect.unit)["quality_over_time"]["per_month"]
                  if m["with_errors"]["part"]["n"]]
    assert [(m["month"], m["with_errors"]["part"]["n"]) for m in with_error] == [(defect.month, 1)]


@pytest.mark.parametrize("min_cell", THRESHOLDS)
def test_open_stays_and_open_findings(world, min_cell):
    stays, defect = world["stays"], world["defect"]
    everyone = report(world, "--min-cell", str(min_cell))
    for unit in sorted({s.unit for s in stays}):
        got = report(world, "--min-cell", str(min_cell), "--unit", unit)
        open_long = sum(1 for s in stays if s.unit == unit and s.discharged is None and (LAST - s.admitted_day).days > 30)
        check_count(got["data_quality"]["open_over_30_days"], open_long, min_cell, unit)
        rules = {r["rule_id"]: r for r in got["data_quality"]["rules"]}
        expected = {"KAD-REG-005": open_long, **({"KAD-DIA-003": 1} if unit == defect.unit else {})}
        assert {rule for rule, n in expected.items() if n} == set(rules), unit
        for rule, n in expected.items():
            if n:
                check_count(rules[rule]["stays"], n, min_cell, f"{unit} {rule}")
        check_count(got["quality_over_time"]["open_findings"], sum(expected.values()), min_cell, unit)
    total = sum(1 for s in stays if s.discharged is None and (LAST - s.admitted_day).days > 30) + 1
    assert total > 1
    check_count(everyone["quality_over_time"]["open_findings"], total, min_cell, "all")
    assert len(everyone["quality_over_time"]["scores"]) == 3 and everyone["register"]["unit"] is None


@pytest.mark.parametrize("min_cell", THRESHOLDS)
def test_length_of_stay_and_stays_per_unit(world, min_cell):
    stays = world["stays"]
    for unit in sorted({s.unit for s in stays}):
        got = report(world, "--min-cell", str(min_cell), "--unit", unit)
        members = [s for s in stays if s.unit == unit]
        check_count(got["stays"], len(members), min_cell, unit)
        lengths = [(s.discharged - s.admitted) / 86400 for s in members if s.discharged]
        check_median(got["activity"]["length_of_stay"]["median_days"], lengths, min_cell, unit)
        check_count(got["activity"]["length_of_stay"]["discharged"], len(lengths), min_cell, unit)


def test_the_tables_hold_the_sections_figures(world):
    """The JSON's tables are the sections' figures: the comparison and the index as examples."""
    got = report(world, "--min-cell", "1", "--unit", world["defect"].unit)
    tables = {t["id"]: t for t in got["tables"]}
    comparison = tables["sammenligning"]
    assert [c["id"] for c in comparison["columns"]] == ["mal", "enheten", "lignende", "alle"]
    readmitted_row = next(r for r in comparison["rows"] if r[0]["nb"].startswith("Innlagt igjen"))
    assert readmitted_row[1:] == [g["readmitted_30_days"]["percent"] for g in got["comparison"]["groups"]]
    [score] = got["quality_over_time"]["scores"]
    assert tables["kvalitetsindeks"]["rows"][0][2:] == [*score["components"].values(), score["score"]]


def test_a_period_limits_the_stays(world):
    stays = world["stays"]
    got = report(world, "--min-cell", "1", "--period", "2024-01-01..2024-12-31")
    assert got["register"]["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert got["stays"]["n"] == sum(1 for s in stays if s.admitted_day.year == 2024)
    assert got["over_time"]["per_year"]["labels"] == ["2024"]
    for bad in ("2024-01-01", "2024-13-01..2024-12-31", "2024-12-31..2024-01-01"):
        result = invoke("report", "--db", world["url"], "--period", bad)
        assert result.exit_code == 2 and "--period" in result.stderr, bad


# -- two cases made by hand -------------------------------------------------------------------------
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kad-melding.json"


def message(unit: str, created: str, *stays: dict) -> dict:
    template = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return {**template, "meldingsinfo": {**template["meldingsinfo"], "melding_id": str(uuid.uuid4()), "opprettet": created},
            "virksomhet": {**template["virksomhet"], "organisasjonsnummer": unit}, "opphold": list(stays)}


def the_stay(**changes) -> dict:
    """The example's first stay (admitted 2025-03-01 14:35, discharged 2025-03-04 10:00) with changes."""
    stay = json.loads(EXAMPLE.read_text(encoding="utf-8"))["opphold"][0]
    stay.update(changes)
    return {key: value for key, value in stay.items() if value is not None}


def write(folder: Path, name: str, document: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_version_kept_out_as_late_is_still_the_first_report(tmp_path):
    """The admission's N (made 5 h after admission) arrives after the discharge's M (made 30 h after
    the discharge): the register keeps the M, and the N still tells when the stay was first reported."""
    url = f"sqlite:///{tmp_path / 'register.db'}"
    admitted = write(tmp_path, "n.json", message("310000019", "2025-03-01T19:35:00+01:00",
                                                 the_stay(utskrivningstidspunkt=None, utskrivningsdiagnoser=None,
                                                          utskrevet_til=None)))
    discharged = write(tmp_path, "m.json", message("310000019", "2025-03-05T16:00:00+01:00", the_stay(status="M")))
    assert invoke("register", "ingest", "--db", url, discharged).exit_code == 0
    result = invoke("register", "ingest", "--db", url, admitted)
    assert "for gamle 1" in result.stdout, result.stdout
    got = json.loads(invoke("report", "--db", url, "--format", "json", "--min-cell", "1").stdout)
    [month] = got["quality_over_time"]["per_month"]
    assert (month["median_hours_admission_reported"], month["median_hours_discharge_reported"]) == (5.0, 30.0)
    assert month["timely"]["percent"] == 100.0


@pytest.mark.parametrize("days_after, readmitted", [(10, 100.0), (29, 100.0), (31, 0.0)])
def test_a_readmission_at_another_unit_counts(tmp_path, days_after, readmitted):
    url = f"sqlite:///{tmp_path / 'register.db'}"
    again = datetime(2025, 3, 4, 10, 0) + timedelta(days=days_after)
    from kad_spec.ids import personnr

    patient = the_stay()["pasient"]
    later = the_stay(opphold_id="KAD-2025-000900", innleggelsestidspunkt=again.isoformat(),
                     utskrivningstidspunkt=(again + timedelta(days=2)).isoformat(),
                     pasient={**patient, "alder": personnr.age_on(patient["id"], again.date())})
    first = write(tmp_path, "a.json", message("310000019", "2025-03-04T23:30:00+01:00", the_stay()))
    second = write(tmp_path, "b.json", message("310000035", (again + timedelta(days=3)).isoformat() + "+01:00", later))
    assert invoke("register", "ingest", "--db", url, first, second).exit_code == 0
    got = json.loads(invoke("report", "--db", url, "--unit", "310000019", "--format", "json", "--min-cell", "1",
                            "--today", "2025-06-30").stdout)
    own = next(g for g in got["comparison"]["groups"] if g["group"] == "enheten")
    assert own["readmitted_30_days"]["whole"]["n"] == 1 and own["readmitted_30_days"]["percent"] == readmitted


def test_postgresql_gives_the_same_report(world):
    """The same messages taken into PostgreSQL give the same report, byte for byte, as SQLite."""
    from register_stores import PostgresDatabase, require_server, server_url

    database = PostgresDatabase(server_url())
    database.create()
    require_server(database)
    try:
        root = world["root"]
        folders = [root / name for name in SEQUENCES]
        assert invoke("register", "ingest", "--db", database.url, *folders, root / "sent").exit_code == 0
        assert invoke("register", "ingest", "--db", database.url, root / "feil.json").exit_code == 1
        for args in (("--min-cell", "5"), ("--min-cell", "1", "--unit", world["defect"].unit)):
            on_postgres = invoke("report", "--db", database.url, "--format", "json", "--today", TODAY, *args)
            on_sqlite = invoke("report", "--db", world["url"], "--format", "json", "--today", TODAY, *args)
            assert on_postgres.exit_code == 0 and on_postgres.stdout == on_sqlite.stdout, args
    finally:
        database.drop()


def test_every_table_of_the_page_is_in_the_json_and_in_a_csv_file_with_the_same_figures(world, tmp_path):
    """One table, three forms: the HTML table with the table's id, the JSON's tables, <id>.csv."""
    import csv
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.current, self.cell = {}, None, None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.current = self.tables.setdefault(dict(attrs)["id"], [])
            elif tag == "tr" and self.current is not None:
                self.current.append([])
            elif tag in ("td", "th") and self.current is not None:
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.current[-1].append(self.cell)
                self.cell = None
            elif tag == "table":
                self.current = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    unit = world["defect"].unit
    for lang in ("nb", "en"):
        page, folder = tmp_path / f"rapport-{lang}.html", tmp_path / f"csv-{lang}"
        args = ("report", "--db", world["url"], "--unit", unit, "--today", TODAY, "--lang", lang)
        assert invoke(*args, "-o", page, "--csv", folder).exit_code == 0
        document = json.loads(invoke(*args, "--format", "json").stdout)
        parser = Tables()
        parser.feed(page.read_text(encoding="utf-8"))
        in_json = {t["id"]: t for t in document["tables"]}
        assert set(parser.tables) <= set(in_json) and {"sammenligning", "kvalitetsindeks", "hittil-i-ar"} <= set(parser.tables)
        assert {p.stem for p in folder.glob("*.csv")} == set(in_json)
        for table_id, rows in parser.tables.items():
            with open(folder / f"{table_id}.csv", encoding="utf-8", newline="") as handle:
                from_csv = list(csv.reader(handle))
            decimal = "," if lang == "nb" else "."
            as_page = [[cell.replace("–", "") if cell == "–" else cell for cell in row] for row in rows]
            as_csv = [[cell.replace(".", decimal) if cell.replace(".", "").replace("-", "").isdigit() else cell
                       for cell in row] for row in from_csv]
            assert as_page == as_csv, table_id
            assert len(from_csv) - 1 == len(in_json[table_id]["rows"]), table_id
        score_row = next(r for r in csv.reader(open(folder / "kvalitetsindeks.csv", encoding="utf-8")) if unit in r[0])
        [score] = document["quality_over_time"]["scores"]
        assert score_row[-1] == f"{score['score']:.1f}"


def test_the_csv_folder_is_never_one_the_report_did_not_make(world, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notat.txt").write_text("mitt", encoding="utf-8")
    result = invoke("report", "--db", world["url"], "--csv", foreign, "-o", tmp_path / "r.html", "--force")
    assert result.exit_code == 2 and (foreign / "notat.txt").read_text(encoding="utf-8") == "mitt"
    made = tmp_path / "csv"
    assert invoke("report", "--db", world["url"], "--csv", made, "-o", tmp_path / "r.html", "--force").exit_code == 0
    again = invoke("report", "--db", world["url"], "--csv", made, "-o", tmp_path / "r.html", "--force")
    assert again.exit_code == 0 and (made / "sammenligning.csv").is_file()
    refused = invoke("report", "--db", world["url"], "--csv", made, "-o", tmp_path / "r2.html")
    assert refused.exit_code == 2 and "--force" in refused.stderr


def test_a_stay_that_ends_as_it_begins_is_not_its_own_readmission(tmp_path):
    url = f"sqlite:///{tmp_path / 'register.db'}"
    instant = the_stay(utskrivningstidspunkt="2025-03-01T14:35:00")
    path = write(tmp_path, "a.json", message("310000019", "2025-03-01T23:30:00+01:00", instant))
    assert invoke("register", "ingest", "--db", url, path).exit_code == 0
    got = json.loads(invoke("report", "--db", url, "--format", "json", "--min-cell", "1", "--today", "2025-06-30").stdout)
    readmitted = got["comparison"]["groups"][-1]["readmitted_30_days"]
    assert (readmitted["whole"]["n"], readmitted["part"]["n"]) == (1, 0)
