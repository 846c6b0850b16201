"""The layer contracts (.importlinter, run by `make lint`) cover every app, and the check of
private names that import-linter cannot express finds one."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from django.conf import settings

from lint.private_names import private_name_imports

CONFIG = Path(settings.BASE_DIR) / ".importlinter"
# Packages that are not Django apps of PROJECT_APPS but are layers: the CCLF format, synthetic
# data (an app only for its commands) and the project package.
OTHER_PACKAGES = {"cclf", "synthetic", "config"}


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser


def test_every_app_is_a_layer_and_a_root_package_of_the_contracts() -> None:
    config = _config()
    layers = {
        name.strip()
        for line in config["importlinter:contract:layers"]["layers"].split()
        for name in line.split("|")
        if name.strip()
    }
    roots = set(config["importlinter"]["root_packages"].split())
    expected = set(settings.PROJECT_APPS) | OTHER_PACKAGES
    assert layers == expected
    assert roots == expected
    assert set(config["importlinter:contract:private-names"]["packages"].split()) == expected


def test_a_private_name_taken_from_another_package_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lower").mkdir()
    (tmp_path / "lower" / "__init__.py").write_text("")
    (tmp_path / "lower" / "rules.py").write_text("_secret = 1\npublic = 2\n__all__ = []\n")
    (tmp_path / "upper").mkdir()
    (tmp_path / "upper" / "__init__.py").write_text("")
    (tmp_path / "upper" / "own.py").write_text("_mine = 1\n")
    (tmp_path / "upper" / "use.py").write_text(
        "from lower.rules import __all__, public\n"
        "from upper.own import _mine\n"
        "from . import own\n"
        "\n"
        "def later():\n"
        "    from lower.rules import _secret\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = private_name_imports(
        ["lower", "lower.rules", "upper", "upper.own", "upper.use"], {"lower", "upper"}
    )
    assert found == [("upper.use", "lower.rules._secret", 6)]


def _make_lint_commands() -> list[str]:
    """The commands of the Makefile's lint target, without the virtualenv path and the `.`."""
    lines = (Path(settings.BASE_DIR) / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("lint:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        words = line.split("#")[0].replace("$(VENV)/bin/", "").split()
        commands.append(" ".join(w for w in words if w != "."))
    return commands


def test_the_pre_commit_hooks_run_the_checks_of_make_lint() -> None:
    import yaml

    config = yaml.safe_load((Path(settings.BASE_DIR) / ".pre-commit-config.yaml").read_text())
    entries = [
        hook["entry"].replace(".venv/bin/", "").replace(" --force-exclude", "")
        for repo in config["repos"]
        for hook in repo["hooks"]
    ]
    commands = _make_lint_commands()
    assert commands
    # Each check of `make lint` has its hook (the hooks may fix what lint only reports, and add
    # hygiene checks of their own): the same tool and subcommand.
    for command in commands:
        words = command.split()
        tool = " ".join(words[:2]) if words[0] == "ruff" else words[0]
        assert any(entry.split()[: len(tool.split())] == tool.split() for entry in entries), command
