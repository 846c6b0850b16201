"""MBIs never travel in a URL and never reach a log, whatever a partner does (issue 9)."""

from __future__ import annotations

import logging
import re

import pytest

from audit.models import AccessRecord
from beneficiaries.models import Beneficiary
from core.logging import MBI_PATTERN

pytestmark = pytest.mark.django_db


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_no_mbi_in_any_url_or_log_line_of_a_partner_session(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    mbis = set(Beneficiary.objects.filter(entity=entity_a).values_list("current_mbi", flat=True))
    recorder = Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    urls: list[str] = []
    try:
        api = api_for(partner_a)
        get, post = api.get, api.post

        def logged_get(url: str, *args, **kwargs):
            urls.append(url)
            return get(url, *args, **kwargs)

        def logged_post(url: str, *args, **kwargs):
            urls.append(url)
            return post(url, *args, **kwargs)

        api.get, api.post = logged_get, logged_post
        roster = api.get("/api/v1/beneficiaries/?page_size=20").json()["results"]
        some = [row["mbi"] for row in roster[:5]]
        api.post("/api/v1/beneficiaries/search", {"mbis": some}, content_type="application/json")
        api.post(
            "/api/v1/beneficiaries/search",
            {"mbis": [*some, "bad"]},
            content_type="application/json",
        )
        for row in roster[:3]:
            api.get(f"/api/v1/beneficiaries/{row['id']}/")
            api.get(f"/fhir/Patient/{row['id']}")
            api.get(f"/fhir/Coverage/{row['id']}")
        api.get("/api/v1/beneficiaries/999999999/")
        with django_capture_on_commit_callbacks(execute=True):
            kick = api.get(f"/fhir/Group/{entity_a.cms_id}/$export", HTTP_PREFER="respond-async")
        manifest = api.get(kick["Content-Location"]).json()
        for output in manifest["output"]:
            b"".join(api.get(output["url"]).streaming_content)
            urls.append(output["url"])
    finally:
        root.removeHandler(recorder)
        root.setLevel(old_level)
    assert some, "the roster should have shown MBIs in its bodies"
    routes = list(AccessRecord.objects.values_list("route", flat=True))
    for text in [*urls, *routes, *recorder.lines]:
        found = {m.upper() for m in MBI_PATTERN.findall(text)} & mbis
        assert not found, f"MBI in {text!r}"
    # The check itself would notice one.
    assert MBI_PATTERN.search(f"/x/{some[0]}/")
    assert recorder.lines, "the session should have logged something"
    assert not any(re.search(r"client_assertion=", line) for line in recorder.lines)


def test_an_mbi_put_in_a_path_by_a_client_is_masked_in_the_access_record(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    from core.logging import MASK

    mbi = Beneficiary.objects.filter(entity=entity_a).first().current_mbi
    assert api_for(partner_a).get(f"/fhir/Group/{mbi}").status_code == 404
    record = AccessRecord.objects.order_by("-id").first()
    assert record.client_id == partner_a.client_id
    assert record.route == f"/fhir/Group/{MASK}"
