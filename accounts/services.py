"""Sign-in limits and break-glass grants: each write in one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import BreakGlassGrant, EntityRoleSettings, SignInLock
from core.api import ApplicationError

logger = logging.getLogger(__name__)


def _limit(scope: str) -> int:
    if scope == SignInLock.Scope.ACCOUNT:
        return settings.SIGN_IN_FAILURES_PER_ACCOUNT
    return settings.SIGN_IN_FAILURES_PER_ADDRESS


def sign_in_locked(*, account: str, address: str) -> bool:
    """True when the account typed or the client's address is locked now."""
    keys = Q(scope=SignInLock.Scope.ACCOUNT, key=account.strip().lower()) | Q(
        scope=SignInLock.Scope.ADDRESS, key=address
    )
    return SignInLock.objects.filter(keys, locked_until__gt=timezone.now()).exists()


def _lock_row(scope: str, key: str) -> SignInLock:
    try:
        with transaction.atomic():
            SignInLock.objects.get_or_create(scope=scope, key=key)
    except IntegrityError:  # created meanwhile by a concurrent failure
        pass
    return SignInLock.objects.select_for_update().get(scope=scope, key=key)


@transaction.atomic
def sign_in_failure_record(*, account: str, address: str) -> None:
    """Count one failed sign-in against the account typed and the address; lock past a limit."""
    now = timezone.now()
    window = timedelta(seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS)
    for scope, key in (
        (SignInLock.Scope.ACCOUNT, account.strip().lower()),
        (SignInLock.Scope.ADDRESS, address),
    ):
        if not key:
            continue
        row = _lock_row(scope, key[:254])
        if row.window_started_at is None or row.window_started_at <= now - window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= _limit(scope) and not (row.locked_until and row.locked_until > now):
            row.locked_until = now + timedelta(seconds=settings.SIGN_IN_LOCK_SECONDS)
            logger.warning("sign-in locked: %s after %d failures", scope, row.failures)
        row.save()


def sign_in_success_record(*, account: str) -> None:
    """A correct password ends the account's run of failures (the address keeps its count)."""
    SignInLock.objects.filter(
        scope=SignInLock.Scope.ACCOUNT, key=account.strip().lower(), locked_until__isnull=True
    ).update(failures=0, window_started_at=None)


@transaction.atomic
def sign_in_lock_lift(*, lock: SignInLock, acting_user: Any) -> SignInLock:
    lock = SignInLock.objects.select_for_update().get(pk=lock.pk)
    lock.failures = 0
    lock.window_started_at = None
    lock.locked_until = None
    lock.lifted_at = timezone.now()
    lock.lifted_by = acting_user
    lock.save()
    logger.warning("sign-in lock lifted: %s by user %s", lock.scope, acting_user.pk)
    return lock


def break_glass_grant_create(
    *, user: Any, entity: Any, reason: str, minutes: int
) -> BreakGlassGrant:
    """Open an entity's PHI to a member of platform staff for `minutes`, with a reason."""
    reason = (reason or "").strip()
    if not (user.is_staff or user.is_superuser):
        raise ApplicationError("Only platform staff use break-glass access.", {"user": user.pk})
    if len(reason) < 10:
        raise ApplicationError(
            "Say why the access is needed (at least 10 characters).", {"reason": reason}
        )
    if not 1 <= minutes <= settings.BREAK_GLASS_MAX_MINUTES:
        raise ApplicationError(
            f"A grant lasts 1 to {settings.BREAK_GLASS_MAX_MINUTES} minutes.",
            {"minutes": minutes},
        )
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            user=user,
            entity=entity,
            reason=reason,
            starts_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    logger.warning(
        "break-glass grant %s: user %s, entity %s, %d minutes",
        grant.pk,
        user.pk,
        entity.pk,
        minutes,
    )
    return grant


def break_glass_grant_end(*, grant: BreakGlassGrant, acting_user: Any) -> BreakGlassGrant:
    now = timezone.now()
    BreakGlassGrant.objects.filter(pk=grant.pk, ended_at__isnull=True).update(
        ended_at=now, ended_by=acting_user
    )
    grant.refresh_from_db()
    return grant


def entity_role_settings_ensure(*, entity_ids: list[int]) -> None:
    """A settings row (the defaults) for each entity that has none, so that its admins find it
    in the console."""
    have = set(
        EntityRoleSettings.objects.filter(entity_id__in=entity_ids).values_list(
            "entity_id", flat=True
        )
    )
    for pk in sorted(set(entity_ids) - have):
        EntityRoleSettings.objects.get_or_create(entity_id=pk)  # one history row each
