"""Human-readable report: grouped by file and stay, counts per rule; colour only on a terminal.

Each finding names its place in the file's own terms: the line, and the XPath in an XML file
or the JSON pointer in a JSON file. Every text from the data is cleaned (ids masked, control
characters shown as escapes) and kept on its line, so data cannot forge a line of the report.
"""

from __future__ import annotations

from itertools import groupby

from kad_spec.spec.findings import ERROR, WARNING
from kad_spec.spec.model import model
from kad_spec.output import clean
from kad_spec.reports import ReportWriter, message_of, place_of, title_of
from kad_spec.spec.text import Text, pick
from kad_spec.validation.verdict import summary_text

LABELS = {
    ERROR: Text("feil", "error"),
    WARNING: Text("advarsel", "warning"),
    "waived": Text("unntatt", "waived"),
    "stay": Text("opphold", "stay"),
    "line": Text("linje", "line"),
    "summary": Text("{files} fil(er), {stays} opphold, {errors} feil, {warnings} advarsler",
                    "{files} file(s), {stays} stays, {errors} errors, {warnings} warnings"),
    "waived_n": Text(", {waived} unntatt", ", {waived} waived"),
    "per_rule": Text("Per regel", "Per rule"),
    "editions": Text("Kodeverk", "Code lists"),
    "spec": Text("kad-spec {tool}, spesifikasjon {spec}", "kad-spec {tool}, specification {spec}"),
    "omitted": Text("… {n} funn til av {rule} ({severity}) er ikke vist (--max-findings)",
                    "… {n} more findings of {rule} ({severity}) not shown (--max-findings)"),
}


def _one_line(text: str) -> str:
    return clean(text).replace("\n", "\\u000a")


def summary_line(result, lang: str) -> str:
    words = pick(LABELS, lang)
    waived = result.waived_count()
    line = words["summary"].format(files=len(result.files), stays=result.stays,
                                   errors=result.count(ERROR), warnings=result.count(WARNING))
    return line + (words["waived_n"].format(waived=waived) if waived else "")


def _where(finding, file_format, words) -> str:
    parts = []
    if finding.line:
        parts.append(f"{words['line']} {finding.line}" + (f":{finding.column}" if finding.column else ""))
    place = place_of(finding, file_format, model().root.name)
    if place:
        parts.append(place)
    return ", ".join(parts)


def file_lines(file, lang: str) -> list[tuple[str, str]]:
    """(style, text) pairs for one file; style is a rich style name or '' for plain output."""
    words = pick(LABELS, lang)
    if not (file.findings or file.omitted):
        return []
    out = [("", ""), ("bold", _one_line(file.path))]
    for stay_id, group in groupby(file.findings, key=lambda f: f.opphold_id):
        if stay_id:
            out.append(("cyan", f"  {words['stay']} {_one_line(stay_id)}"))
        for f in group:
            # A waived finding keeps its severity in view: the waiver may run out.
            label = f"{words['waived']} ({words[f.severity]})" if f.waived else words[f.severity]
            style = "dim" if f.waived else ("red" if f.severity == ERROR else "yellow")
            where = _where(f, file.format, words)
            text = f"    {label} {f.rule_id}: {message_of(f, lang)}" + (f" [{where}]" if where else "")
            if f.waived:
                text += f" ({clean(f.waived)})"
            out.append((style, _one_line(text)))
    for o in file.omitted:
        severity = f"{words['waived']} ({words[o.severity]})" if o.waived else words[o.severity]
        out.append(("dim", "    " + words["omitted"].format(n=o.count, rule=o.rule_id, severity=severity)))
    return out


def head_lines(result, lang: str) -> list[tuple[str, str]]:
    words = pick(LABELS, lang)
    out = [("bold", words["spec"].format(tool=result.tool_version, spec=result.spec_version))]
    editions = ", ".join(f"{k} {v}" for k, v in sorted(result.codelist_editions.items())) or "–"
    out.append(("dim", f"{words['editions']}: {editions}"))
    out += [("yellow", _one_line(notice)) for notice in result.notices]
    return out


def tail_lines(result, lang: str) -> list[tuple[str, str]]:
    words = pick(LABELS, lang)
    out: list[tuple[str, str]] = []
    counts = result.rule_counts()
    if counts:
        out += [("", ""), ("bold", words["per_rule"])]
        out += [("", f"  {rule_id} {title_of(rule_id, lang)}: {n}") for rule_id, n in sorted(counts.items())]
    out += [("", ""), ("bold", summary_line(result, lang))]
    out.append(("", summary_text(result, lang)))  # what the register would do (kad_spec.validation.verdict)
    return out


class TextWriter(ReportWriter):
    """Spools each file's lines as ``style<TAB>text``; the head needs the editions the run used."""

    def add_file(self, file) -> None:
        for style, text in file_lines(file, self.lang):
            self.body.write(f"{style}\t{text}\n")

    def _lines(self, result):
        yield from head_lines(result, self.lang)
        self.body.seek(0)
        for line in self.body:
            style, _, text = line.rstrip("\n").partition("\t")
            yield style, text
        self.body.close()
        yield from tail_lines(result, self.lang)

    def finish(self, run, out) -> None:
        for _, text in self._lines(run):
            out.write(text + "\n")

    def finish_in_colour(self, run, terminal) -> None:
        """The same lines with colours, straight to the terminal: every text in them is cleaned."""
        from rich.console import Console
        from rich.text import Text

        console = Console(file=terminal, highlight=False)
        for style, text in self._lines(run):
            console.print(Text(text, style=style or ""))


def render_plain(result, lang: str) -> str:
    from kad_spec.reports import render

    return render(result, "text", lang)
