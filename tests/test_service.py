"""The validation service (kad-spec serve), started for real and driven over HTTP."""

from __future__ import annotations

import httpx


def test_health_answers_with_the_versions(service):
    answer = httpx.get(service.url + "/api/v1/helse")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["tool"]["name"] == "kad-spec"
    assert body["specification_version"] and body["codelist_editions"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
