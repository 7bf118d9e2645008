"""``kad-spec example --daily``: daily messages of one or more units over a period, and their truth.

What a unit sends (docs/verktoy.md says the same in bokmål):

- One message per unit per day, ``opprettet`` at 23:30 local time (with its offset), each with
  a melding_id of its own from the seeded generator. A day with nothing to send is a message
  without stays.
- Every event goes into the first daily message made after it. A stay is sent with status N
  when the patient is admitted (without discharge data while the patient is in), and again
  with status M (same opphold_id, person and admission time) when the patient is discharged.
  A stay admitted and discharged before the same message (the short stays of a few hours) is
  sent once, as N with its discharge data. An admission after 23:30 goes into the next day's.
- Planted history, one draw per stay or per message (:class:`Rates`): corrections (a later M,
  1–5 days after the discharge, that changes the first discharge diagnosis); cancellations (C
  of a stay sent by mistake, 1–3 days after it was first sent, carrying the last version sent;
  nothing more is sent for that stay); forgotten discharges (the M is never sent, so the stay
  is still open more than 30 days after admission at the end); late messages (a day's message
  delivered 2–4 days later, in a file named by the day it came, after the message of a later
  day); repeated deliveries (the same bytes again the next day under another name). A C always
  comes after every earlier version of its stay has been delivered (after a late one, the day
  after it came), so that the true history does not depend on the order a register reads the
  files in. Late messages, repeats and cancellations are history, not file errors: every file
  is valid on its own.
- Files, in name order the order of delivery, unit by unit: ``<orgnr>/<day>.json`` for a
  message delivered on its own day, ``<orgnr>/<delivered>_forsinket_<day>.json`` for a late one,
  ``<orgnr>/<delivered>_gjentatt_<day>.json`` for a repeat.
- The manifest ``sekvens.jsonl`` (JSON Lines, so never read as a message) says what was
  planted and what a register should end with (see :func:`read_sequence_manifest`); it holds
  no personal id, only opphold_id and a keyed handle per person.

The same options give the same files, byte for byte: each unit has its own generators, seeded
from the options and the unit's number (so unit 1 is the same whatever ``--units`` says).
Memory stays flat: stays are made in order of admission and dropped once their last message is
written; only the stays with something left to send (a few days' worth) are held.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO, Callable

import orjson

from kad_spec.tools.example import (
    FIRST_YEAR,
    ExampleError,
    Municipalities,
    Period,
    StayFactory,
    build_meldingsinfo,
    build_virksomhet,
    with_offset,
    write_json_message,
    write_xml_message,
)

MESSAGE_TIME = time(23, 30)  # each day's message is made then
STAYS_PER_DAY = 20  # per unit, when no --count is given
OPEN_LIMIT = timedelta(days=30)  # KAD-REG-005: open longer than this at the unit's last message
FORGOTTEN_MARGIN = timedelta(days=32)  # a forgotten discharge is planted only this long before the end
MANIFEST = "sekvens.jsonl"
MARKER = ".kad-spec-example"  # lists the files a run wrote, so that --force replaces only ours
MANIFEST_VERSION = 1
READMISSION_WINDOW = timedelta(days=29)  # well inside the register's 30 × 24 hours
DECEASED = "2"  # Volven 7300 "Som død"
DISCHARGE_FIELDS = ("utskrivningstidspunkt", "utskrivningsdiagnoser", "utskrevet_til")


@dataclass(frozen=True)
class Rates:
    """How often each thing is planted: per stay (the first four, one draw) or per message."""

    short_stay: float = 0.05  # a stay of 3–8 hours: often sent once, as N with discharge
    correction: float = 0.02
    cancellation: float = 0.01
    forgotten: float = 0.003  # the discharge is never sent
    late: float = 0.03
    repeat: float = 0.02
    readmission: float = 0.0  # a new stay of a person discharged alive from the unit in the last 29 days

    def story(self, draw: float) -> str | None:
        """What happens to a stay, from one draw in [0, 1): each of the three rates is a slice of it."""
        for story, rate in (("forgotten", self.forgotten), ("cancellation", self.cancellation),
                            ("correction", self.correction)):
            if draw < rate:
                return story
            draw -= rate
        return None

    def manifest(self) -> dict:
        rates = {"korttid": self.short_stay, "korreksjon": self.correction, "annullering": self.cancellation,
                 "glemt_utskrivning": self.forgotten, "forsinket": self.late, "gjentatt": self.repeat}
        if self.readmission:  # only when planted: the manifest of a sequence without stays as it was
            rates["gjeninnleggelse"] = self.readmission
        return rates


@dataclass(frozen=True)
class SequenceOptions:
    first: date
    last: date
    units: int = 1
    count: int | None = None  # stays per unit over the period; default STAYS_PER_DAY a day
    seed: int = 1
    format: str = "json"
    rates: Rates = field(default_factory=Rates)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class SequenceResult:
    folder: Path
    units: int
    messages: int
    files: int
    stays: int


def resolve_sequence(options: SequenceOptions, today: date | None = None) -> SequenceOptions:
    """Check the options (ExampleError, exit code 2) and fill in the number of stays."""
    today = today or date.today()
    if options.first > options.last:
        raise ExampleError(f"--from {options.first} er etter --to {options.last}; velg en periode som begynner før den slutter")
    if options.first < date(FIRST_YEAR, 1, 1):
        raise ExampleError(f"KPR tar imot opphold fra 1.1.{FIRST_YEAR}; velg --from fra og med {FIRST_YEAR}-01-01")
    if options.last >= today:
        raise ExampleError(f"--to {options.last} er ikke før i dag, og dagens melding lages kl. 23.30; "
                           f"velg --to til og med {today - timedelta(days=1)}")
    if options.units < 1:
        raise ExampleError("--units må være minst 1")
    if options.count is not None and options.count < 0:
        raise ExampleError("--count kan ikke være negativ")
    if options.format not in ("json", "xml"):
        raise ExampleError(f"ukjent format «{options.format}»; bruk json eller xml")
    _check_rates(options.rates)
    return replace(options, count=options.count if options.count is not None else STAYS_PER_DAY * options.days)


def _check_rates(rates: Rates) -> None:
    for name, value in asdict(rates).items():
        if not 0 <= value <= 1:
            raise ExampleError(f"raten {name} må være mellom 0 og 1")
    if rates.correction + rates.cancellation + rates.forgotten > 1:
        raise ExampleError("korreksjon, annullering og glemt utskrivning kan til sammen ikke være mer enn 1")


def write_sequence(options: SequenceOptions, folder: Path, force: bool = False) -> SequenceResult:
    """Write the daily messages and the manifest into ``folder`` (built beside it, then swapped in).

    An existing folder is replaced only with ``force``, and only if it holds nothing but an
    earlier run's files (:func:`kad_spec.output.files.replace_folder`)."""
    from kad_spec.output.files import OutputRefused, check_owned_folder, replace_folder

    options = resolve_sequence(options)
    folder = Path(folder)
    check_owned_folder(folder, MARKER)
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise OutputRefused(f"{folder} finnes fra før og er ikke tom; bruk --force for å erstatte den")
    totals: list[_Truth] = []
    replace_folder(folder, lambda staging: totals.extend(_write_all(options, staging)), MARKER, "# kad-spec example --daily")
    return SequenceResult(folder, options.units, sum(t.messages for t in totals), sum(t.files for t in totals),
                          sum(t.stays for t in totals))


