"""From message files to one compact record per stay, after replacements and cancellations.

Only what the figures need is kept: no person id and no stay id leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from kad_spec.codelists import load_codelists, official_spelling
from kad_spec.spec.timeutil import OSLO, parse_moment

CANCEL = "C"
KNOWN_SYSTEMS = ("ICPC-2", "ICD-10")


@dataclass(slots=True)
class StayRecord:
    """One stay as the figures see it (times in Norwegian local time)."""

    admitted_day: date
    admitted_at: float  # POSIX seconds, for lengths of stay across summer time changes
    discharged_day: date | None
    discharged_at: float | None
    discharge_invalid: bool  # a discharge time was given but cannot be used
    age: int | None
    sex: str | None
    admission_diagnoses: tuple[tuple[str, str], ...]  # (code system, normalised code)
    discharge_diagnoses: tuple[tuple[str, str], ...]
    referral: str | None
    referral_orgnr: bool
    referral_herid: bool
    destination: str | None
    destination_orgnr: bool
    destination_herid: bool

    @property
    def discharged(self) -> bool:
        return self.discharged_at is not None

    @property
    def length_of_stay(self) -> float | None:
        """Days: hours between admission and discharge divided by 24."""
        if self.discharged_at is None:
            return None
        return (self.discharged_at - self.admitted_at) / 86400.0


@dataclass
class Collected:
    """The stays that count, and what happened on the way."""

    stays: list[StayRecord] = field(default_factory=list)
    records_read: int = 0
    replaced: int = 0  # earlier versions of a stay replaced by a later one
    cancelled: int = 0  # stays whose latest status is C (annuller)
    unusable: int = 0  # records without a stay id or a usable admission time
    latest_day: date | None = None  # the last day the data speaks of
    units: dict[str, str | None] = field(default_factory=dict)  # organisation number -> name, as sent
    columns: object | None = None  # kad_spec.activity.columns.StayColumns, when read as columns (the register)


_EPOCH = datetime(1970, 1, 1)
_OSLO_OFFSETS: dict[str, float] = {}  # "YYYY-MM-DDTHH" -> UTC offset in seconds


def _oslo_offset(hour_key: str, local: datetime) -> float:
    """Europe/Oslo's UTC offset for a wall-clock hour (fold 0, as timeutil reads local times).

    Cached per hour: the offset only changes on the hour, so 100 000 stays need a few
    thousand zone lookups instead of 200 000.
    """
    offset = _OSLO_OFFSETS.get(hour_key)
    if offset is None:
        offset = local.replace(minute=0, second=0, microsecond=0, tzinfo=OSLO).utcoffset().total_seconds()
        _OSLO_OFFSETS[hour_key] = offset
    return offset


def local_day_and_seconds(text) -> tuple[date, float] | None:
    """The Norwegian calendar day and the instant (POSIX seconds) of a message time; None when unusable."""
    if not isinstance(text, str):
        return None
    if len(text) in (16, 19) and text[10:11] == "T":  # local time without offset: the common case
        try:
            local = datetime.fromisoformat(text)
        except ValueError:
            return None
        seconds = (local - _EPOCH).total_seconds() - _oslo_offset(text[:13], local)
        return local.date(), seconds
    moment = parse_moment(text)
    if moment is None:
        return None
    try:
        if moment.offset is None:
            local = moment.local
            return local.date(), (local - _EPOCH).total_seconds() - _oslo_offset(text[:13], local)
        aware = moment.instant()
        return aware.astimezone(OSLO).date(), aware.timestamp()
    except (OverflowError, ValueError):
        return None


def _text(value) -> str | None:
    if value.__class__ is not str:
        return None
    value = value.strip()
    return value or None


_LIST_OF_SYSTEM = {"ICD-10": "icd10", "ICPC-2": "icpc2"}


@lru_cache(maxsize=65536)
def _normalise_code(system: str, code: str) -> str:
    """Undotted ICD-10, in the official spelling when the bundled list has the code (i210A -> I210a)."""
    if system == "ICD-10":
        code = code.replace(".", "")
    return official_spelling(load_codelists(), _LIST_OF_SYSTEM[system], code) or code.upper()


def _diagnoses(value) -> tuple[tuple[str, str], ...]:
    """Diagnoses in a known code system, in the order given; malformed entries are skipped."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        system, code = item.get("kodeverk"), _text(item.get("kode"))
        if code and system in KNOWN_SYSTEMS:
            found.append((system, _normalise_code(system, code)))
    return tuple(found)


