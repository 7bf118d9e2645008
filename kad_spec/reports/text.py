"""Human-readable report: grouped by file and stay, counts per rule; colour only on a terminal."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from kad_spec.findings import ERROR, WARNING, mask_digits
from kad_spec.reports import message_of, title_of
from kad_spec.verdict import summary_text

LABELS = {
    "nb": {ERROR: "feil", WARNING: "advarsel", "waived": "unntatt", "stay": "opphold", "line": "linje",
           "summary": "{files} fil(er), {stays} opphold, {errors} feil, {warnings} advarsler",
           "waived_n": ", {waived} unntatt", "per_rule": "Per regel", "editions": "Kodeverk",
           "spec": "kad-spec {tool}, spesifikasjon {spec}", "more": "flere funn er ikke vist (--max-findings)"},
    "en": {ERROR: "error", WARNING: "warning", "waived": "waived", "stay": "stay", "line": "line",
           "summary": "{files} file(s), {stays} stays, {errors} errors, {warnings} warnings",
           "waived_n": ", {waived} waived", "per_rule": "Per rule", "editions": "Code lists",
           "spec": "kad-spec {tool}, specification {spec}", "more": "more findings not shown (--max-findings)"},
}


def summary_line(result, lang: str) -> str:
    words = LABELS[lang]
    waived = sum(1 for f in result.findings if f.waived)
    line = words["summary"].format(files=len(result.files), stays=result.stays,
                                   errors=result.count(ERROR), warnings=result.count(WARNING))
    return line + (words["waived_n"].format(waived=waived) if waived else "")


def _where(finding, words) -> str:
    parts = []
    if finding.line:
        parts.append(f"{words['line']} {finding.line}" + (f":{finding.column}" if finding.column else ""))
    if finding.pointer:
        parts.append(mask_digits(finding.pointer))
    elif finding.xpath_base:  # a finding on the envelope: where in it
        parts.append(mask_digits(finding.xpath_base))
    return ", ".join(parts)


def lines(result, lang: str) -> list[tuple[str, str]]:
    """(style, text) pairs; style is a rich style name or '' for plain output."""
    words = LABELS[lang]
    out: list[tuple[str, str]] = [("bold", words["spec"].format(tool=result.tool_version, spec=result.spec_version))]
    editions = ", ".join(f"{k} {v}" for k, v in sorted(result.codelist_editions.items())) or "–"
    out.append(("dim", f"{words['editions']}: {editions}"))
    for notice in result.notices:
        out.append(("yellow", mask_digits(notice)))
    for file in result.files:
        if not file.findings:
            continue
        out.append(("", ""))
        out.append(("bold", mask_digits(file.path)))
        for stay_id, group in groupby(file.findings, key=lambda f: f.opphold_id):
            if stay_id:
                out.append(("cyan", f"  {words['stay']} {mask_digits(stay_id)}"))
            for f in group:
                # A waived finding keeps its severity in view: the waiver may run out.
                label = f"{words['waived']} ({words[f.severity]})" if f.waived else words[f.severity]
                style = "dim" if f.waived else ("red" if f.severity == ERROR else "yellow")
                where = _where(f, words)
                text = f"    {label} {f.rule_id}: {message_of(f, lang)}" + (f" [{where}]" if where else "")
                if f.waived:
                    text += f" ({mask_digits(f.waived)})"
                out.append((style, text))
        if file.truncated:
            out.append(("dim", f"    … {words['more']}"))
    counts = Counter(f.rule_id for f in result.findings)
    if counts:
        out.append(("", ""))
        out.append(("bold", words["per_rule"]))
        for rule_id, n in sorted(counts.items()):
            out.append(("", f"  {rule_id} {title_of(rule_id, lang)}: {n}"))
    out.append(("", ""))
    out.append(("bold", summary_line(result, lang)))
    out.append(("", summary_text(result, lang)))  # what the register would do (kad_spec.verdict)
    return out


def render_plain(result, lang: str) -> str:
    return "\n".join(text for _, text in lines(result, lang)) + "\n"


def print_rich(result, lang: str) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    for style, text in lines(result, lang):
        console.print(Text(text, style=style or ""))