def _write_all(options: SequenceOptions, folder: Path) -> list["_Truth"]:
    first = datetime.combine(options.first, time())
    period = Period(first, datetime.combine(options.last, MESSAGE_TIME))
    places = Municipalities(period)
    handles = _Handles(options.seed)
    truths, taken = [], set()
    with open(folder / MANIFEST, "wb") as manifest:
        manifest.write(_line({"type": "sekvens", "versjon": MANIFEST_VERSION, "fra": options.first.isoformat(),
                              "til": options.last.isoformat(), "virksomheter": options.units,
                              "opphold_per_virksomhet": options.count, "seed": options.seed,
                              "format": options.format, "meldingstid": MESSAGE_TIME.isoformat("minutes"),
                              "rater": options.rates.manifest()}))
        for unit in range(1, options.units + 1):
            truths.append(_Unit(options, unit, period, places, handles, taken, folder, manifest).write())
    return truths


def _line(record: dict) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


class _Handles:
    """A person's handle in the manifest: a keyed hash of the id, so that the manifest holds none.

    The key comes from the seed and is written nowhere; it is no secret (the persons are synthetic)."""

    def __init__(self, seed: int):
        self.key = random.Random(f"kad-spec-sequence-handles:{seed}").getrandbits(256).to_bytes(32, "big")

    def of(self, id_type: str, number: str) -> str:
        return "p-" + hmac.new(self.key, f"{id_type}:{number}".encode(), hashlib.sha256).hexdigest()[:16]


