"""Rules: code lists by date (KAD-KL-002, KAD-KL-003), and the cached code look-up other rules share.

Every dated code is checked against the edition valid on the stay's admission date, so a 2019
stay is checked against the 2019 municipalities. Small lists (categories) carry no validity dates
today; they are still checked by date, so that adding dates to a list file is enough to activate it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Iterable

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


def admission_days(batch, ctx) -> list[date | None]:
    """Per stay, the date codes are checked on: admission, or the message's date if admission is unreadable."""
    days = batch.memo.get("admission_days")
    if days is None:
        created = ctx.opprettet
        fallback = created.day if created is not None else None
        days = batch.memo["admission_days"] = [fallback if day is None else day for day in stay_times(batch).day]
    return days


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
    days = admission_days(batch, ctx)
    found = []
    for path, list_name, allow_unknown in CODED_FIELDS:
        pointer = "/" + path.replace(".", "/")
        # A verdict per (code, day), kept per message; most stays share their codes and days.
        judged = ctx.code_verdicts.setdefault(list_name, {})
        if len(judged) >= VERDICTS_KEPT:
            judged.clear()  # bounded memory for a long backfill
        for i, (code, day) in enumerate(zip(batch.column(path), days)):
            verdict = judged.get((code, day)) if type(code) is str else False
            if verdict is None:
                verdict = judged[(code, day)] = _judge(ctx, list_name, code, day, allow_unknown)
            if verdict:
                found.append((i, _code_hit(verdict, pointer, code, day)))
    found.sort(key=lambda pair: pair[0])  # per stay in the order of the fields: stable
    return found


def _judge(ctx, list_name: str, code: str, day: date | None, allow_unknown: bool):
    """The explanation (bokmål, English) when the code is not valid on the day, else False.

    Judged once per validity period of the list (CodeList.period_of), not once per day.
    """
    if day is None or (list_name == KOMMUNENUMMER and not (len(code) == 4 and code.isdigit())):
        return False  # the form is the schema's finding
    lists = ctx.codelists
    if list_name not in lists:
        return False
    periods = ctx.code_verdicts.setdefault(("period", list_name), {})
    key = (code, lists[list_name].period_of(code, day))
    verdict = periods.get(key)
    if verdict is None:
        check = check_code(lists, list_name, code, day)
        verdict = periods[key] = explain(check) if _is_dated_failure(check, allow_unknown) else False
    return verdict


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
        for day in sorted(days):
            check = check_code(lists, KOMMUNENUMMER, code, day)
            if check is None:
                return None
            if check.ok and check.entry is not None and check.entry.kind == SPECIAL_KIND:
                nb = f"{code} ({check.entry.text}) er en spesialkode, ikke en kommune"
                en = f"{code} ({check.entry.text}) is a special code, not a municipality"
            elif _is_dated_failure(check, allow_unknown=True):
                nb, en = explain(check)
            else:
                continue
            return Hit(KL_003, f"/virksomhet/tjenestekommuner/{position}", {
                "kode": code, "dato": day.isoformat(), "forklaring": nb, "forklaring_en": en,
                "opphold": days[day] or "-",
            })
        return None
