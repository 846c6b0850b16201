"""What each role in an entity may see and do: one table, read by the code that enforces it
(settlement, the run pages, partner registration, the console) and by the console page that
shows it to the entity's admins, so that the page cannot say anything the code does not do.

A cell is `True` (the role may), `False` (it may not), or the name of a field of the entity's
`EntityRoleSettings` that decides for that entity (its default is the field's default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import EntityRoleSettings, Role

ADMIN, ANALYST, COORDINATOR = Role.ENTITY_ADMIN, Role.ANALYST, Role.CARE_COORDINATOR
PREFERRED = Role.PREFERRED_PROVIDER

# Permission keys the code asks about.
PHI = "phi"
VIEW_RESULTS = "view_results"
SETTLEMENT_MONEY = "settlement_money"
START_RUNS = "start_runs"
CONSOLE = "console"
REGISTER_PARTNER = "register_partner"
CHANGE_SETTINGS = "change_settings"
MANAGE_TEAM_WORK = "manage_team_work"
SHARED_PATIENTS = "shared_patients"


@dataclass(frozen=True)
class Permission:
    key: str
    label: str
    grants: dict[str, bool | str]


PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        PHI,
        "Open the dashboard, roster, worklist and beneficiary pages, their exports and the "
        "beneficiary API, with a second factor verified in the session",
        {ADMIN: True, ANALYST: True, COORDINATOR: True},
    ),
    Permission(
        VIEW_RESULTS,
        "View alignment runs, benchmarks and risk scores",
        {ADMIN: True, ANALYST: True, COORDINATOR: True},
    ),
    Permission(
        SETTLEMENT_MONEY,
        "See settlement dollars and TIN payouts: settlement pages, TIN statements, the "
        "dashboard's projected savings, settlement jobs' figures",
        {ADMIN: True, ANALYST: True, COORDINATOR: "coordinators_see_settlement_money"},
    ),
    Permission(
        START_RUNS,
        "Start an alignment run, a benchmark or risk recompute, a settlement version or "
        "collection; upload reference data",
        {ADMIN: True, ANALYST: True, COORDINATOR: False},
    ),
    Permission(
        CONSOLE,
        "Admin console (with console access): the entity's participants, deliveries, partner "
        "clients, quality results and access log",
        {ADMIN: True, ANALYST: False, COORDINATOR: False},
    ),
    Permission(
        REGISTER_PARTNER,
        "Register a partner system's API client",
        {ADMIN: True, ANALYST: False, COORDINATOR: False},
    ),
    Permission(
        CHANGE_SETTINGS,
        "Change this entity's settings below",
        {ADMIN: True, ANALYST: False, COORDINATOR: False},
    ),
    Permission(
        MANAGE_TEAM_WORK,
        "See each member's open and overdue tasks and reassign tasks in bulk (the team page)",
        {ADMIN: True, ANALYST: False, COORDINATOR: False},
    ),
    Permission(
        SHARED_PATIENTS,
        "Preferred providers (ACO REACH): their practice's shared patients, its scorecard and "
        "their export and API, for the one TIN they are enrolled for, with a second factor "
        "verified in the session; nothing else of the entity",
        {ADMIN: False, ANALYST: False, COORDINATOR: False, PREFERRED: True},
    ),
)
BY_KEY = {p.key: p for p in PERMISSIONS}


def roles_with(key: str) -> tuple[str, ...]:
    """The roles that hold the permission whatever the entity's settings."""
    return tuple(role for role, grant in BY_KEY[key].grants.items() if grant is True)


def role_may(role: str, key: str, settings: EntityRoleSettings | None) -> bool:
    grant = BY_KEY[key].grants.get(role, False)
    if isinstance(grant, str):
        settings = settings or EntityRoleSettings()
        return bool(getattr(settings, grant))
    return grant


def setting_label(field: str) -> str:
    found = EntityRoleSettings._meta.get_field(field)
    return str(getattr(found, "verbose_name", field))


def matrix(settings: EntityRoleSettings | None) -> list[dict[str, Any]]:
    """The table the console shows: per permission, per role, yes or no for this entity, and
    which setting decided where one did."""
    rows = []
    for permission in PERMISSIONS:
        cells = []
        for role, _label in Role.choices:
            grant = permission.grants.get(role, False)
            cells.append(
                {
                    "allowed": role_may(role, permission.key, settings),
                    "setting": setting_label(grant) if isinstance(grant, str) else "",
                }
            )
        rows.append({"key": permission.key, "label": permission.label, "cells": cells})
    return rows