def _age_at(patient: dict, day: date) -> int:
    """The person's age on ``day``, from the birth date the id gives (the age sent before if none)."""
    from kad_spec.ids import personnr

    age = personnr.age_on(patient["id"], day)
    return patient["alder"] if age is None else age


def message_day(moment: datetime) -> date:
    """The day whose message first carries what happened at ``moment`` (local time)."""
    return moment.date() if moment.time() <= MESSAGE_TIME else moment.date() + timedelta(days=1)


def created(day: date) -> datetime:
    return datetime.combine(day, MESSAGE_TIME)


# --- one stay and its history -------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Stay:
    """A stay as it will be sent, and the days it is sent on: (day, kind), kind N, M, K (correction) or C."""

    admitted: datetime
    full: dict  # every field, status N; with the discharge data if the patient is discharged
    sends: list[tuple[date, str]]
    discharged_at_first: bool  # the discharge is in the first message: sent once, as N
    corrected: dict | None = None
    last: dict | None = None

    @property
    def cancelled(self) -> bool:
        return self.sends[-1][1] == "C"

    @property
    def discharge_sent(self) -> bool:
        return self.discharged_at_first or any(kind in ("M", "K") for _, kind in self.sends)

    def version(self, kind: str) -> dict:
        if kind == "N":
            sent = self.full if self.discharged_at_first else {k: v for k, v in self.full.items() if k not in DISCHARGE_FIELDS}
        elif kind == "M":
            sent = {**self.full, "status": "M"}
        elif kind == "K":
            sent = self.corrected
        else:
            sent = {**self.last, "status": "C"}
        self.last = sent
        return sent


@dataclass
class _Truth:
    """What one unit's register should hold at the end: the manifest's ``fasit``."""

    messages: int = 0
    files: int = 0
    late: int = 0
    repeated: int = 0
    stays: int = 0
    per_year: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    corrected: int = 0
    discharged: int = 0
    open_at_end: int = 0
    open_over_limit: int = 0
    versions: dict[str, int] = field(default_factory=lambda: {"N": 0, "M": 0, "C": 0})
    last_created: str = ""

    def record(self, unit: str) -> dict:
        return {"type": "fasit", "virksomhet": unit, "meldinger": self.messages, "filer": self.files,
                "forsinket": self.late, "gjentatt": self.repeated, "opphold": self.stays,
                "opphold_per_ar": dict(sorted(self.per_year.items())), "annullert": self.cancelled,
                "korrigert": self.corrected, "utskrevet": self.discharged, "apne_ved_slutt": self.open_at_end,
                "apne_over_30_dogn_ved_slutt": self.open_over_limit, "versjoner": self.versions,
                "siste_opprettet": self.last_created}


