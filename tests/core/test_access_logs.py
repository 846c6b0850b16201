"""The web servers' access logs carry no query string and no MBI: gunicorn (production, compose,
bench/api) with the project's configuration, and runserver's request log (`make run`)."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.logging import MASK
from synthetic.identifiers import mbi as synthetic_mbi

MBI = synthetic_mbi(515_151)
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_logs_paths_without_queries_and_with_mbis_masked(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
             "config.wsgi:application"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    _get(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.2)
            assert _get(f"{base}/fhir/Patient/{MBI}") in (401, 404)
            assert _get(f"{base}/api/v1/beneficiaries/?mbi={MBI}&name=Smith") in (401, 403)
            assert _get(f"{base}/healthz?last_name=Smith&birth_date=1950-01-01") in (200, 503)
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    assert "GET /healthz" in text, text
    assert f"/fhir/Patient/{MASK}" in text, text
    assert MBI not in text
    assert "Smith" not in text
    assert "1950-01-01" not in text
    assert "mbi=" not in text


def test_runserver_request_lines_lose_their_query_and_mbis() -> None:
    # The handlers `django.server` is configured with, applied as logging applies them.
    logger = logging.getLogger("django.server")
    assert not logger.propagate
    handlers = [h for h in logger.handlers if type(h) is logging.StreamHandler]
    assert handlers
    for handler in handlers:
        stream = io.StringIO()
        original = handler.setStream(stream)
        try:
            logger.info('"%s" %s %s', f"GET /care/1/?name=Smith&mbi={MBI} HTTP/1.1", 200, 10)
            logger.info('"%s" %s %s', f"GET /fhir/Patient/{MBI} HTTP/1.1", 404, 10)
        finally:
            handler.setStream(original)
        text = stream.getvalue()
        assert "GET /care/1/" in text
        assert "Smith" not in text
        assert MBI not in text
        assert f"/fhir/Patient/{MASK}" in text
