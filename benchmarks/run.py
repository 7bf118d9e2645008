"""Every performance figure of kad-spec in one run; writes docs/performance.md.

    python benchmarks/run.py                 # the targets' sizes, median of 5 runs, 1M files once
    python benchmarks/run.py --skip-huge     # without the two 1M-stay files (they take minutes)
    python benchmarks/run.py --quick         # smoke run: one run each, no 1M files
    python benchmarks/run.py --quick --stays 2000 --linkml-stays 1000 --files 50 --out /tmp/perf.md

Each figure is a whole process (start-up included), run by the installed `kad-spec` executable
as a user would run it; the median of N runs. The commands of a comparison are measured in the
same rounds, so a ratio is always between figures of the same run. Input files are made with
`kad-spec example` (fixed seed and year) under benchmarks/data/ and reused.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from bench_data import SEED, YEAR, DataSet
from bench_measure import RSS_METHOD, Bench, measure_in_rounds
from bench_profile import Family, families, print_families, profile_validate
from bench_report import Machine, Target, bench_rows, load_average, machine_lines, nb, profile_rows, \
    target_rows, write

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SMALL_FILE = ROOT / "examples" / "kad-melding.json"
MODEL = ROOT / "model" / "kad.yaml"

JSON_LOAD = "import gc, json, sys\ngc.disable()\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n"
LXML_PARSE = "import sys\nfrom lxml import etree\netree.parse(sys.argv[1])\n"

FULL_SIZE = {"stays": 100_000, "linkml_stays": 10_000, "huge_stays": 1_000_000, "files": 500, "stays_per_file": 10}


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, help="kjøringer per måling; medianen brukes (standard 5, --quick 1)")
    parser.add_argument("--warmup", type=int, help="oppvarmingsrunder som ikke telles (standard 1, --quick 0)")
    parser.add_argument("--quick", action="store_true", help="røykprøve: én kjøring, ingen oppvarming, uten 1M-filene")
    parser.add_argument("--stays", type=int, default=FULL_SIZE["stays"], help="opphold i JSON/XML-filene og profilen")
    parser.add_argument("--linkml-stays", type=int, default=FULL_SIZE["linkml_stays"], help="opphold i filen mot linkml-validate")
    parser.add_argument("--huge-stays", type=int, help="opphold i minnemålingen (standard 1 000 000)")
    parser.add_argument("--skip-huge", action="store_true", help="utelat minnemålingen på de store filene")
    parser.add_argument("--files", type=int, default=FULL_SIZE["files"], help="antall små filer i ett kall")
    parser.add_argument("--stays-per-file", type=int, default=FULL_SIZE["stays_per_file"], help="opphold per lille fil")
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data", help="mappe for genererte filer")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md", help="rapporten som skrives")
    parser.add_argument("--no-write", action="store_true", help="bare skriv tallene ut, ikke rapporten")
    parser.add_argument("--kad", default=str(BIN / "kad-spec"), help="kad-spec-programmet som måles")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    args.warmup = args.warmup if args.warmup is not None else (0 if args.quick else 1)
    args.skip_huge = args.skip_huge or (args.quick and args.huge_stays is None)
    args.huge_stays = args.huge_stays or FULL_SIZE["huge_stays"]
    return args


def plan(args: argparse.Namespace, data: DataSet) -> list[Bench]:
    """Every command of the run, in the order of the rounds."""
    kad, python = args.kad, sys.executable
    one_line = str(data.one_line_json(args.stays))
    xml = str(data.example(args.stays, "xml"))
    linkml_file = str(data.one_line_json(args.linkml_stays))
    benches = [
        Bench("help", "kad-spec --help", [kad, "--help"], 0),
        Bench("small", f"kad-spec validate {SMALL_FILE.name}", [kad, "validate", str(SMALL_FILE)], 4),
        Bench("many", f"kad-spec validate, {args.files} filer à {args.stays_per_file} opphold",
              [kad, "validate", str(data.many_files(args.files, args.stays_per_file))], args.files * args.stays_per_file),
        Bench("json-floor", f"json.load (gc av), {Path(one_line).name}", [python, "-c", JSON_LOAD, one_line], args.stays),
        Bench("json-default", f"kad-spec validate {Path(one_line).name}", [kad, "validate", one_line], args.stays),
        Bench("json-jobs1", f"kad-spec validate --jobs 1 {Path(one_line).name}",
              [kad, "validate", "--jobs", "1", one_line], args.stays),
        Bench("xml-floor", f"lxml.etree.parse, {Path(xml).name}", [python, "-c", LXML_PARSE, xml], args.stays),
        Bench("xml-default", f"kad-spec validate {Path(xml).name}", [kad, "validate", xml], args.stays),
        Bench("xml-jobs1", f"kad-spec validate --jobs 1 {Path(xml).name}", [kad, "validate", "--jobs", "1", xml], args.stays),
        Bench("linkml-kad", f"kad-spec validate {Path(linkml_file).name}", [kad, "validate", linkml_file], args.linkml_stays),
    ]
    linkml = BIN / "linkml-validate"
    if not linkml.exists():
        print(f"fant ikke {linkml}: sammenligningen med linkml-validate utelates", flush=True)
    else:
        benches.append(Bench("linkml", f"linkml-validate {Path(linkml_file).name}",
                             [str(linkml), "-s", str(MODEL), "-C", "KadMelding", linkml_file], args.linkml_stays))
    if not args.skip_huge:
        for key, path in (("huge-one-line", data.one_line_json(args.huge_stays)),
                          ("huge-indented", data.example(args.huge_stays, "json"))):
            benches.append(Bench(key, f"kad-spec validate {path.name}", [kad, "validate", str(path)],
                                 args.huge_stays, single_run=True))
    return benches


def ratio(benches: dict[str, Bench], slow: str, fast: str) -> tuple[float, str] | None:
    """slow / fast, with both medians, or None if one of them was not measured."""
    if slow not in benches or fast not in benches:
        return None
    a, b = benches[slow], benches[fast]
    exits = "" if a.ok and b.ok else " (uventet exit-kode)"
    return a.median / b.median, f"{nb(a.median / b.median)}× ({nb(a.median)} s mot {nb(b.median)} s){exits}"


def ratio_figure(slow: str, fast: str, limit: float, at_most: bool):
    def figure(benches: dict[str, Bench]) -> tuple[str, bool] | None:
        found = ratio(benches, slow, fast)
        if found is None:
            return None
        value, text = found
        ok = benches[slow].ok and benches[fast].ok
        return text, ok and (value <= limit if at_most else value >= limit)
    return figure


def rss_figure(key: str, limit_mb: float):
    def figure(benches: dict[str, Bench]) -> tuple[str, bool] | None:
        if key not in benches:
            return None
        bench = benches[key]
        return f"{bench.peak_rss:.0f} MB ({nb(bench.median, 1)} s)", bench.ok and bench.peak_rss <= limit_mb
    return figure


def time_figure(key: str, limit_s: float):
    def figure(benches: dict[str, Bench]) -> tuple[str, bool] | None:
        if key not in benches:
            return None
        bench = benches[key]
        return f"{nb(bench.median)} s", bench.ok and bench.median <= limit_s
    return figure


def targets(args: argparse.Namespace) -> list[Target]:
    n, ten, huge = nb(args.stays, 0), nb(args.linkml_stays, 0), nb(args.huge_stays, 0)
    # A smoke run or other sizes are shown, but not judged against the targets.
    full = {name: not args.quick and getattr(args, name) == size for name, size in FULL_SIZE.items()}
    return [
        Target(f"{n} opphold JSON (én linje), standardvalg, mot `json.load` (gc av)", "≤ 2,0×",
               ratio_figure("json-default", "json-floor", 2.0, True), full["stays"]),
        Target(f"{n} opphold XML, standardvalg, mot `lxml.etree.parse`", "≤ 2,5×",
               ratio_figure("xml-default", "xml-floor", 2.5, True), full["stays"]),
        Target(f"{ten} opphold: `linkml-validate` delt på kad-spec", "≥ 20×",
               ratio_figure("linkml", "linkml-kad", 20.0, False), full["linkml_stays"]),
        Target(f"Høyeste RSS, {huge} opphold JSON på én linje (`json.dump`)", "≤ 200 MB",
               rss_figure("huge-one-line", 200), full["huge_stays"]),
        Target(f"Høyeste RSS, {huge} opphold JSON med innrykk", "≤ 200 MB",
               rss_figure("huge-indented", 200), full["huge_stays"]),
        Target(f"Én liten fil ({SMALL_FILE.name}, 4 opphold)", "≤ 0,25 s", time_figure("small", 0.25),
               not args.quick),
        Target(f"{args.files} filer à {args.stays_per_file} opphold i ett kall", "≤ 0,6 s", time_figure("many", 0.6),
               full["files"] and full["stays_per_file"]),
    ]


def ratio_lines(benches: dict[str, Bench]) -> list[str]:
    pairs = [("json-default", "json-floor", "JSON, standardvalg, mot `json.load` (gc av)"),
             ("json-jobs1", "json-floor", "JSON, `--jobs 1`, mot `json.load` (gc av)"),
             ("xml-default", "xml-floor", "XML, standardvalg, mot `lxml.etree.parse`"),
             ("xml-jobs1", "xml-floor", "XML, `--jobs 1`, mot `lxml.etree.parse`"),
             ("linkml", "linkml-kad", "`linkml-validate` delt på kad-spec (standardvalg)")]
    return [f"- {text}: {found[1]}" for slow, fast, text in pairs if (found := ratio(benches, slow, fast))]


def at_target_sizes(args: argparse.Namespace) -> bool:
    return not args.quick and all(getattr(args, name) == size for name, size in FULL_SIZE.items())


def report(args: argparse.Namespace, machine: Machine, benches: dict[str, Bench],
           profile: tuple[list[Family], float, int], argv: list[str]) -> list[str]:
    """docs/performance.md: the targets first, then every figure, the profile, the machine and the command."""
    smoke = [] if at_target_sizes(args) else \
        ["", "**Røykprøve (`--quick`) eller andre størrelser enn målene: tallene vurderes ikke mot målene.**"]
    return [
        "# Ytelse", *smoke, "",
        f"Hele prosessen (oppstart, lesing, struktur, kodeverk og alle regler), {runs_text(args.runs)}{huge_text(args)},",
        f"målt {machine.started}. Alle tall på denne siden er fra samme kjøring av kommandoen nederst.", "",
        "## Mål", "", "| Mål | Krav | Målt | Oppfylt |", "|---|---|---|---|",
        *target_rows(targets(args), benches), "",
        "## Alle målinger", "", *bench_rows(benches), "",
        "Forhold (samme kjøring, samme fil):", "", *ratio_lines(benches), "",
        *profile_section(*profile), "",
        "## Maskin", "", *machine_lines(machine, load_average()), "",
        *command_section(argv),
    ]


def profile_section(rows: list[Family], total: float, stays: int) -> list[str]:
    return [
        f"## Profil per regelfamilie ({nb(stays, 0)} opphold, `--jobs 1`, under cProfile)", "",
        "Selvtid per gruppe: tid i standardbiblioteket, innebygde funksjoner og andre biblioteker regnes til",
        "gruppen som kalte dem, så kolonnen summerer til hele tiden. Samlet tid tar med det gruppen kaller;",
        "grupper som kaller hverandre (motor, lesing, oppstart) overlapper der. cProfile gjør alt tregere,",
        f"så tallene er andeler, ikke fart: under profilen tok kjøringen {nb(total)} s.", "",
        *profile_rows(rows, total, stays),
    ]


def command_section(argv: list[str]) -> list[str]:
    return [
        "## Kommando", "", "```", shlex.join(["python", "benchmarks/run.py", *argv]), "```", "",
        "`make benchmark` kjører `python benchmarks/run.py` uten valg (`make benchmark BENCHMARK_OPTIONS=--quick`",
        f"for en røykprøve). Filene lages med `kad-spec example --seed {SEED} --year {YEAR}` under `benchmarks/data/`;",
        "filene på én linje er de samme meldingene slik `json.dump` skriver dem. Høyeste RSS er den største",
        f"enkeltprosessen, målt med {RSS_METHOD}.", "",
        "Valg: `--runs N` (kjøringer per måling, standard 5), `--warmup N` (runder som ikke telles, standard 1),",
        "`--skip-huge` (uten 1M-filene), `--quick` (røykprøve: én kjøring, ingen oppvarming, uten 1M-filene),",
        "`--stays`, `--linkml-stays`, `--huge-stays`, `--files`, `--stays-per-file` (størrelsene; andre enn",
        "standard vurderes ikke mot målene), `--out` (rapportfilen) og `--no-write`.",
    ]


def runs_text(runs: int) -> str:
    return "én kjøring" if runs == 1 else f"median av {runs} kjøringer"


def huge_text(args: argparse.Namespace) -> str:
    return "" if args.skip_huge or args.runs == 1 else f" (filene med {nb(args.huge_stays, 0)} opphold: én kjøring)"


def run_profile(args: argparse.Namespace, data: DataSet) -> tuple[list[Family], float, int]:
    stats_file = args.data / "validate.prof"
    code = profile_validate(sys.executable, str(stats_file), ["validate", "--jobs", "1", str(data.one_line_json(args.stays))])
    if code != 0:
        print(f"ADVARSEL: validate under cProfile ga exit {code}", flush=True)
    rows, total = families(str(stats_file))
    print_families(rows, total, args.stays)
    return rows, total, args.stays


def compile_bytecode(kad: str) -> None:
    """Compile the measured package's bytecode first, as `pip install` does for a user.

    Else an editable install run with PYTHONDONTWRITEBYTECODE set compiles every module on
    every run, and the start-up figures measure the compiler instead of kad-spec.
    """
    python = Path(shutil.which(kad)).resolve().parent / "python"
    code = "import compileall, pathlib, kad_spec; compileall.compile_dir(pathlib.Path(kad_spec.__file__).parent, quiet=1)"
    subprocess.run([str(python if python.exists() else sys.executable), "-c", code], check=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = options(argv)
    if shutil.which(args.kad) is None:
        print(f"fant ikke {args.kad}: kjør `make benchmark`, eller installer kad-spec og bruk --kad", file=sys.stderr)
        return 2
    compile_bytecode(args.kad)
    data = DataSet(args.data, args.kad)
    machine = Machine.here(args.kad, ROOT)
    benches = plan(args, data)
    measure_in_rounds(benches, args.runs, args.warmup)
    profile = run_profile(args, data)
    by_key = {bench.key: bench for bench in benches}
    if not args.no_write:
        write(args.out, report(args, machine, by_key, profile, argv))
    return 0 if all(bench.ok for bench in benches) else 1


if __name__ == "__main__":
    sys.exit(main())
