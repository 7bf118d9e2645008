"""Validation never uses the network: not from Python (sockets blocked in a fresh process) and
not from libxml2 (a local listener that entities and DTDs point at never gets a connection)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hostile import EXAMPLES, NS, assert_no_traceback, hostile_files, hostile_json, hostile_xml, run_cli

MARK = "NETTVERK-FORSØKT"

SITECUSTOMIZE = textwrap.dedent(f"""
    import socket, sys

    def _refuse(*args, **kwargs):
        sys.stderr.write("{MARK}\\n")
        raise OSError("network blocked in this test")

    class _Socket(socket.socket):
        def __init__(self, *args, **kwargs):
            _refuse()

    socket.socket = _Socket
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
""")


@pytest.fixture(scope="module")
def blocked_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sitecustomize")
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return {"PYTHONPATH": str(folder)}


@pytest.fixture(scope="module")
def every_input(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("alle")
    paths = sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".json", ".xml"))
    for builder in (hostile_json, hostile_xml, hostile_files):
        own = folder / builder.__name__
        own.mkdir()
        paths += [p for p in builder(own).values() if p.suffix in (".json", ".xml")]
    return paths


def test_the_block_works(blocked_env):
    run = run_cli("--version", env=blocked_env)
    assert run.returncode == 0
    probe = run_cli("validate", "--help", env=blocked_env)
    assert MARK not in probe.stderr
    done = subprocess.run([sys.executable, "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9/')"],
                          capture_output=True, env={**os.environ, **blocked_env}, timeout=30)
    assert MARK in done.stderr.decode()


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_no_socket_while_validating_everything(blocked_env, every_input, fmt):
    run = run_cli("validate", "--format", fmt, *every_input, env=blocked_env, timeout=120)
    assert run.returncode == 1
    assert_no_traceback(run.stdout, run.stderr)
    assert MARK not in run.stderr


def test_libxml2_never_connects(tmp_path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    texts = {
        "entitet.xml": f'<!DOCTYPE KadMelding [<!ENTITY x SYSTEM "{url}/e">]>\n<KadMelding xmlns="{NS}">&x;</KadMelding>',
        "dtd.xml": f'<!DOCTYPE KadMelding SYSTEM "{url}/kad.dtd">\n<KadMelding xmlns="{NS}"/>',
        "parameter.xml": f'<!DOCTYPE KadMelding [<!ENTITY % p SYSTEM "{url}/p"> %p;]>\n<KadMelding xmlns="{NS}"/>',
        "xinclude.xml": f'<KadMelding xmlns="{NS}" xmlns:xi="http://www.w3.org/2001/XInclude">'
                        f'<xi:include href="{url}/i.xml"/></KadMelding>',
        "schemalocation.xml": f'<KadMelding xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                              f'xsi:schemaLocation="{NS} {url}/kad.xsd"/>',
        "lang-prolog.xml": "<!--" + "x" * 70_000 + "-->\n"
                           + f'<!DOCTYPE KadMelding SYSTEM "{url}/kad.dtd">\n<KadMelding xmlns="{NS}"/>',
    }
    paths = []
    for name, text in texts.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    try:
        run = run_cli("validate", "--format", "json", *paths, timeout=60)
        assert run.returncode == 1
        assert_no_traceback(run.stdout, run.stderr)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


def test_an_envelope_and_its_receipt_never_use_the_network(blocked_env):
    run = run_cli("validate", "--format", "apprec", EXAMPLES / "konvolutt-kad-melding.xml", env=blocked_env)
    assert run.returncode == 0, run.stderr
    assert MARK not in run.stderr and '<Status V="1"' in run.stdout
