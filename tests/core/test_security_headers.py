"""Security headers on every dynamic response, production settings, error pages and the media
root (issue 24): a Content-Security-Policy without inline script, Permissions-Policy, frame
denial, `Cache-Control: no-store`, no browsable API in production, no debug pages by default,
and no URL that serves the media root."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/v1/docs/", "/no/such/page/"])
def test_every_dynamic_response_carries_the_security_headers(client, url: str) -> None:
    response = client.get(url)
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["default-src"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_phi_pages_api_answers_and_downloads_are_never_stored(
    login_client, aco_admin, entity_a
) -> None:
    client = login_client(aco_admin)
    for url in (
        reverse("care:roster", args=[entity_a.pk]),
        "/api/v1/beneficiaries/",
        "/api/v1/jobs/",
        f"/api/v1/entities/{entity_a.pk}/participant-list/?year=2025",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert "no-store" in response["Cache-Control"], url
        assert "max-age" not in response["Cache-Control"], url


def test_static_files_are_cacheable(client) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_no_template_of_ours_has_inline_script() -> None:
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        if re.search(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE):
            offenders.append(f"{path.relative_to(ROOT)}: inline event handler")
    assert not offenders


@pytest.mark.django_db
def test_the_api_docs_page_runs_no_inline_script(client) -> None:
    page = client.get("/api/v1/docs/").content.decode()
    assert "<redoc spec-url=" in page
    assert not [t for t in re.findall(r"<script\b[^>]*>", page) if "src=" not in t]
    assert "fonts.googleapis.com" not in page


@pytest.mark.django_db
def test_a_missing_page_is_our_404_page(client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"<h1>Not found</h1>" in response.content


def test_the_500_page_is_ours() -> None:
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")


def _settings_of(module: str, **env: str) -> dict:
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings as s\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/media/partners/exports/x/Patient.ndjson'); media = True\n"
        "except Resolver404:\n    media = False\n"
        "print(json.dumps({'DEBUG': s.DEBUG, 'renderers': s.REST_FRAMEWORK["
        "'DEFAULT_RENDERER_CLASSES'], 'media_served': media, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
        "'upload_mode': s.FILE_UPLOAD_PERMISSIONS, 'dir_mode': s.FILE_UPLOAD_DIRECTORY_PERMISSIONS}))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_make_runs_settings_show_no_debug_pages_and_serve_no_media() -> None:
    local = _settings_of("config.settings.local")
    assert local["DEBUG"] is False
    assert local["media_served"] is False
    assert local["upload_mode"] == 0o600
    assert local["dir_mode"] == 0o700
    # Even with DEBUG turned on by hand, /media/ serves nothing.
    assert _settings_of("config.settings.local", DEBUG="1")["media_served"] is False


def test_production_has_no_browsable_api_and_secure_cookies() -> None:
    production = _settings_of(
        "config.settings.production",
        SECRET_KEY="a-long-random-production-key-" + "x" * 40,
        ALLOWED_HOSTS="vbc.example.test",
    )
    assert production["renderers"] == ["rest_framework.renderers.JSONRenderer"]
    assert production["hsts"] >= 31536000
    assert production["session_secure"] is True
    assert production["csrf_secure"] is True
    assert production["media_served"] is False


def test_elsewhere_the_browsable_api_is_the_masking_one() -> None:
    assert (
        "core.renderers.MaskedBrowsableAPIRenderer"
        in settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    )
