"""Files are never lost, and hostile input ends in bounded time and memory (docs/robusthet.md).

Every case runs the real CLI in a fresh process under a memory limit (RLIMIT_AS) and a
timeout, and checks the exit code, that no traceback is shown and that inputs are unchanged.
Unreadable paths are made real: when the tests run as root (who reads everything), the
command runs as the unprivileged user ``nobody`` (through util-linux's ``setpriv``).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from hostile import BASE_JSON, BASE_XML, NS, ROOT, assert_no_traceback

MEMORY_LIMIT = 1 << 30  # bytes of address space for one command: ample for the tool, far below the old failures
NOBODY = 65534


def run(*args, cwd: Path | None = None, env: dict | None = None, as_nobody: bool = False, timeout: float = 60):
    """``python -m kad_spec ...`` in a fresh process, limited in memory and time."""

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        os.umask(0o022)

    prefix = []
    if as_nobody and os.geteuid() == 0:
        prefix = [shutil.which("setpriv") or "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    done = subprocess.run([*prefix, sys.executable, "-m", "kad_spec", *map(str, args)], capture_output=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})}, preexec_fn=limits)
    out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    assert_no_traceback(out, err)
    assert "RecursionError" not in err and "MemoryError" not in err
    return done.returncode, out, err


def snapshot(*paths: Path) -> dict:
    """Content, mode and kind of each path (and of everything below a folder)."""
    seen = {}
    for path in paths:
        items = [path] + (sorted(path.rglob("*")) if path.is_dir() and not path.is_symlink() else [])
        for item in items:
            st = os.lstat(item)
            data = item.read_bytes() if stat.S_ISREG(st.st_mode) else None
            seen[str(item)] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), data,
                               os.readlink(item) if item.is_symlink() else None)
    return seen


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and (".tmp" in p.name or ".ny" in p.name
                                                                                 or ".gammel" in p.name))


@pytest.fixture
def work(tmp_path):
    shutil.copy(BASE_JSON, tmp_path / "a.json")
    shutil.copy(BASE_XML, tmp_path / "a.xml")
    return tmp_path


# --- the report is never written over an input -----------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_validate_output_is_never_an_input(work, force):
    before = snapshot(work / "a.json")
    options = ["--force"] if force else []
    code, _, err = run("validate", "--format", "json", *options, "-o", work / "a.json", work / "a.json")
    assert code == 2 and "inndatafil" in err
    code, _, err = run("validate", "--format", "json", *options, "-o", "a.json", ".", cwd=work)  # in an input folder
    assert code == 2 and "inndatafil" in err
    assert snapshot(work / "a.json") == before


def test_report_out_is_never_an_input(work):
    before = snapshot(work)
    code, _, err = run("report", "--force", "--format", "json", "--out", work / "a.xml", work / "a.xml")
    assert code == 2 and "inndatafil" in err
    assert snapshot(work) == before


def test_validate_config_is_an_input_too(work):
    config = work / "kad-spec.yaml"
    config.write_text("severity_overrides: {}\n", encoding="utf-8")
    before = snapshot(config)
    code, _, _ = run("validate", "--force", "--config", config, "-o", config, work / "a.json")
    assert code == 2 and snapshot(config) == before


# --- an existing file only with --force; special files never --------------------------------


def _existing(work: Path) -> Path:
    target = work / "finnes.txt"
    target.write_text("mitt eget\n", encoding="utf-8")
    target.chmod(0o640)
    return target


WRITERS = {
    "validate": lambda work, target: ("validate", "--format", "json", "-o", target, work / "a.json"),
    "report": lambda work, target: ("report", "--format", "json", "--out", target, work / "a.json"),
    "convert": lambda work, target: ("convert", "--to", "xml", work / "a.json", target),
    "example": lambda work, target: ("example", "--count", 3, "--format", "json", "--out", target),
    "example --defect": lambda work, target: ("example", "--defect", "KAD-TID-001", "--format", "json", "--out", target),
    "diff": lambda work, target: ("diff", ROOT / "model", ROOT / "model", "--output", target),
    "codelists export": lambda work, target: ("codelists", "export", "kjonn", "--format", "klass-csv", "--output", target),
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_existing_file_is_replaced_only_with_force(work, command):
    target = _existing(work)
    args = WRITERS[command](work, target)
    inputs = snapshot(work / "a.json", work / "a.xml")
    code, _, err = run(*args)
    assert code == 2 and "--force" in err
    assert target.read_text(encoding="utf-8") == "mitt eget\n"
    code, _, err = run(*args, "--force")
    assert code == 0, err
    assert target.read_text(encoding="utf-8") != "mitt eget\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's own permissions are kept
    assert snapshot(work / "a.json", work / "a.xml") == inputs
    assert leftovers(work) == []


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_new_file_gets_ordinary_permissions(work, command):
    target = work / "ny.fil"
    code, _, err = run(*WRITERS[command](work, target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # 0666 less the umask 022, not a temporary file's 0600
    assert leftovers(work) == []


def _special_targets(work: Path) -> dict[str, Path]:
    targets = {}
    fifo = work / "fifo.json"
    os.mkfifo(fifo)
    targets["fifo"] = fifo
    link = work / "null.xml"
    link.symlink_to("/dev/null")
    targets["link to /dev/null"] = link
    if os.geteuid() == 0:  # only root can make a device node: the case the issue saw
        device = work / "enhet.xml"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        targets["character device"] = device
    return targets


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_special_file_is_never_replaced_even_with_force(work, command):
    targets = _special_targets(work)
    before = snapshot(*targets.values(), Path("/dev/null"))
    for target in targets.values():
        code, _, err = run(*WRITERS[command](work, target), "--force", timeout=30)
        assert code == 2, err
        assert "ikke en vanlig fil" in err
    assert snapshot(*targets.values(), Path("/dev/null")) == before
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert leftovers(work) == []


def test_convert_never_replaces_a_fifo_or_device_as_in_the_issue(work):
    device_link = work / "dev-null.xml"
    device_link.symlink_to("/dev/null")
    code, _, err = run("convert", work / "a.json", device_link, "--force")
    assert code == 2 and "ikke en vanlig fil" in err
    assert device_link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_release_does_not_overwrite_an_existing_bundle(tmp_path):
    out = tmp_path / "dist"
    assert run("release", "--out", out, timeout=300)[0] == 0
    bundle = next(out.glob("*.zip"))
    bundle.write_bytes(b"a bundle someone signed")
    code, _, err = run("release", "--out", out, timeout=300)
    assert code == 2 and "--force" in err
    assert bundle.read_bytes() == b"a bundle someone signed"
    assert run("release", "--out", out, "--force", timeout=300)[0] == 0
    assert bundle.read_bytes()[:2] == b"PK"
    assert leftovers(out) == []


# --- folders: only what the command made itself ----------------------------------------------


def test_docs_replaces_only_its_own_site(tmp_path):
    site = tmp_path / "site"
    beside = tmp_path / "site.bygger"  # a folder of the user's that the old build removed
    beside.mkdir()
    (beside / "viktig.txt").write_text("behold meg\n", encoding="utf-8")
    assert run("docs", "--out", site, timeout=300)[0] == 0
    assert run("docs", "--out", site, timeout=300)[0] == 0  # its own site: rebuilt
    (site / "mine-notater.txt").write_text("mine\n", encoding="utf-8")
    code, _, err = run("docs", "--out", site, timeout=300)
    assert code == 2 and "mine-notater.txt" in err
    assert (site / "mine-notater.txt").read_text(encoding="utf-8") == "mine\n"
    assert (beside / "viktig.txt").read_text(encoding="utf-8") == "behold meg\n"
    assert stat.S_IMODE(site.stat().st_mode) == 0o755
    assert leftovers(tmp_path) == []


def test_docs_refuses_a_folder_of_other_files(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notat.md").write_text("# mitt\n", encoding="utf-8")
    code, _, err = run("docs", "--out", tmp_path / "docs", timeout=300)
    assert code == 2 and (tmp_path / "docs" / "notat.md").is_file()


def test_generate_writes_over_and_removes_only_its_own_files(tmp_path):
    out = tmp_path / "gen"
    assert run("generate", "--out", out, timeout=300)[0] == 0
    mine = out / "jsonschema" / "mitt.json"
    mine.write_text("{}", encoding="utf-8")  # not made by generate: never removed
    schema = out / "xsd" / "kad.xsd"
    schema.write_text("endret for hånd", encoding="utf-8")  # made by generate: written again
    assert run("generate", "--out", out, timeout=300)[0] == 0
    assert mine.read_text(encoding="utf-8") == "{}"
    assert schema.read_text(encoding="utf-8").startswith("<?xml")
    foreign = tmp_path / "annen"
    (foreign / "xsd").mkdir(parents=True)
    (foreign / "xsd" / "kad.xsd").write_text("noen andres", encoding="utf-8")
    code, _, err = run("generate", "--out", foreign, timeout=300)
    assert code == 2 and "--force" in err
    assert (foreign / "xsd" / "kad.xsd").read_text(encoding="utf-8") == "noen andres"


def test_a_composed_path_stays_inside_its_folder(tmp_path):
    from kad_spec.output.files import OutputRefused, inside

    assert inside(tmp_path, "a/b.html") == tmp_path / "a" / "b.html"
    (tmp_path / "ut").symlink_to("/")
    for escape in ("../x", "/etc/passwd", "a/../../x", "ut/etc/passwd", ""):
        with pytest.raises(OutputRefused):
            inside(tmp_path, escape)


# --- XML namespaces ----------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("case", ["header", "stay", "empty-prefix"])
def test_an_undeclared_namespace_prefix_is_a_finding(work, case, jobs):
    text = BASE_XML.read_text(encoding="utf-8")
    if case == "header":
        text = text.replace("<miljo>", "<q:status>x</q:status><miljo>", 1)
    elif case == "stay":
        text = text.replace("<opphold>", "<opphold><q:status>x</q:status>", 1)
    else:
        text = text.replace(f'xmlns="{NS}"', f'xmlns="{NS}" xmlns:x=""', 1)
    path = work / "prefiks.xml"
    path.write_text(text, encoding="utf-8")
    before = snapshot(work)
    code, out, _ = run("validate", "--jobs", jobs, "--format", "json", path)
    assert code == 1
    finding = json.loads(out)["files"][0]["findings"][0]
    assert finding["rule_id"] == "KAD-FIL-001" and finding["line"]
    for fmt in ("html", "json"):
        assert run("report", "--format", fmt, path)[0] == 0
    assert snapshot(work) == before


# --- unreadable paths ---------------------------------------------------------------------------


@pytest.fixture
def readable_by_nobody():
    """A folder every user may enter (pytest's own are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="kad-spec-tilgang-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def test_unreadable_files_and_folders_are_findings_and_the_rest_is_validated(readable_by_nobody):
    root = readable_by_nobody
    shutil.copy(BASE_JSON, root / "ok.json")
    (root / "lukket").mkdir()
    shutil.copy(BASE_JSON, root / "lukket" / "inni.json")
    shutil.copy(BASE_JSON, root / "ulesbar.json")
    (root / "mappe" / "lukket-under").mkdir(parents=True)
    shutil.copy(BASE_JSON, root / "mappe" / "ok.json")
    shutil.copy(BASE_JSON, root / "mappe" / "lukket-under" / "skjult.json")
    for path in (root, root / "ok.json", root / "mappe", root / "mappe" / "ok.json"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "ulesbar.json").chmod(0o000)
    (root / "lukket").chmod(0o000)
    (root / "mappe" / "lukket-under").chmod(0o000)
    before = snapshot(root)
    code, out, _ = run("validate", "--format", "json", "lukket/inni.json", "ulesbar.json", "ok.json", "mappe",
                       cwd=root, as_nobody=True)
    assert code == 1
    files = {f["path"]: f for f in json.loads(out)["files"]}
    stays = len(json.loads(BASE_JSON.read_text(encoding="utf-8"))["opphold"])
    assert files["ok.json"]["findings"] == [] and files["ok.json"]["stays"] == stays
    assert files["mappe/ok.json"]["stays"] == stays  # the readable part of the folder is still validated
    for name in ("lukket/inni.json", "ulesbar.json", "mappe/lukket-under"):
        assert [f["rule_id"] for f in files[name]["findings"]] == ["KAD-FIL-001"], name
    assert "ingen tilgang" in files["mappe/lukket-under"]["findings"][0]["message"]
    for fmt in ("html", "json"):
        assert run("report", "--format", fmt, "lukket/inni.json", "ulesbar.json", "ok.json", "mappe",
                   cwd=root, as_nobody=True)[0] == 0
    assert snapshot(root) == before


def test_a_path_through_a_file_is_a_usage_error(work):
    code, _, err = run("validate", work / "a.json" / "b.json")
    assert code == 2 and "Finner ikke" in err


# --- the configuration file -----------------------------------------------------------------


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\nwaivers: *a8\n"


CONFIGS = {
    "nesting": ("severity_overrides: " + "[" * 20_000 + "]" * 20_000 + "\n", "nestet dypere"),
    "nesting-blocks": ("".join("  " * i + f"k{i}:\n" for i in range(200)) + "\n", "nest"),
    "alias-bomb": (_alias_bomb(), "alias"),
    "recursive-alias": ("waivers: &a [*a]\n", "alias"),
    "duplicate-key": ("severity_overrides:\n  KAD-STR-002: warning\n  KAD-STR-002: error\n", "to ganger"),
    "duplicate-top-key": ("waivers: []\nwaivers: []\n", "to ganger"),
    "too-many-waivers": ("waivers:\n" + "  - {rule: KAD-STR-002, reason: x}\n" * 10_001, "10000"),
    "too-large": ("waivers:\n" + "".join(f"  - {{rule: KAD-STR-002, opphold_id: KAD-{i}, reason: ok}}\n"
                                         for i in range(300_000)), "MB"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_hostile_config_is_refused_at_once(work, name):
    text, words = CONFIGS[name]
    config = work / "kad-spec.yaml"
    config.write_text(text, encoding="utf-8")
    code, out, err = run("validate", "--config", config, work / "a.json", timeout=60)  # the timeout: a guard against a hang
    assert code == 2 and words in err, err[-500:]
    assert len(err) < 2000  # the message names the problem; it does not echo the expansion
    assert config.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "folder"])
def test_a_config_that_is_not_a_regular_file_is_never_read(work, kind):
    if kind == "fifo":
        config = work / "kad-spec.yaml"
        os.mkfifo(config)  # nobody writes to it: reading it would block for ever
    elif kind == "folder":
        config = work
    else:
        config = Path(kind)
    code, _, err = run("validate", "--config", config, work / "a.json", timeout=30)
    assert code == 2 and ("vanlig fil" in err or "mappe" in err)


def test_many_waivers_within_the_limit_are_applied(work):
    config = work / "kad-spec.yaml"
    waivers = "".join(f"  - {{rule: KAD-ID-008, opphold_id: KAD-{i}, reason: kjent}}\n" for i in range(9_999))
    config.write_text("waivers:\n" + waivers + "  - {rule: KAD-ID-008, reason: kjent feil i alder}\n", encoding="utf-8")
    message = json.loads(BASE_JSON.read_text(encoding="utf-8"))
    message["opphold"][0]["pasient"]["alder"] = 70
    (work / "alder.json").write_text(json.dumps(message), encoding="utf-8")
    code, out, err = run("validate", "--format", "json", "--config", config, work / "alder.json")
    assert code == 0, err
    assert json.loads(out)["files"][0]["findings"][0]["waived"] == "kjent feil i alder"


# --- a file that grows while it is read ---------------------------------------------------------


def _opened_by(pid: int, path: Path) -> bool:
    try:
        return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == str(path.resolve())
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_growing_file_is_read_to_the_size_it_had_when_opened(tmp_path, fmt, jobs):
    """A complete message, then a writer appending junk as soon as the command has the file open:
    read only to its size at opening, the message is clean (exit 0); read further, it is not."""
    path = tmp_path / f"vokser.{fmt}"
    assert run("example", "--count", 6000, "--format", fmt, "--out", path)[0] == 0
    junk = b',{"opphold_id": "vokser"}' if fmt == "json" else b"<opphold><ukjent/></opphold>"
    command = [sys.executable, "-m", "kad_spec", "validate", "--jobs", jobs, "--format", "json", str(path)]
    env = {**os.environ, "KAD_SPEC_SPLIT_BYTES": str(1 << 20)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT)))
    written = [0]

    def append_while_running():
        while process.poll() is None and not _opened_by(process.pid, path):
            time.sleep(0.0005)
        time.sleep(0.02)  # past the first opening, where the size is taken; the reading takes far longer
        with path.open("ab") as out:
            while process.poll() is None and written[0] < 64 << 20:
                out.write(junk * 4096)
                out.flush()
                written[0] += len(junk) * 4096

    writer = threading.Thread(target=append_while_running)
    writer.start()
    out, err = process.communicate(timeout=120)
    writer.join()
    assert_no_traceback(out.decode(), err.decode())
    assert written[0] > 0, "the writer never saw the file open"
    report = json.loads(out)
    assert process.returncode == 0, report["files"][0]["findings"][:3]
    assert report["files"][0]["stays"] == 6000


