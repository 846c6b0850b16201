"""Writes of the partners app: registering and revoking clients, and accepting (once) the
signed assertions they authenticate with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from accounts.roles import REGISTER_PARTNER, roles_with
from accounts.selectors import user_has_role
from core.api import ApplicationError
from entities.models import Entity, ParticipantOrganization, Participation
from partners.keys import ALGORITHMS, KeyRejected, public_key_for, public_keys_parse
from partners.models import ClientAssertion, PartnerClient
from partners.scopes import ALL_SCOPES

# SMART Backend Services: the assertion's `exp` is at most five minutes after it was made.
MAX_ASSERTION_LIFETIME = dt.timedelta(minutes=5)
# Clocks of two systems differ a little; this much is forgiven on `exp`, `iat` and `nbf`.
CLOCK_SKEW = dt.timedelta(seconds=30)


class AssertionRejected(Exception):
    """A client assertion was refused; the message tells the client why (never a secret)."""


# ------------------------------------------------------------------ registration


def partner_client_validate(
    *,
    entity: Entity,
    name: str,
    public_key: str,
    scopes: Iterable[str],
    tins: Iterable[ParticipantOrganization | str],
) -> tuple[str, list[ParticipantOrganization]]:
    """Check a registration; returns the scope string and the TINs' organisations. Raises
    ApplicationError whose `extra` maps each failing field to its message."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the client a name."
    try:
        public_keys_parse(public_key)
    except KeyRejected as exc:
        errors["public_key"] = str(exc)
    scope_list = sorted(set(scopes))
    unknown = [s for s in scope_list if s not in ALL_SCOPES]
    if unknown:
        errors["scopes"] = (
            f"Unknown {'scope' if len(unknown) == 1 else 'scopes'}: {', '.join(unknown)}."
        )
    elif not scope_list:
        errors["scopes"] = "Give the client at least one scope."
    wanted = [t.tin if isinstance(t, ParticipantOrganization) else str(t) for t in tins]
    organizations = list(
        ParticipantOrganization.objects.filter(
            tin__in=wanted,
            pk__in=Participation.objects.filter(entity=entity).values("organization_id"),
        ).order_by("tin")
    )
    foreign = sorted(set(wanted) - {o.tin for o in organizations})
    if foreign:
        errors["tins"] = (
            f"{'TIN' if len(foreign) == 1 else 'TINs'} {', '.join(foreign)} "
            f"{'is' if len(foreign) == 1 else 'are'} not on the participant list of {entity.cms_id}."
        )
    if errors:
        raise ApplicationError("The client cannot be registered as given.", errors)
    return " ".join(scope_list), organizations


def _require_admin(*, user: Any, entity: Entity) -> None:
    if not user_has_role(user=user, entity_id=entity.pk, roles=roles_with(REGISTER_PARTNER)):
        raise ApplicationError(
            f"Only an administrator of {entity.cms_id} can register its partner clients.",
            {"entity": entity.cms_id},
        )


