"""``kad-spec example``: synthetic KAD messages with a realistic shape, and messages with one defect.

Shape (documented in docs/verktoy.md): ages skewed old (about three in four 67 or older),
stays of 1–3 days, common KAD diagnoses in both code systems (ICPC-2 at admission more often,
ICD-10 at discharge more often), municipalities valid in the chosen year, referrals mostly
from the GP/out-of-hours service (8404 code 28), discharges mostly home (7300 code 1).
Persons are Skatteetaten Tenor synthetic numbers (month + 80), with ``alder`` and ``kjonn``
taken from the number; organisations are test numbers starting with 3; ``miljo`` is test.

``count`` is the number of stays. By default they go into one message (one file); with
``stays_per_message`` they are split into several messages, one file each. Stays are written
one at a time (JSON and XML), so a file with a million stays never holds them all in memory.
The output is the canonical form of :mod:`kad_spec.message.xmlmap` byte for byte, and it is the same
for the same options (seed, year, count, format): the random generator is seeded from them.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO, Iterator

import orjson

from kad_spec.ids import orgnr, personnr
from kad_spec.spec.model import model
from kad_spec.spec.timeutil import OSLO

FIRST_YEAR = 2017  # KPR's KAD history starts 1.1.2017

# (value, weight) tables. Weights are shares in per cent, roughly as KAD reports describe.
AGE_BANDS = [((0, 17), 2), ((18, 49), 7), ((50, 66), 16), ((67, 79), 32), ((80, 89), 31), ((90, 102), 12)]
STAY_DAYS = [(1, 45), (2, 33), (3, 22)]
ADMISSION_HOURS = [(h, w) for h, w in zip(range(24), (
    2, 2, 0, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 7, 7, 6, 6, 5, 5, 4, 3, 2))]  # never 02: DST
# One condition: ICPC-2 (as the referring GP codes it) and ICD-10 (as the unit codes it).
CONDITIONS = [
    ("R81", "J189", 20), ("K77", "I509", 12), ("U71", "N390", 14), ("R95", "J441", 12),
    ("T11", "E86", 8), ("A04", "R53", 6), ("R78", "J209", 5), ("A78", "A419", 4),
    ("P20", "R410", 4), ("S76", "L039", 4), ("L75", "S720", 2), ("K90", "I639", 2),
]
REFERRED_FROM = [("28", 72), ("41", 9), ("88", 8), ("1", 4), ("9", 3), ("44", 2), ("42", 1), ("10", 1)]
DISCHARGED_TO = [("1", 74), ("35", 11), ("31", 8), ("21", 2), ("39", 2), ("2", 3)]
WITH_ORG_IDS = {"28", "41", "42", "44", "10", "31", "35", "21", "39"}
STREETS = ("Storgata", "Kirkegata", "Sykehusveien", "Helsetunet", "Legevaktveien", "Torget")


class ExampleError(ValueError):
    """The options cannot give a valid message (exit code 2), or the defect cannot be written."""


@dataclass(frozen=True)
class ExampleOptions:
    count: int = 10
    seed: int = 1
    year: int | None = None  # default: the last full year
    format: str = "json"
    stays_per_message: int | None = None
    until: datetime | None = None  # latest local time in the output (the CLI passes today 00:00)


class _Table:
    """Weighted choice with precomputed cumulative weights (fast for a million draws)."""

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))

    def pick(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def resolve(options: ExampleOptions, today: date | None = None) -> ExampleOptions:
    """Fill in the default year and check that the options can give a valid message."""
    today = today or date.today()
    year = options.year if options.year is not None else today.year - 1
    if options.count < 0:
        raise ExampleError("--count kan ikke være negativ")
    if options.stays_per_message is not None and options.stays_per_message < 1:
        raise ExampleError("--stays-per-message må være minst 1")
    if options.format not in ("json", "xml"):
        raise ExampleError(f"ukjent format «{options.format}»; bruk json eller xml")
    if year < FIRST_YEAR:
        raise ExampleError(f"KPR tar imot opphold fra {FIRST_YEAR}; velg et år fra og med {FIRST_YEAR}")
    if year > today.year:
        raise ExampleError(f"{year} er i framtiden; velg et år til og med {today.year}")
    return replace(options, year=year)


# --- the period and the header ------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime  # local, naive
    end: datetime  # local, naive: the message's opprettet

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def period_for(options: ExampleOptions) -> Period:
    start = datetime(options.year, 1, 1, 0, 0)
    end = datetime(options.year, 12, 31, 23, 30)
    if options.until is not None and options.until < end:
        end = options.until.replace(second=0, microsecond=0)
    if end <= start + timedelta(hours=6):
        raise ExampleError(f"perioden {start:%Y-%m-%d}–{end:%Y-%m-%d %H:%M} er for kort til å lage opphold i")
    return Period(start, end)


def with_offset(local: datetime) -> str:
    return local.replace(tzinfo=OSLO).isoformat(timespec="seconds")


class Municipalities:
    """Ordinary municipalities (no special codes) valid through the whole period."""

    def __init__(self, period: Period):
        from kad_spec.codelists import load_codelists

        codes = load_codelists()["kommunenummer"]
        first, last = period.start.date(), period.end.date()
        self.names = {}
        for entry in codes.all_entries():
            if entry.kind != "special" and entry.valid_on(first) and entry.valid_on(last):
                self.names[entry.code] = entry.text
        self.codes = sorted(self.names)
        if not self.codes:
            raise ExampleError(f"ingen kommunenummer er gyldige i {first.year}")

    def county_neighbours(self, code: str) -> list[str]:
        return [c for c in self.codes if c[:2] == code[:2] and c != code]


def build_virksomhet(rng: random.Random, places: Municipalities) -> dict:
    main = rng.choice(places.codes)
    extra = rng.sample(places.county_neighbours(main), k=min(rng.choice((0, 0, 1, 2)), len(places.county_neighbours(main))))
    served = [main, *sorted(extra)]
    kind = "Interkommunal" if len(served) > 1 else "Kommunal"
    name = places.names[main]
    return {
        "navn": f"{kind} akutt døgnenhet {name}",
        "organisasjonsnummer": orgnr.synthetic(rng),
        "her_id": str(rng.randint(10000, 9999999)),
        "adresse": {
            "adresselinje": f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            "postnummer": f"{rng.randint(1, 9999):04d}",
            "poststed": name.split(" - ")[0].upper(),
        },
        "tjenestekommuner": served,
    }


def build_meldingsinfo(rng: random.Random, period: Period) -> dict:
    return {
        "melding_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "spesifikasjonsversjon": model().version,
        "opprettet": with_offset(period.end),
        "miljo": "test",
        "kontaktperson": {"navn": "Kari Testesen", "telefon": "+47 22 00 00 00", "epost": "kad-test@example.no"},
    }


# --- stays --------------------------------------------------------------------------------


def _valid_conditions(first: date, last: date) -> list[tuple[str, str, int]]:
    """The conditions whose codes exist in both bundled code systems on ``first`` and on ``last``.

    A period of several years (``kad-spec example --daily``) must only use codes valid all through it."""
    from kad_spec.codelists import load_codelists

    lists = load_codelists()
    icpc, icd = lists["icpc2"], lists["icd10"]
    found = [c for c in CONDITIONS
             if all(icpc.check(c[0], on).ok and icd.check(c[1], on).ok for on in (first, last))]
    if not found:
        raise ExampleError(f"ingen av diagnosekodene i eksempelgeneratoren er gyldige hele perioden {first}–{last}")
    return found


PARTNERS = 25  # GP offices, out-of-hours services, hospitals and nursing homes per category


class StayFactory:
    def __init__(self, rng: random.Random, period: Period, places: Municipalities, served: list[str], year: int):
        self.rng = rng
        self.period = period
        self.places = places
        self.served = served
        self.year = year
        self.ages = _Table(AGE_BANDS)
        self.days = _Table(STAY_DAYS)
        self.hours = _Table(ADMISSION_HOURS)
        self.conditions = _Table([(c, c[2]) for c in _valid_conditions(period.start.date(), period.end.date())])
        self.referred = _Table(REFERRED_FROM)
        self.discharged = _Table(DISCHARGED_TO)
        self.used_ids: set[str] = set()
        self.partners: dict[str, list[tuple[str, str]]] = {}

    def admission(self, index: int, count: int) -> datetime:
        # Stratified over the period, so stays come in time order without sorting.
        span = self.period.seconds - 6 * 3600  # leave room before opprettet
        moment = self.period.start + timedelta(seconds=(index + self.rng.random()) * span / count)
        hour = self.hours.pick(self.rng)
        admitted = moment.replace(hour=hour, minute=self.rng.randrange(0, 60, 5), second=0, microsecond=0)
        return min(admitted, self.period.end - timedelta(hours=1))  # never after the message's opprettet

    def patient(self, admitted: date) -> dict:
        rng = self.rng
        low, high = self.ages.pick(rng)
        age = rng.randint(low, high)
        birthday = _same_day_years_before(admitted, age)
        birth = birthday - timedelta(days=rng.randrange(0, 365))
        sex = "2" if rng.random() < 0.53 else "1"
        d_number = rng.random() < 0.06
        number = personnr.synthetic(birth, sex, rng, d_number=d_number)
        tries = 0
        while number in self.used_ids:  # one person per stay: no chance overlaps of "the same patient"
            tries += 1
            if tries % 8 == 0:  # every number of this birth date may be taken: move the birthday
                birth -= timedelta(days=1)
                age = admitted.year - birth.year - ((admitted.month, admitted.day) < (birth.month, birth.day))
            number = personnr.synthetic(birth, sex, rng, d_number=d_number)
        self.used_ids.add(number)
        home = self.served[0] if rng.random() < 0.6 else rng.choice(self.served)
        if rng.random() < 0.1:
            home = rng.choice(self.places.codes)
        return {"id_type": "DNR" if d_number else "FNR", "id": number, "kjonn": sex, "alder": age, "bostedskommune": home}

    def diagnoses(self, condition, icpc_share: float, extra_share: float) -> list[dict]:
        rng = self.rng
        found = [condition]
        if rng.random() < extra_share:
            other = self.conditions.pick(rng)
            if other != condition:
                found.append(other)
        return [
            {"kodeverk": "ICPC-2", "kode": c[0]} if rng.random() < icpc_share else {"kodeverk": "ICD-10", "kode": c[1]}
            for c in found
        ]

    def organisation(self, category: str) -> dict:
        """Ids of a referrer or receiver, drawn from the few services a unit works with."""
        ids: dict = {}
        if category in WITH_ORG_IDS and self.rng.random() < 0.3:
            number, her_id = self.rng.choice(self._partners(category))
            ids["organisasjonsnummer"] = number
            if self.rng.random() < 0.5:
                ids["her_id"] = her_id
        return ids

    def _partners(self, category: str) -> list[tuple[str, str]]:
        if category not in self.partners:
            self.partners[category] = [
                (orgnr.synthetic(self.rng), str(self.rng.randint(10000, 9999999))) for _ in range(PARTNERS)
            ]
        return self.partners[category]

    def stay(self, index: int, count: int) -> dict:
        rng = self.rng
        admitted = self.admission(index, count)
        discharged = (admitted + timedelta(days=self.days.pick(rng))).replace(
            hour=rng.randint(9, 15), minute=rng.randrange(0, 60, 5))
        condition = self.conditions.pick(rng)
        referred = self.referred.pick(rng)
        stay = {
            "opphold_id": f"KAD-{self.year}-{index + 1:07d}",
            "status": "M" if rng.random() < 0.05 else "N",
            "pasient": self.patient(admitted.date()),
            "innleggelsestidspunkt": admitted.isoformat(timespec="seconds"),
        }
        ongoing = discharged > self.period.end
        if not ongoing:
            stay["utskrivningstidspunkt"] = discharged.isoformat(timespec="seconds")
        stay["innskrivningsdiagnoser"] = self.diagnoses(condition, icpc_share=0.6, extra_share=0.1)
        if not ongoing:
            stay["utskrivningsdiagnoser"] = self.diagnoses(condition, icpc_share=0.2, extra_share=0.25)
        stay["henvist_fra"] = {"kategori": referred, **self.organisation(referred)}
        if not ongoing:
            to = self.discharged.pick(rng)
            stay["utskrevet_til"] = {"kategori": to, **self.organisation(to)}
        return stay


def _same_day_years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


# --- messages -----------------------------------------------------------------------------


@dataclass
class Plan:
    """What one run writes: a header per message and the stays, generated lazily."""

    options: ExampleOptions
    period: Period
    virksomhet: dict
    factory: StayFactory
    rng: random.Random

    def message_sizes(self) -> list[int]:
        count, size = self.options.count, self.options.stays_per_message
        if not size:
            return [count]
        sizes = [size] * (count // size) + ([count % size] if count % size else [])
        return sizes or [0]

    def header(self) -> dict:
        return {"meldingsinfo": build_meldingsinfo(self.rng, self.period), "virksomhet": self.virksomhet}

    def stays(self, first: int, size: int) -> Iterator[dict]:
        for index in range(first, first + size):
            yield self.factory.stay(index, self.options.count)


def plan(options: ExampleOptions) -> Plan:
    options = resolve(options)
    rng = random.Random(f"kad-spec-example:{options.seed}:{options.year}:{options.count}")
    period = period_for(options)
    places = Municipalities(period)
    virksomhet = build_virksomhet(rng, places)
    factory = StayFactory(rng, period, places, virksomhet["tjenestekommuner"], options.year)
    return Plan(options, period, virksomhet, factory, rng)


def _json_stay(stay: dict) -> bytes:
    text = orjson.dumps(stay, option=orjson.OPT_INDENT_2)
    return b"    " + text.replace(b"\n", b"\n    ")


def write_json_message(out: BinaryIO, header: dict, stays: Iterator[dict]) -> int:
    """Write canonical JSON (as :func:`kad_spec.message.xmlmap.to_json`) one stay at a time."""
    head = orjson.dumps(header, option=orjson.OPT_INDENT_2)
    written = 0
    for stay in stays:
        if written == 0:
            out.write(head[:-2] + b',\n  "opphold": [\n')
        else:
            out.write(b",\n")
        out.write(_json_stay(stay))
        written += 1
    out.write(b"\n  ]\n}\n" if written else head + b"\n")
    return written


def write_xml_message(out: BinaryIO, header: dict, stays: Iterator[dict]) -> int:
    """Write canonical XML (as :func:`kad_spec.message.xmlmap.to_xml`) one stay at a time."""
    from kad_spec.message.xmlmap import to_xml

    m = model()
    closing = f"</{m.root.name}>\n".encode()
    head = to_xml(header, m)
    out.write(head[: -len(closing)])
    written = 0
    for stay in stays:
        one = to_xml({"opphold": [stay]}, m)
        start = one.index(b">\n", len(b'<?xml version="1.0" encoding="UTF-8"?>\n')) + 2
        out.write(one[start: -len(closing)])
        written += 1
    out.write(closing)
    return written


def write_examples(options: ExampleOptions, out: Path | BinaryIO, force: bool = False) -> list[Path]:
    """Write the messages; ``out`` is a file (one message), a directory (several) or a stream.

    Existing files are replaced only with ``force``; each file is renamed into place when complete."""
    from kad_spec.output.files import check_target, open_atomic

    p = plan(options)
    writer = write_xml_message if p.options.format == "xml" else write_json_message
    sizes = p.message_sizes()
    if not isinstance(out, Path):
        if len(sizes) > 1:
            raise ExampleError("flere meldinger (--stays-per-message) må skrives til en mappe med --out")
        writer(out, p.header(), p.stays(0, sizes[0]))
        return []
    targets = _targets(out, p.options, len(sizes))
    for target in targets:
        check_target(target, force=force)  # all of them before the first is written
    first = 0
    for target, size in zip(targets, sizes):
        with open_atomic(target, force=force) as handle:
            writer(handle, p.header(), p.stays(first, size))
        first += size
    return targets


def _targets(out: Path, options: ExampleOptions, messages: int) -> list[Path]:
    from kad_spec.output.files import inside

    if options.stays_per_message is None:
        if out.is_dir():
            return [inside(out, f"kad-eksempel-{options.year}-{options.seed}.{options.format}")]
        if not out.parent.is_dir():
            raise ExampleError(f"mappen {out.parent} finnes ikke")
        return [out]
    if out.exists() and not out.is_dir():
        raise ExampleError(f"{out} er en fil; med --stays-per-message må --out være en mappe")
    out.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(messages)))
    return [inside(out, f"kad-eksempel-{options.year}-{options.seed}-{n + 1:0{width}d}.{options.format}")
            for n in range(messages)]


# --- defects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Defect:
    rule_id: str
    data: bytes
    format: str
    description: str


def defect(rule_id: str, fmt: str | None = None) -> Defect:
    """A message that breaks exactly ``rule_id``: the rule's first failing catalogue example.

    Patch examples are applied to the base example (``examples/kad-melding.json``) they were
    written against; ``raw`` examples are the whole file as catalogued (their own format).
    """
    from kad_spec.spec.catalogue import catalogue

    rules = catalogue()
    rule = rules.get(rule_id)
    if rule is None:
        close = sorted(r for r in rules if r.split("-")[:2] == rule_id.split("-")[:2]) or sorted(rules)
        raise ExampleError(f"ukjent regel «{rule_id}»; kjente regler er blant annet {', '.join(close[:12])}")
    if rule.implementation.kind == "history":
        raise ExampleError(f"{rule_id} er en historikkregel: den brytes av en rekke meldinger, ikke av én melding; "
                           "eksempelsekvensene står i regelkatalogen (model/rules/register.yaml)")
    failing = [ex for ex in rule.examples if ex.expect == "fail"]
    if not failing:
        raise ExampleError(f"regel {rule_id} har ikke noe eksempel som skal avvises i katalogen")
    example = failing[0]
    if example.envelope is not None:
        return _envelope_defect(rule_id, example, fmt)
    if example.raw is not None:
        if fmt and fmt != example.format:
            raise ExampleError(f"feilen for {rule_id} gjelder selve filen og finnes bare som {example.format.upper()}")
        return Defect(rule_id, example.file_bytes(), example.format, example.description)
    doc = _patched_base(rule_id, example.patch)
    if (fmt or "json") == "json":
        return Defect(rule_id, orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE), "json", example.description)
    return Defect(rule_id, _defect_as_xml(rule_id, doc), "xml", example.description)


def _envelope_defect(rule_id: str, example, fmt: str | None) -> Defect:
    """An envelope rule's example: its edits applied to the bundled enveloped example (XML only)."""
    from kad_spec.message.envelope import apply_edits
    from kad_spec.spec.resources import examples_dir

    if fmt == "json":
        raise ExampleError(f"feilen for {rule_id} gjelder hodemeldingen, som bare finnes som XML")
    base = (examples_dir() / "konvolutt-kad-melding.xml").read_bytes()
    return Defect(rule_id, apply_edits(base, example.envelope), "xml", example.description)


