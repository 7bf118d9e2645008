"""Rules: the message as a whole (KAD-MLD-*)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from kad_spec.spec.findings import Hit
from kad_spec.spec.model import model
from kad_spec.rules import get, message_check
from kad_spec.rules.times import epoch

# The rules this module finds (see their entries in model/rules/).
MLD_001 = "KAD-MLD-001"
MLD_002 = "KAD-MLD-002"

# Clocks of sender and checker differ a little; a message "from the future" by less is not wrong.
CLOCK_SKEW = timedelta(minutes=5)


@message_check
def check_version(header: dict, ctx) -> Iterable[Hit]:
    version = get(header, "meldingsinfo", "spesifikasjonsversjon")
    # The creation day decides the transition; one in the future (KAD-MLD-002) counts as today.
    created = ctx.opprettet
    supported = model().accepted_versions(min(created.day, ctx.today) if created is not None else ctx.today)
    if not isinstance(version, str) or not version or version in supported:
        return ()
    return [Hit(MLD_001, "/meldingsinfo/spesifikasjonsversjon", {
        "versjon": version, "stottede": ", ".join(supported)})]


@message_check
def check_created_not_future(header: dict, ctx) -> Iterable[Hit]:
    created = ctx.opprettet
    if created is None:
        return ()
    if not _in_future(created, ctx.today):
        return ()
    return [Hit(MLD_002, "/meldingsinfo/opprettet", {
        "opprettet": get(header, "meldingsinfo", "opprettet"), "idag": ctx.today.isoformat()})]


def _in_future(created, today: date) -> bool:
    if today != date.today():
        return created.day > today  # validating "as of" another day: the date decides
    # Validating now: the clock decides. (The date would not: late in the evening UTC it is
    # already tomorrow in Norway, and a message made a minute ago has tomorrow's date there.)
    now = datetime.now(timezone.utc) + CLOCK_SKEW
    return epoch(created) > now.timestamp()
