"""A non-editable install carries the model, code lists and generated artefacts inside the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("KAD_SKIP_INSTALL_TEST") == "1", reason="KAD_SKIP_INSTALL_TEST=1"
)


def _run(*cmd, cwd=None, timeout=600, env=None):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env)


def test_wheel_in_a_clean_venv_gives_a_working_command(tmp_path):
    wheels = tmp_path / "wheels"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT)
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("kad_spec-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    installed = _run(bin_dir / "python", "-m", "pip", "install", "-q", wheel)
    assert installed.returncode == 0, installed.stderr
    # Run from elsewhere, on copies, so nothing from the checkout can be picked up.
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(EXAMPLES / "kad-melding.json", work)
    shutil.copy(EXAMPLES / "kad-melding.xml", work)
    kad = bin_dir / "kad-spec"
    version = _run(kad, "--version", cwd=work)
    assert version.returncode == 0 and "spesifikasjon 1.0.0" in version.stdout
    cache = tmp_path / "cache"
    cached = {**os.environ, "KAD_SPEC_CACHE_DIR": str(cache)}
    valid = _run(kad, "validate", "kad-melding.json", "kad-melding.xml", cwd=work, env=cached)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "2 fil(er), 8 opphold, 0 feil" in valid.stdout
    # The installed lists and model are compiled into the cache once, then read from it.
    stored = {path.name: path.read_bytes() for path in cache.glob("*.bin")}
    assert any(name.startswith("codelist-") for name in stored) and any(name.startswith("yaml-") for name in stored)
    again = _run(kad, "validate", "kad-melding.json", "kad-melding.xml", cwd=work, env=cached)
    assert (again.returncode, again.stdout) == (valid.returncode, valid.stdout)
    assert {path.name: path.read_bytes() for path in cache.glob("*.bin")} == stored
    package = next((env_dir / "lib").glob("python*/site-packages/kad_spec"))
    assert not list(package.rglob("*.bin")), "nothing is written into the installed package"
    # The envelope and receipt schemas travel in the wheel.
    shutil.copy(EXAMPLES / "konvolutt-kad-melding.xml", work)
    receipt = _run(kad, "validate", "--format", "apprec", "konvolutt-kad-melding.xml", cwd=work)
    assert receipt.returncode == 0 and '<Status V="1"' in receipt.stdout, receipt.stdout + receipt.stderr
    lookup = _run(kad, "codelists", "lookup", "kommunenummer", "3001", "--date", "2024-03-01", cwd=work)
    assert "3101" in lookup.stdout
    # Without the model extra (no LinkML): one line with the install command, exit 2, no traceback.
    for command in (["lint"], ["generate", "--check"], ["generate", "--out", work / "gen"], ["release", "--out", work / "dist"]):
        done = _run(kad, *command, cwd=work)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "ModuleNotFoundError" not in done.stderr
        (line,) = done.stderr.splitlines()
        assert "LinkML" in line and "pip install 'kad-spec[model]'" in line
    english = _run(kad, "lint", "--lang", "en", cwd=work)
    assert english.returncode == 2 and "needs LinkML" in english.stderr
    assert not (work / "gen").exists() and not (work / "dist").exists()
    # The installed model and artefacts match: validate gives no stale warning.
    assert "advarsel" not in valid.stderr, valid.stderr
    # An import without --into never writes into site-packages.
    sample = work / "klass.csv"
    sample.write_text('"code";"name"\n"0301";"Oslo"\n', encoding="utf-8")
    site_lists = next((env_dir / "lib").glob("python*/site-packages/kad_spec/_data/codelists"))
    before = (site_lists / "kommunenummer.csv").read_bytes()
    refused = _run(kad, "codelists", "import", sample, "--format", "klass-csv", "--edition", "2027", cwd=work)
    assert refused.returncode == 2 and "--into" in refused.stderr, refused.stdout + refused.stderr
    assert (site_lists / "kommunenummer.csv").read_bytes() == before


def test_wheel_from_the_release_installs_alone_and_validates_without_linkml(tmp_path):
    from kad_spec.tools.release import build_release, unpack_for_inspection

    made, _ = build_release(tmp_path / "dist")
    folder = unpack_for_inspection(made.path, tmp_path / "unpacked")
    wheel = next((folder / "wheel").glob("kad_spec-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    installed = _run(bin_dir / "python", "-m", "pip", "install", "-q", wheel)
    assert installed.returncode == 0, installed.stderr
    absent = _run(bin_dir / "python", "-c", "import importlib.util as u; print(u.find_spec('linkml'), u.find_spec('pytest'))")
    assert absent.stdout.strip() == "None None", absent.stdout
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(folder / "examples" / "kad-melding.json", work)
    shutil.copy(folder / "examples" / "kad-melding.xml", work)
    valid = _run(bin_dir / "kad-spec", "validate", "kad-melding.json", "kad-melding.xml", cwd=work)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "2 fil(er), 8 opphold, 0 feil" in valid.stdout
    broken = _run(bin_dir / "kad-spec", "example", "--defect", "KAD-DIA-002", "-o", "d.json", cwd=work)
    assert broken.returncode == 0, broken.stderr
    rejected = _run(bin_dir / "kad-spec", "validate", "--format", "junit", "d.json", cwd=work)
    assert rejected.returncode == 1 and "KAD-DIA-002" in rejected.stdout


def test_make_example_installs_the_validator_without_linkml():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\nexample:", 1)[1].split("\n\n", 1)[0]
    runtime = makefile.split("\n$(RUNTIME):", 1)[1].split("\n\n", 1)[0]
    assert "$(RUNTIME)" in target.splitlines()[0] and "$(STAMP)" not in target
    assert "pip install --quiet -e .\n" in runtime + "\n" and "[test]" not in runtime
