from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_when_services_are_required() -> None:
    if os.environ.get("REQUIRE_SERVICES") != "1":
        pytest.skip("services are not required in this run")
    assert connection.vendor == "postgresql"


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="vbc.example.test"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_the_deploy_check_without_warnings() -> None:
    # The browser tests allow Django's async-unsafe calls for Playwright; production never does.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-key-" + "x" * 40 + "-9f8e7d6c5b4a",
        ALLOWED_HOSTS="vbc.example.test",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "WARNINGS" not in result.stderr


def test_the_deploy_check_warns_when_row_security_is_off() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-key-" + "x" * 40 + "-9f8e7d6c5b4a",
        ALLOWED_HOSTS="vbc.example.test",
        DATABASE_ROW_SECURITY="off",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "openvbc.W001" in result.stderr + result.stdout