NO_PARTY = (None, False, False)


def _party(value) -> tuple[str | None, bool, bool]:
    """(category, has organisation number, has HER-id) of henvist_fra / utskrevet_til."""
    if not isinstance(value, dict):
        return NO_PARTY
    category = value.get("kategori")
    if category.__class__ is int:
        category = str(category)
    elif category.__class__ is not str:
        category = None
    orgnr, her_id = value.get("organisasjonsnummer"), value.get("her_id")
    return category, orgnr is not None and _text(orgnr) is not None, her_id is not None and _text(her_id) is not None


def _age(value) -> int | None:
    if value.__class__ is not int:  # bool is an int subclass and is rejected here too
        return None
    return value if 0 <= value <= 130 else None


def to_record(stay: dict) -> StayRecord | None:
    """The stay's facts, or None when it has no usable admission time."""
    admitted = local_day_and_seconds(stay.get("innleggelsestidspunkt"))
    if admitted is None:
        return None
    raw_discharge = stay.get("utskrivningstidspunkt")
    discharged = None
    invalid = False
    if raw_discharge is not None:
        discharged = local_day_and_seconds(raw_discharge)
        if discharged is None or discharged[1] < admitted[1]:
            discharged, invalid = None, True
    patient = stay.get("pasient")
    if not isinstance(patient, dict):
        patient = {}
    sex = patient.get("kjonn")
    referral = _party(stay.get("henvist_fra"))
    destination = _party(stay.get("utskrevet_til"))
    return StayRecord(
        admitted[0], admitted[1],
        discharged[0] if discharged else None, discharged[1] if discharged else None, invalid,
        _age(patient.get("alder")), sex if sex.__class__ is str else None,
        _diagnoses(stay.get("innskrivningsdiagnoser")), _diagnoses(stay.get("utskrivningsdiagnoser")),
        *referral, *destination,
    )


class StayCollector:
    """Keeps the latest version of every stay, keyed by (unit orgnr, opphold_id).

    "Latest" is the message with the latest ``opprettet`` time; between messages with the same
    time (or none), the file given later wins, and within a file the later record. N, M and T all
    carry the whole stay and replace what came before; C removes the stay (a later N or M brings
    it back).
    """

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str], tuple[tuple, StayRecord | None]] = {}
        self.collected = Collected()
        self._sequence = 0

    def start_document(self, header: dict):
        """A function that adds one stay of the message with this header."""
        unit = header.get("virksomhet") if isinstance(header.get("virksomhet"), dict) else {}
        orgnr = _text(unit.get("organisasjonsnummer")) or ""
        if orgnr and self.collected.units.get(orgnr) is None:
            self.collected.units[orgnr] = _text(unit.get("navn"))
        info = header.get("meldingsinfo") if isinstance(header.get("meldingsinfo"), dict) else {}
        created = local_day_and_seconds(info.get("opprettet"))
        created_at = created[1] if created else float("-inf")
        if created:
            self._note_day(created[0])
        return lambda stay: self._add_stay(orgnr, created_at, stay)

    def _add_stay(self, orgnr: str, created_at: float, stay) -> None:
        self.collected.records_read += 1
        self._sequence += 1
        stay_id = _text(stay.get("opphold_id")) if isinstance(stay, dict) else None
        if stay_id is None:
            self.collected.unusable += 1
            return
        cancelled = stay.get("status") == CANCEL
        record = None if cancelled else to_record(stay)
        if record is None and not cancelled:
            self.collected.unusable += 1
            return
        if record is not None:
            self._note_day(record.admitted_day)
            if record.discharged_day:
                self._note_day(record.discharged_day)
        key = (orgnr, stay_id)
        order = (created_at, self._sequence)
        previous = self._latest.get(key)
        if previous is None or previous[0] <= order:
            self._latest[key] = (order, record)
        if previous is not None:
            self.collected.replaced += 1

    def _note_day(self, day: date) -> None:
        if self.collected.latest_day is None or day > self.collected.latest_day:
            self.collected.latest_day = day

    def finish(self) -> Collected:
        for _, record in self._latest.values():
            if record is None:
                self.collected.cancelled += 1
            else:
                self.collected.stays.append(record)
        return self.collected
