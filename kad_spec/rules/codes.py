"""Rules: code lists by date (KAD-KL-002, KAD-KL-003), and the cached code look-up other rules share.

Every dated code is checked against the edition valid on the stay's admission date, so a 2019
stay is checked against the 2019 municipalities. Small lists (categories) carry no validity dates
today; they are still checked by date, so that adding dates to a list file is enough to activate it.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from functools import lru_cache
from itertools import repeat
from typing import Any, Callable, Iterable

import numpy as np

from kad_spec.codelists import STATUS_NOT_VALID_ON_DATE, STATUS_UNKNOWN, STATUS_VALID, CodeCheck, CodeLists
from kad_spec.spec.findings import Hit
from kad_spec.rules import batch_check, collection_check, get
from kad_spec.rules.times import stay_times

# The rules this module finds (see their entries in model/rules/).
KL_002 = "KAD-KL-002"
KL_003 = "KAD-KL-003"

KOMMUNENUMMER = "kommunenummer"
SPECIAL_KIND = "special"  # SSB's special values (unknown, Svalbard, Jan Mayen): not a municipality
# (field, list, whether a code unknown to the list is this rule's): unknown categories are the
# schema's (KAD-KL-001); here only "not valid on this date".
CODED_FIELDS = (("pasient.bostedskommune", KOMMUNENUMMER, True),
                ("henvist_fra.kategori", "tjenester_og_vesen", False),
                ("utskrevet_til.kategori", "ut_til", False))
VERDICTS_KEPT = 20_000


@lru_cache(maxsize=16384)
def _cached_check(codelists: CodeLists, name: str, code: str, on: date) -> CodeCheck:
    return codelists[name].check(code, on)


def check_code(codelists: CodeLists, name: str, code: str, on: date) -> CodeCheck | None:
    """CodeList.check, cached on (list, code, date); None when the list is not bundled."""
    if name not in codelists:
        return None
    result = _cached_check(codelists, name, code, on)
    # A cache hit skips check(), which records the edition used; the report must still name it.
    codelists[name].used_editions.add(result.edition)
    return result


def admission_ordinals(batch, ctx) -> np.ndarray:
    """Per stay, the day codes are checked on as an ordinal: admission, or the message's date if
    admission is unreadable; 0 when neither is known (the stay's codes are not judged)."""
    days = batch.memo.get("admission_ordinals")
    if days is None:
        created = ctx.opprettet
        fallback = created.day.toordinal() if created is not None else 0
        admitted = stay_times(batch).day_ordinal
        days = batch.memo["admission_ordinals"] = np.where(admitted == 0, fallback, admitted)
    return days


def text_rows(*columns: list) -> np.ndarray | None:
    """The rows at which every column holds text (type str), or None when all rows do.

    A code rule judges only text; the schema reports the rest. Most columns are all text,
    which is found without a Python loop."""
    found = None
    for values in columns:
        types = list(map(type, values))
        if types.count(str) != len(types):
            text = np.array([kind is str for kind in types], dtype=bool)
            found = text if found is None else found & text
    return None if found is None else np.flatnonzero(found)


def taken(values: list, rows: np.ndarray) -> list:
    """values[row] for each row, in order."""
    return [values[row] for row in rows.tolist()]


DAY_SPAN = 1 << 22  # more than any date's ordinal (date.max has 3 652 059)
# What is known of a stretch of days of a code (see PeriodVerdicts).
UNJUDGED, FINE, FAILS, EACH_DAY = 0, 1, 2, 3


class PeriodVerdicts:
    """Verdicts on codes, kept for a message: one per code and stretch of days judged alike
    (CodeList.change_days), so that a column of (code, day) is looked up in a few numpy calls.

    A code may be judged in one of several kinds (the code system of a diagnosis); each (kind,
    code) gets an id the first time it is seen. One sorted array holds ``id * DAY_SPAN + day``
    for the first day of each stretch of each id, after a marker ``id * DAY_SPAN`` per id (so
    that the stretch before an id's first change day is its own, not the end of the previous
    id's); ids only grow, so a new id's stretches are appended in order. One searchsorted gives
    each row its stretch, and a parallel array what is known of it: rows of a stretch judged
    fine need nothing more. A stretch whose days are judged one by one (outside every edition)
    keys its rows by (id, day) instead, as a negative number.
    """

    def __init__(self, stretches: Callable[[int, str], tuple[list[date], list[bool]]],
                 judge: Callable[[int, str, date], Any], kinds: int = 1):
        self._stretches = stretches  # (kind, code) -> (change days, per stretch: one verdict for all its days)
        self._judge = judge  # (kind, code, day) -> verdict; false when the code is fine
        self._kinds = kinds
        self._clear()

    def _clear(self) -> None:
        self._numbers: dict[str, int] = {}  # code -> its number, whatever the kind
        self._ids = np.full((self._kinds, 0), -1, dtype=np.int64)  # per kind and number; -1: not yet seen
        self._count = 0  # ids given
        self._starts = np.zeros(0, dtype=np.int64)
        self._state = np.zeros(0, dtype=np.int8)
        self._verdicts: dict[int, Any] = {}  # stretch, or -1 - (id, day), -> verdict

    def failing(self, codes: list[str], days: np.ndarray, kinds: np.ndarray | None = None) -> tuple[np.ndarray, list]:
        """The rows (positions in ``codes``, in order) whose code is not fine on its day, and their verdicts.

        ``days`` are the rows' day ordinals and ``kinds`` their kinds (all 0 if not given); rows
        of day 0 or kind -1 are not judged."""
        if len(self._verdicts) >= VERDICTS_KEPT or len(self._numbers) >= VERDICTS_KEPT:
            self._clear()  # bounded memory for a long backfill
        rows, kind, at = self._located(codes, days, kinds)
        stretch = np.searchsorted(self._starts, at, side="right") - 1
        looked = np.flatnonzero(self._state[stretch] != FINE)  # the hot path ends here for most rows
        rows, kind, stretch, at = rows[looked], kind[looked], stretch[looked], at[looked]
        keys = np.where(self._state[stretch] == EACH_DAY, -1 - at, stretch)
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        verdicts = [self._verdict(key, kind, codes[row], day) for key, kind, row, day
                    in zip(unique.tolist(), kind[first].tolist(), rows[first].tolist(), days[rows[first]].tolist())]
        failed = np.flatnonzero(np.fromiter(map(bool, verdicts), dtype=bool, count=len(verdicts))[inverse])
        return rows[failed], [verdicts[k] for k in inverse[failed].tolist()]

    def _located(self, codes: list[str], days: np.ndarray, kinds: np.ndarray | None):
        """(rows to judge, their kinds, their ``id * DAY_SPAN + day``); ids for new codes on the way."""
        numbers = self._numbers_of(codes)
        rows = np.flatnonzero(days if kinds is None else (days != 0) & (kinds >= 0))
        kind = np.zeros(len(rows), dtype=np.intp) if kinds is None else kinds[rows]
        return rows, kind, self._ids_of(kind, numbers[rows], codes, rows) * DAY_SPAN + days[rows]

    def _verdict(self, key: int, kind: int, code: str, day: int):
        found = self._verdicts.get(key)
        if found is None:
            found = self._verdicts[key] = self._judge(kind, code, date.fromordinal(day))
            if key >= 0:
                self._state[key] = FAILS if found else FINE
        return found

    def _numbers_of(self, codes: list[str]) -> np.ndarray:
        numbers = np.fromiter(map(self._numbers.get, codes, repeat(-1)), dtype=np.int64, count=len(codes))
        new = np.flatnonzero(numbers < 0).tolist()
        if new:
            for code in dict.fromkeys(map(codes.__getitem__, new)):  # each new code once, in order
                self._numbers[code] = len(self._numbers)
            numbers[new] = np.fromiter(map(self._numbers.__getitem__, map(codes.__getitem__, new)),
                                       dtype=np.int64, count=len(new))
            if len(self._numbers) > self._ids.shape[1]:
                grown = np.full((self._kinds, 2 * len(self._numbers)), -1, dtype=np.int64)
                grown[:, :self._ids.shape[1]] = self._ids
                self._ids = grown
        return numbers

    def _ids_of(self, kind: np.ndarray, number: np.ndarray, codes: list[str], rows: np.ndarray) -> np.ndarray:
        ids = self._ids[kind, number]
        new = np.flatnonzero(ids < 0)
        if len(new):
            _, first = np.unique(kind[new] * self._ids.shape[1] + number[new], return_index=True)
            new = new[np.sort(first)]  # each new (kind, code) once, in order
            self._add(kind[new], number[new], [codes[row] for row in rows[new].tolist()])
            ids = self._ids[kind, number]
        return ids

    def _add(self, kinds: np.ndarray, numbers: np.ndarray, codes: list[str]) -> None:
        given = np.arange(self._count, self._count + len(codes), dtype=np.int64)
        self._ids[kinds, numbers] = given
        self._count += len(codes)
        starts, states = [], []
        for kind, code, offset in zip(kinds.tolist(), codes, (given * DAY_SPAN).tolist()):
            changes, one_verdict = self._stretches(kind, code)
            starts += [offset, *(offset + day.toordinal() for day in changes)]
            states += [UNJUDGED if whole else EACH_DAY for whole in one_verdict]
        self._starts = np.concatenate((self._starts, np.array(starts, dtype=np.int64)))
        self._state = np.concatenate((self._state, np.array(states, dtype=np.int8)))


def explain(check: CodeCheck) -> tuple[str, str]:
    """Why a code is not valid on the date, in bokmål and English: '1201 var gyldig til 2019-12-31; etterfølger 4601'."""
    code = check.code
    if check.status == STATUS_UNKNOWN or not check.entries:
        return (f"{code} finnes ikke i kodeverket {check.list_name}", f"{code} is not in the code list {check.list_name}")
    before = [e for e in check.entries if e.valid_to is not None and e.valid_to < check.on]
    if before and before[-1] is check.entries[-1]:
        last = before[-1]
        nb = f"{code} var gyldig til {last.valid_to.isoformat()}"
        en = f"{code} was valid until {last.valid_to.isoformat()}"
        if last.successor:
            nb += f"; etterfølger {' '.join(last.successor)}"
            en += f"; successor {' '.join(last.successor)}"
        return nb, en
    nb = ", ".join(_period(e, "fra", "–") for e in check.entries)
    en = ", ".join(_period(e, "from", "–") for e in check.entries)
    return (f"{code} er gyldig {nb}", f"{code} is valid {en}")


def _period(entry, since: str, dash: str) -> str:
    start = entry.valid_from.isoformat() if entry.valid_from else "…"
    return f"{since} {start}" if entry.valid_to is None else f"{start}{dash}{entry.valid_to.isoformat()}"


def _is_dated_failure(check: CodeCheck | None, allow_unknown: bool) -> bool:
    """A finding only for dates an edition covers; before 2017 is the time rules' business."""
    if check is None or check.status == STATUS_VALID or check.outside_coverage:
        return False
    return check.status == STATUS_NOT_VALID_ON_DATE or (allow_unknown and check.status == STATUS_UNKNOWN)


@batch_check
def check_stay_codes(batch, ctx) -> list[tuple[int, Hit]]:
    days = admission_ordinals(batch, ctx)
    found = []
    for path, list_name, allow_unknown in CODED_FIELDS:
        if list_name not in ctx.codelists:
            continue
        pointer = "/" + path.replace(".", "/")
        column = batch.column(path)
        rows = text_rows(column)
        codes, on = (column, days) if rows is None else (taken(column, rows), days[rows])
        failing, verdicts = _verdicts_of(ctx, list_name, allow_unknown).failing(codes, on)
        failing = failing if rows is None else rows[failing]
        for row, verdict in zip(failing.tolist(), verdicts):
            found.append((row, _code_hit(verdict, pointer, column[row], date.fromordinal(int(days[row])))))
    found.sort(key=lambda pair: pair[0])  # per stay in the order of the fields: stable
    return found


def _verdicts_of(ctx, list_name: str, allow_unknown: bool) -> PeriodVerdicts:
    """The list's verdicts, kept per message: most stays share their codes and periods."""
    verdicts = ctx.code_verdicts.get(list_name)
    if verdicts is None:
        codelist = ctx.codelists[list_name]
        verdicts = ctx.code_verdicts[list_name] = PeriodVerdicts(
            lambda kind, code: codelist.change_days(code),
            lambda kind, code, day: _judge(ctx, list_name, code, day, allow_unknown))
    return verdicts


def _judge(ctx, list_name: str, code: str, day: date, allow_unknown: bool):
    """The explanation (bokmål, English) when the code is not valid on the day, else False."""
    if list_name == KOMMUNENUMMER and not (len(code) == 4 and code.isdigit()):
        return False  # the form is the schema's finding
    check = check_code(ctx.codelists, list_name, code, day)
    return explain(check) if _is_dated_failure(check, allow_unknown) else False


def _code_hit(verdict: tuple[str, str], pointer: str, code: str, day: date) -> Hit:
    nb, en = verdict
    return Hit(KL_002, pointer, {
        "element": "opphold." + pointer[1:].replace("/", "."), "kode": code, "dato": day.isoformat(),
        "forklaring": nb, "forklaring_en": en,
    })


@collection_check
class ServiceMunicipalities:
    """Each tjenestekommune must be valid on the admission date of every stay in the message.

    The unit serves those municipalities for these stays; a message whose stays lie on both sides
    of a municipal change is split in two. Without stays, the message's own date is used.
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.days: dict[date, str | None] = {}  # admission date -> first opphold_id on it

    def add_batch(self, batch) -> list:
        for i, day in enumerate(stay_times(batch).day):
            if day is not None and day not in self.days:
                self.days[day] = batch.stay_id(i)
        return []

    def detached(self) -> "ServiceMunicipalities":
        """This state without its message context, to be sent to another process."""
        self.ctx = None
        return self

    def merge(self, other: "ServiceMunicipalities", offset: int, found: Iterable[Hit] = ()) -> list[Hit]:
        """Take in a later part of the same message (see StaysInMessage.merge); ``add`` finds nothing."""
        for day, stay_id in other.days.items():
            self.days.setdefault(day, stay_id)
        return list(found)

    def finish(self) -> Iterable[Hit]:
        codes = get(self.ctx.header, "virksomhet", "tjenestekommuner")
        if not isinstance(codes, list):
            return []
        days = self.days or self._message_day()
        hits = []
        for position, code in enumerate(codes):
            if not (isinstance(code, str) and len(code) == 4 and code.isdigit()):
                continue  # the schema reports the form
            hit = self._first_failure(position, code, days)
            if hit is not None:
                hits.append(hit)
        return hits

    def _message_day(self) -> dict[date, str | None]:
        created = self.ctx.opprettet
        return {created.day: None} if created is not None else {}

    def _first_failure(self, position: int, code: str, days: dict[date, str | None]) -> Hit | None:
        lists = self.ctx.codelists
        if KOMMUNENUMMER not in lists:
            return None
        changes, covered = lists[KOMMUNENUMMER].change_days(code)
        judged_fine: set[int] = set()  # stretches of days judged alike (CodeList.change_days) found fine
        for day in sorted(days):
            stretch = bisect_right(changes, day)
            if stretch in judged_fine:
                continue
            check = check_code(lists, KOMMUNENUMMER, code, day)
            if check is None:
                return None
            if check.ok and check.entry is not None and check.entry.kind == SPECIAL_KIND:
                nb = f"{code} ({check.entry.text}) er en spesialkode, ikke en kommune"
                en = f"{code} ({check.entry.text}) is a special code, not a municipality"
            elif _is_dated_failure(check, allow_unknown=True):
                nb, en = explain(check)
            else:
                if covered[stretch]:
                    judged_fine.add(stretch)
                continue
            return Hit(KL_003, f"/virksomhet/tjenestekommuner/{position}", {
                "kode": code, "dato": day.isoformat(), "forklaring": nb, "forklaring_en": en,
                "opphold": days[day] or "-",
            })
        return None
