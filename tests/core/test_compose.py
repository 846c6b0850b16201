from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_defines_the_production_services_sharing_one_app_definition() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "adt-listener", "db", "redis"}
    app = compose["x-app"]
    for name in ("web", "worker", "beat", "adt-listener"):
        assert services[name]["image"] == app["image"]
        assert services[name]["environment"] == app["environment"]
    assert services["db"]["image"].startswith("postgres:16")
    assert "celery -A config worker" in services["worker"]["command"]
    assert "celery -A config beat" in services["beat"]["command"]
    assert "manage.py adt_listener" in services["adt-listener"]["command"]
    assert services["adt-listener"]["ports"] == ["2575:2575"]
