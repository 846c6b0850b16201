"""The screenshots in docs/screenshots/, taken from the demo (scripts/screenshots runs this).

Loads the demo (`manage.py load_demo`) into a fresh SQLite database in a temporary folder (or
the one `--db` names, kept between runs), serves it with `manage.py runserver`, signs in as each
demo role with a second factor, as a person would, and saves a full-page screenshot of each page
the docs show, with Playwright in Debian's headless chromium (as the browser tests do).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    env.pop("JOBS_DISPATCH", None)
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    # Our own manage.py with fixed arguments.
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def _wait_for(port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"the demo server did not answer on port {port}")


def _shots() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(file name, demo login, path, options) of each screenshot, read from the loaded demo."""
    from django.urls import reverse

    from alignment.models import AlignmentResult, AlignmentRun
    from benchmarks.models import BenchmarkCalculation
    from care.models import WorklistItem
    from entities.models import Entity

    aco = Entity.objects.get(cms_id="A9901")
    dce = Entity.objects.get(cms_id="D9902")
    # The person the coordinator works first: the open task due soonest with a hospital stay.
    item = (
        WorklistItem.objects.filter(entity=aco, status="open", kind="discharge_follow_up")
        .order_by("due_date", "pk")
        .first()
    ) or WorklistItem.objects.filter(entity=aco, status="open").order_by("due_date", "pk").first()
    assert item is not None, "the demo has no open task"
    bene = item.beneficiary_id
    run = (
        AlignmentRun.objects.filter(entity=aco, status="succeeded")
        .order_by("-as_of", "-created_at")
        .first()
    )
    assert run is not None
    dropped = (
        AlignmentResult.objects.filter(run=run, aligned=False).order_by("beneficiary_id").first()
    )
    calculation = (
        BenchmarkCalculation.objects.filter(entity=aco).order_by("-performance_year", "-pk").first()
    )
    coordinator, analyst, admin = (
        "coordinator@valley.demo",
        "analyst@valley.demo",
        "admin@valley.demo",
    )
    shots: list[tuple[str, str, str, dict[str, Any]]] = [
        ("coordinator-my-work", coordinator, reverse("care:today"), {}),
        ("dashboard-today", coordinator, reverse("care:today"), {}),
        ("dashboard-overview", coordinator, reverse("care:overview", args=[aco.pk]), {}),
        ("dashboard-roster", coordinator, reverse("care:roster", args=[aco.pk]), {}),
        (
            "coordinator-roster",
            coordinator,
            reverse("care:roster", args=[aco.pk]) + "?sort=-risk",
            {},
        ),
        ("coordinator-queue", coordinator, reverse("care:queue", args=[aco.pk]), {}),
        (
            "dashboard-beneficiary",
            coordinator,
            reverse("care:beneficiary", args=[aco.pk, bene]),
            {},
        ),
        ("coordinator-person", coordinator, reverse("care:beneficiary", args=[aco.pk, bene]), {}),
        (
            "phone-overview",
            coordinator,
            reverse("care:overview", args=[aco.pk]),
            {"viewport": {"width": 390, "height": 844}},
        ),
        (
            "quality-score",
            analyst,
            reverse("quality:overview", args=[aco.pk]) + "?year=2025",
            {},
        ),
        (
            "settlement",
            analyst,
            reverse("settlement:entity_year", args=[aco.pk, 2025]),
            {},
        ),
        ("alignment_run", analyst, reverse("alignment:run_detail", args=[run.pk]), {}),
        ("alignment_dropped", analyst, reverse("alignment:run_results", args=[run.pk]), {}),
        ("beneficiary_risk", analyst, reverse("benchmarks:beneficiary_risk", args=[bene]), {}),
        ("lead-specialists", analyst, reverse("specialists:entity", args=[aco.pk]), {}),
        ("team", admin, reverse("care:team", args=[aco.pk]), {}),
        ("home", coordinator, "/", {}),
        ("partner-api-docs", admin, "/api/v1/docs/", {}),
        (
            "partner-api-register-client",
            admin,
            reverse("admin:partners_partnerclient_add"),
            {},
        ),
        (
            "settlement-reach-projection",
            "analyst@coastal.demo",
            reverse("settlement:entity_year", args=[dce.pk, 2025]),
            {},
        ),
    ]
    if dropped is not None:
        shots.append(
            (
                "alignment_dropped_beneficiary",
                analyst,
                reverse("alignment:beneficiary_history", args=[dropped.beneficiary_id]),
                {},
            )
        )
    if calculation is not None:
        shots.append(
            (
                "benchmark",
                analyst,
                reverse("benchmarks:calculation_detail", args=[calculation.pk]),
                {},
            )
        )
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="folder of a demo database to keep and reuse")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", nargs="*", default=[], help="file names to take (default all)")
    args = parser.parse_args()
    folder = args.db or Path(tempfile.mkdtemp(prefix="openvbc-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "demo.sqlite3"
    env = _env(db)
    os.environ.update(env)
    for key in ("REDIS_URL",):
        os.environ.pop(key, None)
    if not db.exists():
        _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo")  # idempotent: a kept database keeps what it has

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from allauth.mfa.models import Authenticator

    from accounts.models import User
    from synthetic.demo import DEMO_PASSWORD
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.signin import sign_in_with_mfa

    shots = [s for s in _shots() if not args.only or s[0] in args.only]
    server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    from playwright.sync_api import sync_playwright

    try:
        _wait_for(args.port)
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            login = browser.new_page(viewport={"width": 1366, "height": 900})
            login.goto(f"{base}/accounts/login/")
            login.screenshot(path=str(args.out / "login.png"), full_page=True)
            login.close()
            for email in dict.fromkeys(who for _, who, _, _ in shots):
                # A kept database: the person sets up a new authenticator, as at a first sign-in.
                Authenticator.objects.filter(user__email=email).delete()
                assert User.objects.filter(email=email).exists(), email
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.set_default_timeout(30_000)
                sign_in_with_mfa(page, base, email, DEMO_PASSWORD)
                for name, who, path, options in shots:
                    if who != email:
                        continue
                    viewport = options.get("viewport")
                    if viewport:
                        page.set_viewport_size(viewport)
                    response = page.goto(base + path)
                    assert response is not None, (name, path)
                    assert response.status == 200, (name, path, response.status)
                    target = args.out / f"{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
                    if viewport:
                        page.set_viewport_size({"width": 1366, "height": 900})
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