class _Unit:
    """One unit's messages, day by day, with its lines in the manifest."""

    def __init__(self, options: SequenceOptions, number: int, period: Period, places: Municipalities,
                 handles: _Handles, taken: set[str], folder: Path, manifest: BinaryIO):
        base = f"kad-spec-sequence:{options.seed}:{options.first}:{options.last}:{options.count}:{number}"
        self.rng = random.Random(base)
        self.messages_rng = random.Random(base + ":meldinger")
        self.options, self.rates, self.period, self.handles = options, options.rates, period, handles
        self.virksomhet = self._unique_virksomhet(places, taken)
        self.orgnr = self.virksomhet["organisasjonsnummer"]
        self.factory = StayFactory(self.rng, period, places, self.virksomhet["tjenestekommuner"], options.first.year)
        self.folder = folder / self.orgnr
        self.manifest = manifest
        self.writer: Callable = write_xml_message if options.format == "xml" else write_json_message
        self.pending: dict[date, list[tuple[_Stay, str]]] = {}
        self.releases: dict[date, list[str]] = {}  # persons free again from the day after
        self.numbers: dict[int, int] = {}  # opphold_id counter per admission year
        self.late, self.repeats = self._deliveries()
        self.truth = _Truth()
        self.recent: list[tuple[datetime, date, dict]] = []  # (discharged, delivered, patient) for readmissions

    def _unique_virksomhet(self, places: Municipalities, taken: set[str]) -> dict:
        while True:  # two units never share an organisation number
            virksomhet = build_virksomhet(self.rng, places)
            if virksomhet["organisasjonsnummer"] not in taken:
                taken.add(virksomhet["organisasjonsnummer"])
                return virksomhet

    def _deliveries(self) -> tuple[dict[date, date], dict[date, date]]:
        """Which days' messages come late (day → the day delivered) and which come twice (→ the day again).

        Drawn before the stays, so that a cancellation can be put after a late version of its
        stay. A late message comes 2–4 days late, always after the message of a later day: the
        day it is delivered on is never late itself. A late message is not repeated."""
        rng, last = self.messages_rng, self.options.last
        late: dict[date, date] = {}
        repeats: dict[date, date] = {}
        late_into: set[date] = set()
        day = self.options.first
        while day <= last:
            is_late, again, delay = rng.random() < self.rates.late, rng.random() < self.rates.repeat, rng.randint(2, 4)
            if is_late and day <= last - timedelta(days=2) and day not in late_into:
                late[day] = min(day + timedelta(days=delay), last)
                late_into.add(late[day])
            elif again:
                repeats[day] = min(day + timedelta(days=1), last)
            day += timedelta(days=1)
        return late, repeats

    def write(self) -> _Truth:
        self.folder.mkdir()
        self.manifest.write(_line({"type": "virksomhet", "organisasjonsnummer": self.orgnr,
                                   "navn": self.virksomhet["navn"], "her_id": self.virksomhet["her_id"]}))
        count, index = self.options.count, 0
        upcoming = self._plan(0) if count else None
        day = self.options.first
        while day <= self.options.last:
            for number in self.releases.pop(day - timedelta(days=1), ()):
                self.factory.used_ids.discard(number)
            while upcoming is not None and upcoming.admitted.date() <= day:  # admitted by today: sent today or later
                self._schedule(upcoming)
                index += 1
                upcoming = self._plan(index) if index < count else None
            self._send(day)
            day += timedelta(days=1)
        self.manifest.write(_line(self.truth.record(self.orgnr)))
        return self.truth

    # -- planning a stay ---------------------------------------------------------------

    def _plan(self, index: int) -> _Stay:
        rng, rates = self.rng, self.rates
        admitted = self.factory.admission(index, self.options.count)
        story = rates.story(rng.random())
        discharged = self._discharge(admitted)
        forgotten = story == "forgotten" and admitted <= self.period.end - FORGOTTEN_MARGIN
        full = self._stay(admitted, None if forgotten else discharged)
        first = message_day(admitted)
        sends = [(first, "N")]
        out = None if forgotten or message_day(discharged) > self.options.last else message_day(discharged)
        if out is not None and out != first:
            sends.append((out, "M"))
        stay = _Stay(admitted, full, sends, discharged_at_first=out == first)
        if story == "cancellation":
            self._cancel(stay, first + timedelta(days=rng.randint(1, 3)))
        elif story == "correction" and out is not None:
            self._correct(stay, out + timedelta(days=rng.randint(1, 5)))
        return stay

    def _discharge(self, admitted: datetime) -> datetime:
        rng = self.rng
        if rng.random() < self.rates.short_stay:
            out = admitted + timedelta(minutes=rng.randrange(180, 485, 5))
            return out + timedelta(hours=1) if out.hour == 2 else out  # no local time near a DST change
        return (admitted + timedelta(days=self.factory.days.pick(rng))).replace(hour=rng.randint(9, 15),
                                                                              minute=rng.randrange(0, 60, 5))

    def _stay(self, admitted: datetime, discharged: datetime | None) -> dict:
        """The stay with every field it will have (status N), built as StayFactory.stay builds one."""
        factory, rng = self.factory, self.rng
        year = admitted.year
        self.numbers[year] = self.numbers.get(year, 0) + 1
        condition = factory.conditions.pick(rng)
        referred = factory.referred.pick(rng)
        stay = {"opphold_id": f"KAD-{year}-{self.numbers[year]:07d}", "status": "N",
                "pasient": self._readmitted(admitted) or factory.patient(admitted.date()),
                "innleggelsestidspunkt": admitted.isoformat(timespec="seconds")}
        if discharged is not None:
            stay["utskrivningstidspunkt"] = discharged.isoformat(timespec="seconds")
        stay["innskrivningsdiagnoser"] = factory.diagnoses(condition, icpc_share=0.6, extra_share=0.1)
        if discharged is not None:
            stay["utskrivningsdiagnoser"] = factory.diagnoses(condition, icpc_share=0.2, extra_share=0.25)
        stay["henvist_fra"] = {"kategori": referred, **factory.organisation(referred)}
        if discharged is not None:
            to = factory.discharged.pick(rng)
            stay["utskrevet_til"] = {"kategori": to, **factory.organisation(to)}
        release = discharged.date() if discharged is not None else None
        if release is not None:  # a forgotten stay keeps its person: it never ends
            self.releases.setdefault(release, []).append(stay["pasient"]["id"])
            if self.rates.readmission and stay["utskrevet_til"]["kategori"] != DECEASED:
                out = message_day(discharged)
                self.recent.append((discharged, self.late.get(out, out), stay["pasient"]))
        return stay

    def _readmitted(self, admitted: datetime) -> dict | None:
        """With the readmission rate, the patient of a stay discharged alive 1 hour to 29 days
        before ``admitted``, whose person is in no other stay, and whose discharge was delivered
        before this admission is first sent (so that the register never sees the two overlap);
        with the age the person has now. None: a new person."""
        if not self.rates.readmission:
            return None  # no draw: the same options give the same files as before the rate existed
        self.recent = [entry for entry in self.recent if admitted - entry[0] < READMISSION_WINDOW]
        if self.rng.random() >= self.rates.readmission:
            return None
        first_sent = message_day(admitted)
        free = [entry for entry in self.recent if entry[0] <= admitted - timedelta(hours=1)
                and entry[1] < first_sent and entry[2]["id"] not in self.factory.used_ids]
        if not free:
            return None
        entry = self.rng.choice(free)
        self.recent.remove(entry)
        patient = entry[2]
        self.factory.used_ids.add(patient["id"])
        return {**patient, "alder": _age_at(patient, admitted.date())}

    def _cancel(self, stay: _Stay, day: date) -> None:
        """Cancelled on ``day`` (if in the period); what would have come after is never sent.

        The C comes after every earlier version of the stay has been delivered: if one of them
        is in a late message, the C waits for the day after it. Otherwise a register reading the
        files in order would see a C before the stay, and what it keeps then would depend on how
        it records a C it cannot apply; the truth must not."""
        while True:
            kept = [send for send in stay.sends if send[0] < day]
            delivered = max(self.late.get(sent, sent) for sent, _ in kept)
            if delivered < day:
                break
            day = delivered + timedelta(days=1)
        if day <= self.options.last:
            stay.sends = kept + [(day, "C")]

    def _correct(self, stay: _Stay, day: date) -> None:
        """A later M on ``day`` (if in the period) with another first discharge diagnosis."""
        if day > self.options.last:
            return
        diagnoses = stay.full["utskrivningsdiagnoser"]
        first, codes = diagnoses[0], {d["kode"] for d in diagnoses}
        column = 0 if first["kodeverk"] == "ICPC-2" else 1
        for _ in range(20):  # another common condition; give up if there is none
            code = self.factory.conditions.pick(self.rng)[column]
            if code not in codes:
                changed = [{"kodeverk": first["kodeverk"], "kode": code}, *diagnoses[1:]]
                stay.corrected = {**stay.full, "status": "M", "utskrivningsdiagnoser": changed}
                stay.sends.append((day, "K"))
                return

    def _schedule(self, stay: _Stay) -> None:
        for day, kind in stay.sends:
            self.pending.setdefault(day, []).append((stay, kind))
        self._count(stay)
        self.manifest.write(_line(self._stay_record(stay)))

    def _count(self, stay: _Stay) -> None:
        truth, full = self.truth, stay.full
        truth.stays += 1
        if stay.cancelled:
            truth.cancelled += 1
        else:
            year = full["innleggelsestidspunkt"][:4]
            truth.per_year[year] = truth.per_year.get(year, 0) + 1
            truth.discharged += stay.discharge_sent
            truth.open_at_end += not stay.discharge_sent
            truth.open_over_limit += self._open_over_limit(stay)
        truth.corrected += stay.corrected is not None and not stay.cancelled
        for _, kind in stay.sends:
            truth.versions["M" if kind == "K" else kind] += 1

    def _open_over_limit(self, stay: _Stay) -> bool:
        return not stay.cancelled and not stay.discharge_sent and self.period.end - stay.admitted > OPEN_LIMIT

    def _stay_record(self, stay: _Stay) -> dict:
        full, patient = stay.full, stay.full["pasient"]
        return {"type": "opphold", "virksomhet": self.orgnr, "opphold_id": full["opphold_id"],
                "person": self.handles.of(patient["id_type"], patient["id"]),
                "innlagt": full["innleggelsestidspunkt"],
                "utskrevet": full.get("utskrivningstidspunkt") if stay.discharge_sent else None,
                "sendt": [["M" if kind == "K" else kind, day.isoformat()] for day, kind in stay.sends],
                "annullert": stay.cancelled, "korrigert": stay.corrected is not None and not stay.cancelled,
                "glemt_utskrivning": "utskrivningstidspunkt" not in full,
                "apen_ved_slutt": not stay.cancelled and not stay.discharge_sent,
                "apen_over_30_dogn": self._open_over_limit(stay)}

    # -- one day's message -------------------------------------------------------------

    def _send(self, day: date) -> None:
        entries = sorted(self.pending.pop(day, ()), key=lambda entry: entry[0].full["opphold_id"])
        stays = [stay.version(kind) for stay, kind in entries]
        made = created(day)
        header = {"meldingsinfo": build_meldingsinfo(self.messages_rng, Period(datetime.combine(day, time()), made)),
                  "virksomhet": self.virksomhet}
        delivered, repeated = self.late.get(day, day), self.repeats.get(day)
        names = [self._name(delivered, "" if delivered == day else "forsinket", day)]
        if repeated is not None:
            names.append(self._name(repeated, "gjentatt", day))
        target = self.folder / names[0]
        with open(target, "wb") as out:
            self.writer(out, header, iter(stays))
        for name in names[1:]:
            shutil.copyfile(target, self.folder / name)
        self._note_message(day, delivered, header, names, len(stays))

    def _name(self, delivered: date, kind: str, day: date) -> str:
        suffix = f"_{kind}_{day.isoformat()}" if kind else ""
        return f"{delivered.isoformat()}{suffix}.{self.options.format}"

    def _note_message(self, day: date, delivered: date, header: dict, names: list[str], stays: int) -> None:
        truth, info = self.truth, header["meldingsinfo"]
        truth.messages += 1
        truth.files += len(names)
        truth.late += delivered != day
        truth.repeated += len(names) - 1
        truth.last_created = info["opprettet"]
        self.manifest.write(_line({
            "type": "melding", "virksomhet": self.orgnr, "dag": day.isoformat(), "melding_id": info["melding_id"],
            "opprettet": info["opprettet"], "opphold": stays, "levert": delivered.isoformat(),
            "forsinket": delivered != day, "gjentatt": len(names) > 1,
            "filer": [f"{self.orgnr}/{name}" for name in names]}))


