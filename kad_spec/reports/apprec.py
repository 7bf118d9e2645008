"""The application receipt (KITH AppRec 1.1) for each validated file, as the register would send it.

Sender is the receiver of the original (KPR), receiver its sender (the unit). ``Status`` follows
``kad_spec.validation.verdict`` (Volven 8258); each finding the status rests on is one ``Error`` coded from
Volven 8221, with the rule id and the masked message; the findings of a rule beyond
``--max-findings`` are one more ``Error`` with their number. Codes, OIDs and decisions are in
``model/konvolutt.yaml``. Every receipt is checked against the official XSD before it is written.

:class:`ApprecWriter` writes the receipts file by file as they are validated (``--format
apprec``). A receipt is data for the register, not a report: its texts are masked and made safe
for XML and a terminal here, and its bytes go out as they are (:func:`kad_spec.output.data_stdout`).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from kad_spec import __version__, output
from kad_spec.spec.catalogue import catalogue
from kad_spec.message.envelope import APPREC_NS, APPREC_XSD, kpr_her_ids, message_type, schema, spec
from kad_spec.spec.findings import ERROR, Finding, Omitted, mask_digits
from kad_spec.reports import ReportWriter, message_of, xpath_of
from kad_spec.spec.text import Text
from kad_spec.validation.verdict import ACCEPTED, PARTLY_ACCEPTED, REJECTED, classify, deciding, deciding_omitted

STATUS = {ACCEPTED: "1", REJECTED: "2", PARTLY_ACCEPTED: "3"}
WORDS = {
    "line": Text("linje", "line"),
    "internal": Text("intern feil i validatoren; meldingen er ikke kontrollert",
                     "internal error in the validator; the message was not checked"),
    "unknown": Text("ukjent avsender", "unknown sender"),
    "more": Text("{n} funn til av denne regelen er ikke med i kvitteringen (--max-findings)",
                 "{n} more findings of this rule are not listed in the receipt (--max-findings)"),
}


class ReceiptError(Exception):
    """A receipt failed its own schema check: a fault in kad-spec (exit code 2)."""


# XML 1.0 cannot carry most control characters; a JSON message's texts can.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _safe(text: str) -> str:
    # Terminal controls that XML allows (C1, bidirectional overrides) are shown as escapes.
    return output.neutralise(_NOT_XML.sub("\ufffd", text))


def _sub(parent, name: str, text: str | None = None, **attributes):
    elem = etree.SubElement(parent, f"{{{APPREC_NS}}}{name}",
                            {k: _safe(v) for k, v in attributes.items() if v is not None})
    if text is not None:
        elem.text = _safe(text)
    return elem


def _party(parent, name: str, party: dict | None, lang: str) -> None:
    inst = _sub(_sub(_sub(parent, name), "HCP"), "Inst")
    party = party or {"name": WORDS["unknown"].get(lang), "idents": []}
    _sub(inst, "Name", mask_digits(party["name"] or WORDS["unknown"].get(lang)))
    # The HER-id addresses the receipt. Ids are masked like all text: an envelope may carry anything.
    idents = sorted(((mask_digits(value), kind) for value, kind in party["idents"]), key=lambda item: item[1] != "HER")
    if idents:
        _sub(inst, "Id", idents[0][0])
        _sub(inst, "TypeId", V=idents[0][1], DN=idents[0][1])
    for value, kind in idents[1:]:
        extra = _sub(inst, "AdditionalId")
        _sub(extra, "Id", value)
        _sub(extra, "Type", V=kind, DN=kind)


def _bare_parties(header: dict) -> tuple[dict | None, dict | None]:
    """For a message sent without an envelope: the unit from virksomhet, KPR by the environment."""
    unit = header.get("virksomhet") if isinstance(header.get("virksomhet"), dict) else {}
    idents = [(str(unit[key]), kind) for key, kind in (("her_id", "HER"), ("organisasjonsnummer", "ENH"))
              if unit.get(key) not in (None, "")]
    sender = {"name": str(unit.get("navn") or ""), "idents": idents} if unit else None
    info = header.get("meldingsinfo") if isinstance(header.get("meldingsinfo"), dict) else {}
    ids = kpr_her_ids(info.get("miljo") if isinstance(info.get("miljo"), str) else None)
    kpr = {"name": spec()["mottaker"]["navn"], "idents": [(str(ids[0]), "HER")] if ids else []}
    return sender, kpr


def _original(file, now: str) -> tuple[str, str, str]:
    """(MsgType, IssueDate, Id) of the original: from the envelope, else from meldingsinfo."""
    if file.envelope:
        facts = file.envelope
        return facts["type"] or message_type(), _datetime_or(facts["gen_date"], now), facts["msg_id"]
    info = (file.header or {}).get("meldingsinfo")
    info = info if isinstance(info, dict) else {}
    return message_type(), _datetime_or(info.get("opprettet"), now), str(info.get("melding_id") or "")


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_XSD_DATETIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def _datetime_or(value, fallback: str) -> str:
    """An xsd:dateTime as written, or the fallback (the receipt's own time) when the original has none."""
    text = str(value or "").strip()
    if _XSD_DATETIME.fullmatch(text):
        try:
            datetime.fromisoformat(text)
            return text
        except ValueError:
            pass
    return fallback


def _error(parent, finding: Finding, lang: str) -> None:
    where = []
    if finding.line:
        where.append(f"{WORDS['line'].get(lang)} {finding.line}")
    xpath = xpath_of(finding, _root_name())
    if xpath:
        where.append(xpath)
    _sub(parent, "Error", V=error_code(finding), S=spec()["kvittering"]["feilkodeverk"]["oid"],
         DN=mask_digits(f"{finding.rule_id}: {message_of(finding, lang)}"),
         OT=mask_digits(", ".join(where)) if where else None)


def _root_name() -> str:
    from kad_spec.spec.model import model

    return model().root.name


def _omitted_error(parent, omitted: Omitted, lang: str) -> None:
    """One Error for the findings of a rule that --max-findings left out, coded as the rule is."""
    more = WORDS["more"].format(lang, n=omitted.count)
    _sub(parent, "Error", V=rule_code(omitted.rule_id), S=spec()["kvittering"]["feilkodeverk"]["oid"],
         DN=mask_digits(f"{omitted.rule_id}: {more}"))


def error_code(finding: Finding) -> str:
    """The Volven 8221 code of a finding: by rule, else by area, else the default."""
    return rule_code(finding.rule_id)


def rule_code(rule_id: str) -> str:
    """The Volven 8221 code of a rule's findings: by rule, else by area, else the default."""
    codes = spec()["kvittering"]["feilkode"]
    rule = catalogue().get(rule_id)
    if rule_id in codes["regel"]:
        return codes["regel"][rule_id]
    return codes["omrade"].get(rule.area if rule else "", codes["standard"])


def apprec(file, lang: str, now: datetime | None = None, receipt_id: str | None = None) -> bytes:
    """The AppRec 1.1 for one FileResult, validated against the official XSD.

    ``now`` and ``receipt_id`` default to the time and a new UUID (fixed only for the docs site).
    """
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    receipt = spec()["kvittering"]
    verdict = classify(file)
    root = etree.Element(f"{{{APPREC_NS}}}AppRec", nsmap={None: APPREC_NS})
    _sub(root, "MsgType", V="APPREC", DN="Applikasjonskvittering")
    _sub(root, "MIGversion", receipt["mig_versjon"])
    _sub(root, "SoftwareName", "kad-spec")
    _sub(root, "SoftwareVersion", __version__)
    _sub(root, "GenDate", stamp)
    _sub(root, "Id", receipt_id or str(uuid.uuid4()))
    if file.envelope:
        original_sender, original_receiver = file.envelope["sender"], file.envelope["receiver"]
    else:
        original_sender, original_receiver = _bare_parties(file.header or {})
    _party(root, "Sender", original_receiver, lang)
    _party(root, "Receiver", original_sender, lang)
    code = STATUS[verdict]
    status = receipt["statuskodeverk"]["koder"][code]
    text = Text(status["tekst"], status["tekst_en"]).get(lang)
    _sub(root, "Status", V=code, DN=text)
    if file.internal_error:
        _sub(root, "Error", V=receipt["feilkode"]["intern_feil"], S=receipt["feilkodeverk"]["oid"],
             DN=WORDS["internal"].get(lang))
    for finding in deciding(file):
        _error(root, finding, lang)
    for omitted in _omitted_per_rule(file):
        _omitted_error(root, omitted, lang)
    msg_type, issued, original_id = _original(file, stamp)
    original = _sub(root, "OriginalMsgId")
    _sub(original, "MsgType", V=msg_type, DN=spec()["hodemelding"]["meldingstype"]["tekst"]
         if msg_type == message_type() else None)
    _sub(original, "IssueDate", issued)
    # A UUID is kept exactly, so the sender can match the receipt; anything else is masked like all text.
    _sub(original, "Id", original_id if _UUID.fullmatch(original_id) else mask_digits(original_id))
    etree.indent(root, space="  ")
    xsd = schema(APPREC_XSD)
    if not xsd.validate(root):
        raise ReceiptError(f"kvitteringen validerer ikke mot AppRec 1.1: {xsd.error_log.last_error}")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"


def _omitted_per_rule(file) -> list[Omitted]:
    """The deciding counts of left-out findings, one per rule (a waiver may have split a rule's count)."""
    per_rule: dict[str, int] = {}
    for omitted in deciding_omitted(file):
        per_rule[omitted.rule_id] = per_rule.get(omitted.rule_id, 0) + omitted.count
    return [Omitted(rule_id, n, severity=ERROR) for rule_id, n in sorted(per_rule.items())]


def receipt_name(path: str, taken: set[str]) -> str:
    """The file name of a file's receipt in an output folder: its own name + .apprec.xml, made unique."""
    stem = mask_digits(Path(path).name) or "melding"  # a file may be named after a person
    name, n = f"{stem}.apprec.xml", 2
    while name in taken:
        name, n = f"{stem}.{n}.apprec.xml", n + 1
    taken.add(name)
    return name


class ReceiptUsageError(ValueError):
    """Receipts for several files need a folder to go to (exit code 2)."""


SEVERAL_FILES = ("--format apprec med flere filer skriver én kvittering per fil: "
                 "oppgi en mappe med --output MAPPE")


class ApprecWriter(ReportWriter):
    """``--format apprec``: one receipt per file, written as each file is validated.

    With ``output`` a folder, each file's receipt is written there as soon as the file is
    validated; otherwise there must be exactly one file, whose receipt goes to ``output`` (a
    file) or to standard output when :meth:`finish` is called. A second file without a folder
    stops the run with :class:`ReceiptUsageError` before it is validated further. Files are
    written through :mod:`kad_spec.output.files`: never over an input, an existing file only
    with ``force``.
    """

    own_output = True  # writes where ``output`` says, in bytes: finish() is given no stream

    def __init__(self, lang: str, fail_on: str = ERROR, output_path=None, force: bool = False, inputs=()):
        super().__init__(lang, fail_on)
        self.body.close()  # no spooled report: receipts are written whole
        self.output_path = None if output_path is None else Path(output_path)
        self.folder = self.output_path if self.output_path is not None and self.output_path.is_dir() else None
        self.force, self.inputs = force, list(inputs)
        self.now = datetime.now(timezone.utc)
        self.taken: set[str] = set()
        self.written: list[Path] = []
        self.files = 0
        self.single: bytes | None = None

    def add_file(self, file) -> None:
        from kad_spec.output.files import inside, write_atomic

        self.files += 1
        if self.folder is None and self.files > 1:
            raise ReceiptUsageError(SEVERAL_FILES)
        data = apprec(file, self.lang, self.now)
        if self.folder is None:
            self.single = data
            return
        target = inside(self.folder, receipt_name(file.path, self.taken))
        write_atomic(target, data, force=self.force, inputs=self.inputs)
        self.written.append(target)

    def finish(self, run, out=None) -> None:
        """The one receipt to ``out`` (a binary stream), to the ``output`` file or to standard output."""
        from kad_spec.output.files import write_atomic

        if self.folder is not None:
            return
        if self.single is None:
            raise ReceiptUsageError(SEVERAL_FILES)
        if out is not None:
            out.write(self.single)
        elif self.output_path is not None:
            write_atomic(self.output_path, self.single, force=self.force, inputs=self.inputs)
        else:
            stream = output.data_stdout()
            stream.write(self.single)
            stream.flush()


def write_receipts(result, lang: str, output_path, force: bool = False, inputs=()) -> list:
    """One receipt per file of a run whose findings are all at hand: to standard output for one
    file, else one file each in the folder ``output_path``. Returns the paths written."""
    writer = ApprecWriter(lang, output_path=output_path, force=force, inputs=inputs)
    if writer.folder is None and len(result.files) != 1:
        raise ReceiptUsageError(SEVERAL_FILES)
    for file in result.files:
        writer.add_file(file)
    writer.finish(result)
    return writer.written
