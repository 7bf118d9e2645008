"""Hostile files posted to the service: the classes the CLI survives give the CLI's findings (200) or a clean 413.

Every file of tests/hostile.py's generators is posted to one real server; its report must be the
one ``kad-spec validate`` gives for the same file (run once over all of them), no answer is a
5xx, no answer or log line shows the entity target's secret, and the log has no traceback.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from hostile import SECRET, hostile_files, hostile_json, hostile_xml, one_line_message, run_cli

VALIDATE = "/api/v1/validering"
LIMIT = 50 * 1000 * 1000


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fiendtlig")
    paths = {**hostile_xml(folder), **hostile_json(folder), **hostile_files(folder)}
    paths["lang-linje.json"] = one_line_message(folder / "lang-linje.json", text_mb=8)
    paths.pop("hemmelig.txt", None)
    return folder, paths


@pytest.fixture(scope="module")
def cli_files(hostile):
    """The CLI's report of every file under the limit, by name."""
    folder, paths = hostile
    names = sorted(name for name, path in paths.items() if path.stat().st_size <= LIMIT)
    run = run_cli("validate", "--format", "json", *names, cwd=folder, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    return {file["path"]: file for file in json.loads(run.stdout)["files"]}


def test_every_hostile_file_gets_the_cli_findings_or_a_clean_413(service, hostile, cli_files):
    folder, paths = hostile
    for name, path in sorted(paths.items()):
        data = path.read_bytes()
        answer = httpx.post(service.url + VALIDATE, content=data, params={"navn": name}, timeout=120)
        assert SECRET not in answer.text, name
        if len(data) > LIMIT:
            assert answer.status_code == 413, name
            assert answer.json()["feil"]
            continue
        assert answer.status_code == 200, (name, answer.text[:500])
        (file,) = answer.json()["files"]
        assert file == cli_files[name], name
    log = service.log()
    assert "Traceback" not in log and "intern feil" not in log and SECRET not in log


@pytest.mark.parametrize("fmt", ("sarif", "junit", "apprec", "text"))
def test_the_other_formats_survive_them_too(service, hostile, fmt):
    folder, paths = hostile
    for name in ("billion-laughs.xml", "xxe-fil.xml", "dyp-nesting.json", "tilfeldig.xml", "utf16.json",
                 "kontrolltegn.json", "tom.json"):
        answer = httpx.post(service.url + VALIDATE, content=paths[name].read_bytes(),
                            params={"format": fmt, "lang": "en"}, timeout=60)
        assert answer.status_code == 200, (name, answer.text[:500])
        assert SECRET not in answer.text and "\x01" not in answer.text


RULE_LINK = re.compile(r'href="/dokumentasjon/regler/([a-z0-9-]+)\.html"')


def test_every_hostile_file_uploaded_through_the_form_gets_the_apis_findings_or_a_413_page(service, hostile):
    """The page shows the same rules as the API's report (itself the CLI's) for every hostile
    file; one over the limit is a 413 page. Never a 5xx, never the secret, no traceback."""
    folder, paths = hostile
    shown = 0
    for name, path in sorted(paths.items()):
        data = path.read_bytes()
        page = httpx.post(service.url + "/sjekk", files={"fil": (name, data, "application/octet-stream")},
                          timeout=120)
        assert page.headers["content-type"] == "text/html; charset=utf-8", name
        assert SECRET not in page.text, name
        if len(data) > LIMIT:
            assert page.status_code == 413 and "større enn grensen" in page.text, name
            continue
        assert page.status_code == 200, (name, page.status_code)
        api = httpx.post(service.url + VALIDATE, content=data, params={"navn": name}, timeout=120)
        (file,) = api.json()["files"]
        rules = {finding["rule_id"].lower() for finding in file["findings"]}
        assert set(RULE_LINK.findall(page.text)) == rules, name
        shown += bool(rules)
    assert shown >= 10  # the files did give findings to compare
    log = service.log()
    assert "Traceback" not in log and "intern feil" not in log and SECRET not in log