# --- reading the manifest -----------------------------------------------------------------


def read_sequence_manifest(folder: Path) -> dict:
    """The manifest of ``folder`` gathered per unit.

    ``{"sekvens": {...}, "virksomheter": {orgnr: {"virksomhet": {...}, "opphold": [...],
    "meldinger": [...], "fasit": {...}}}}`` (a yearly history of 600 000 stays makes a large
    dict; read the JSON Lines yourself to stream it)."""
    gathered: dict = {"sekvens": None, "virksomheter": {}}
    groups = {"opphold": "opphold", "melding": "meldinger"}
    with open(Path(folder) / MANIFEST, "rb") as lines:
        for line in lines:
            record = orjson.loads(line)
            kind = record.pop("type")
            if kind == "sekvens":
                gathered["sekvens"] = record
            elif kind == "virksomhet":
                gathered["virksomheter"][record["organisasjonsnummer"]] = {
                    "virksomhet": record, "opphold": [], "meldinger": [], "fasit": None}
            elif kind in groups:
                gathered["virksomheter"][record["virksomhet"]][groups[kind]].append(record)
            elif kind == "fasit":
                gathered["virksomheter"][record["virksomhet"]]["fasit"] = record
    return gathered


__all__ = ["Rates", "SequenceOptions", "SequenceResult", "resolve_sequence", "write_sequence",
           "read_sequence_manifest", "message_day", "MANIFEST", "MESSAGE_TIME", "STAYS_PER_DAY"]