# --- lines ------------------------------------------------------------------------------------


def _true_line(data: bytes, needle: bytes, after: bytes = b"") -> int:
    at = data.index(needle, data.index(after) if after else 0)
    return data.count(b"\n", 0, at) + 1


def test_xml_lines_past_65535_are_exact_and_the_same_in_parts(tmp_path):
    path = tmp_path / "stor.xml"
    assert run("example", "--count", 8000, "--format", "xml", "--out", path)[0] == 0
    data = path.read_bytes()
    assert data.count(b"\n") > 2 * 65535
    ids = re.findall(rb"<opphold_id>([^<]+)</opphold_id>", data)
    late = [ids[5000], ids[7000]]
    kode_at = data.index(b"<kode>", data.index(late[0]))
    data = data[:kode_at] + b"<kode><![CDATA[J1\n89]]>" + data[data.index(b"</kode>", kode_at):]  # CDATA, a newline
    status_at = data.index(b"<status>", data.index(late[1]))
    data = data[:status_at] + b"<status/>" + data[data.index(b"</status>", status_at) + 9:]  # an empty element
    path.write_bytes(data)
    expected = {("KAD-STR-004", _true_line(data, b"<kode><![CDATA[", late[0])),
                ("KAD-KL-001", _true_line(data, b"<status/>", late[1]))}
    reports = []
    for jobs in ("1", "2"):
        code, out, _ = run("validate", "--jobs", jobs, "--format", "json", path, env={"KAD_SPEC_SPLIT_BYTES": "100000"})
        assert code == 1
        reports.append([(f["rule_id"], f["line"], f["pointer"]) for f in json.loads(out)["files"][0]["findings"]])
        assert expected <= {(rule, line) for rule, line, _ in reports[-1]}, reports[-1]
    assert reports[0] == reports[1]


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_cr_only_line_ends_put_findings_on_their_lines(tmp_path, suffix):
    base = (BASE_JSON if suffix == "json" else BASE_XML).read_text(encoding="utf-8")
    text = base.replace('"alder": 84', '"alder": 70').replace("<alder>84</alder>", "<alder>70</alder>")
    lines = {}
    for name, ends in (("lf", "\n"), ("cr", "\r"), ("crlf", "\r\n")):
        path = tmp_path / f"{name}.{suffix}"
        path.write_bytes(text.replace("\n", ends).encode("utf-8"))
        code, out, _ = run("validate", "--format", "json", path)
        assert code == 1
        lines[name] = [(f["rule_id"], f["line"]) for f in json.loads(out)["files"][0]["findings"]]
    assert lines["cr"] == lines["lf"] == lines["crlf"]
    assert lines["lf"][0][1] == next(i for i, line in enumerate(text.splitlines(), 1) if "alder" in line)


def test_an_age_written_as_70_point_0_is_checked_like_70(tmp_path):
    found = {}
    for value in ("70", "70.0"):
        path = tmp_path / f"alder-{value}.json"
        path.write_text(BASE_JSON.read_text(encoding="utf-8").replace('"alder": 84', f'"alder": {value}'), encoding="utf-8")
        code, out, _ = run("validate", "--format", "json", path)
        found[value] = (code, [f["rule_id"] for f in json.loads(out)["files"][0]["findings"]])
    assert found["70"] == found["70.0"] == (1, ["KAD-ID-008"])