@transaction.atomic
def partner_client_register(
    *,
    entity: Entity,
    name: str,
    public_key: str,
    scopes: Iterable[str],
    tins: Iterable[ParticipantOrganization | str] = (),
    requests_per_minute: int | None = None,
    acting_user: Any,
) -> PartnerClient:
    """Register a partner system for an entity: an OAuth client (client credentials, signed
    JWT assertions only) bound to the entity and, optionally, to some of its TINs."""
    _require_admin(user=acting_user, entity=entity)
    scope, organizations = partner_client_validate(
        entity=entity, name=name, public_key=public_key, scopes=scopes, tins=tins
    )
    if PartnerClient.objects.filter(entity=entity, name=name.strip()).exists():
        raise ApplicationError(
            f"{entity.cms_id} already has a client named {name.strip()!r}.", {"name": name}
        )
    Application = get_application_model()
    application = Application.objects.create(
        name=f"{entity.cms_id}: {name.strip()}"[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        # The generated secret is stored hashed and never shown: these clients authenticate
        # with their private key only (see partners.oauth).
        hash_client_secret=True,
        skip_authorization=True,
    )
    client = PartnerClient(
        application=application,
        entity=entity,
        name=name.strip(),
        public_key=public_key.strip(),
        scope=scope,
        requests_per_minute=requests_per_minute,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    client.full_clean(exclude=["application"])
    client.save()
    client.tins.set(organizations)
    return client


@transaction.atomic
def partner_client_update(
    *,
    client: PartnerClient,
    name: str,
    public_key: str,
    scopes: Iterable[str],
    tins: Iterable[ParticipantOrganization | str] = (),
    requests_per_minute: int | None = None,
    acting_user: Any,
) -> PartnerClient:
    """Change what a client may do. Its live tokens are withdrawn when it loses scopes or
    gains TIN limits, so the change takes effect at once."""
    _require_admin(user=acting_user, entity=client.entity)
    scope, organizations = partner_client_validate(
        entity=client.entity, name=name, public_key=public_key, scopes=scopes, tins=tins
    )
    narrowed = not set(scope.split()) >= set(client.scope_list) or {
        o.pk for o in organizations
    } != set(client.tins.values_list("pk", flat=True))
    client.name = name.strip()
    client.public_key = public_key.strip()
    client.scope = scope
    client.requests_per_minute = requests_per_minute
    client.full_clean(exclude=["application"])
    client.save()
    client.tins.set(organizations)
    if narrowed:
        get_access_token_model().objects.filter(application=client.application).delete()
    return client


@transaction.atomic
def partner_client_revoke(*, client: PartnerClient, acting_user: Any) -> PartnerClient:
    """Stop a client: no new tokens, and its live tokens stop working now."""
    _require_admin(user=acting_user, entity=client.entity)
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at", "updated_at"])
    get_access_token_model().objects.filter(application=client.application).delete()
    return client


# ------------------------------------------------------------------ client assertions


def _claims_unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AssertionRejected("The client assertion is not a well-formed JWT.") from None
    return header, claims


def client_assertion_accept(*, assertion: str, audience: str) -> PartnerClient:
    """Check a SMART Backend Services client assertion and return the client it proves.

    The assertion is a JWT signed with the client's registered key, with `iss` = `sub` = the
    client id, `aud` = the token URL, an `exp` at most five minutes ahead and a `jti` never
    used before by this client. Each `jti` is recorded so that a replay is refused.
    """
    header, unverified = _claims_unverified(assertion)
    algorithm = header.get("alg", "")
    if algorithm not in ALGORITHMS:
        raise AssertionRejected(
            f"Assertion algorithm {algorithm!r} is not accepted; use one of {', '.join(ALGORITHMS)}."
        )
    client_id = unverified.get("iss")
    if not isinstance(client_id, str) or not client_id or unverified.get("sub") != client_id:
        raise AssertionRejected("The assertion's `iss` and `sub` must both be the client id.")
    client = (
        PartnerClient.objects.select_related("application", "entity")
        .filter(application__client_id=client_id)
        .first()
    )
    if client is None or not client.is_active:
        raise AssertionRejected("No active partner client has this client id.")
    keys = public_key_for(
        public_keys_parse(client.public_key), kid=header.get("kid"), algorithm=algorithm
    )
    if not keys:
        raise AssertionRejected(
            f"No registered key of this client verifies {algorithm} (kid {header.get('kid')!r})."
        )
    claims = None
    for key in keys:
        try:
            claims = jwt.decode(
                assertion,
                key.key,
                algorithms=[algorithm],
                audience=audience,
                issuer=client_id,
                leeway=CLOCK_SKEW,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise AssertionRejected("The client assertion has expired.") from None
        except jwt.InvalidAudienceError:
            raise AssertionRejected(
                f"The assertion's `aud` must be the token URL, {audience}."
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise AssertionRejected(f"The assertion lacks the `{exc.claim}` claim.") from None
        except jwt.PyJWTError as exc:
            raise AssertionRejected(f"The client assertion is not valid: {exc}.") from None
    if claims is None:
        raise AssertionRejected("The assertion's signature does not match the registered key.")
    now = timezone.now()
    expires = dt.datetime.fromtimestamp(int(claims["exp"]), tz=dt.UTC)
    issued = claims.get("iat")
    if expires - now > MAX_ASSERTION_LIFETIME + CLOCK_SKEW or (
        isinstance(issued, int | float)
        and expires - dt.datetime.fromtimestamp(issued, tz=dt.UTC) > MAX_ASSERTION_LIFETIME
    ):
        raise AssertionRejected("The assertion must expire at most five minutes after it is made.")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise AssertionRejected("The assertion's `jti` must be a string of 1 to 255 characters.")
    client_assertion_record(client=client, jti=jti, expires_at=expires + CLOCK_SKEW)
    return client


def client_assertion_record(*, client: PartnerClient, jti: str, expires_at: dt.datetime) -> None:
    """Remember a used `jti` until its assertion expires; refuse one seen before."""
    ClientAssertion.objects.filter(client=client, expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            ClientAssertion.objects.create(client=client, jti=jti, expires_at=expires_at)
    except IntegrityError:
        raise AssertionRejected(
            "This assertion was already used (its `jti` is not new). Sign a new one for every token request."
        ) from None


def partner_credentials_purge() -> dict[str, int]:
    """Housekeeping: export files past their lifetime, expired access tokens, and the used
    assertion ids whose assertions have expired (a replay of those fails on `exp` anyway)."""
    from oauth2_provider.models import clear_expired

    from partners.exports import bulk_exports_purge

    exports = bulk_exports_purge()
    clear_expired()
    assertions, _ = ClientAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    return {"exports": exports, "assertions": assertions}