def _patched_base(rule_id: str, patch) -> dict:
    from kad_spec.spec.resources import examples_dir
    from kad_spec.spec.patch import PatchError, apply_patch

    base = orjson.loads((examples_dir() / "kad-melding.json").read_bytes())
    try:
        return apply_patch(base, patch)
    except (PatchError, KeyError) as exc:
        raise ExampleError(f"eksempelet for {rule_id} passer ikke til grunneksempelet: {exc}") from None


def _defect_as_xml(rule_id: str, doc: dict) -> bytes:
    """The patched message as XML, kept only if the validator still finds exactly that rule.

    XML cannot carry every JSON defect (the text "84" and the number 84 look the same), so the
    XML is checked, not assumed: it must give ``rule_id`` and no other error.
    """
    data = permissive_xml(doc)
    if not _breaks_exactly(rule_id, data):
        raise ExampleError(f"feilen for {rule_id} kan ikke uttrykkes i XML; bruk --format json")
    return data


def permissive_xml(doc: dict) -> bytes:
    """XML for a message that may break the model: unknown elements are written too, after the known."""
    from lxml import etree

    from kad_spec.message.xmlmap import XML_DECLARATION

    m = model()
    root = etree.Element(f"{{{m.namespace}}}{m.root.name}", nsmap={None: m.namespace})
    _fill_any(root, doc, m.root, m)
    etree.indent(root, space="  ")
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"


def _fill_any(elem, obj, cls, m) -> None:
    from lxml import etree

    from kad_spec.message.walk import members

    if not isinstance(obj, dict):
        elem.text = _xml_text(obj)
        return
    for member in members(obj, cls, "", m):
        for value in member.value if isinstance(member.value, list) else [member.value]:
            child = etree.SubElement(elem, f"{{{m.namespace}}}{member.name}")
            _fill_any(child, value, member.cls, m)


def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _breaks_exactly(rule_id: str, data: bytes) -> bool:
    import tempfile

    from kad_spec.spec.catalogue import catalogue
    from kad_spec.spec.findings import ERROR
    from kad_spec.validation.engine import Validator

    with tempfile.TemporaryDirectory(prefix="kad-spec-defect-") as tmp:
        path = Path(tmp) / "defect.xml"
        path.write_bytes(data)
        findings = Validator().validate_file(path).findings
    errors = {f.rule_id for f in findings if f.severity == ERROR}
    expected = {rule_id} if catalogue()[rule_id].severity == ERROR else set()
    return errors == expected and rule_id in {f.rule_id for f in findings}
