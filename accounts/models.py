"""Users log in with their email; what they may see comes from their memberships in entities."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who logs in. No username: the email is the login."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # An email login: the manager creates users by email, not by AbstractUser's username.
    objects = UserManager()  # type: ignore[assignment, misc]

    def __str__(self) -> str:
        return self.full_name or self.email


class Role(models.TextChoices):
    ENTITY_ADMIN = "entity_admin", "Entity admin"
    ANALYST = "analyst", "Analyst"
    CARE_COORDINATOR = "care_coordinator", "Care coordinator"
    # ACO REACH preferred provider (a clinician's practice on the entity's preferred provider
    # list): tied to one TIN of one entity; sees only the patients it shares with the entity.
    PREFERRED_PROVIDER = "preferred_provider", "Preferred provider"


#: The roles of an entity's own staff: their membership opens the entity's rows (core/tenancy.py
#: and core/rls.py read every membership but a preferred provider's, whose rows are its TIN's).
STAFF_ROLES = (Role.ENTITY_ADMIN, Role.ANALYST, Role.CARE_COORDINATOR)


class Membership(models.Model):
    """A user's role in one entity (ACO or DCE). A user may belong to several entities."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    tin = models.CharField(
        "preferred-provider TIN",
        max_length=9,
        blank=True,
        help_text="A preferred provider's practice (its TIN on the entity's preferred provider "
        "list); blank for every other role.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entity"], name="membership_one_role_per_entity"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role="preferred_provider", tin__regex=r"^[0-9]{9}$")
                    | (~models.Q(role="preferred_provider") & models.Q(tin=""))
                ),
                name="membership_tin_for_preferred_provider_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.entity} ({self.get_role_display()})"


class PreferredProviderLogin(Membership):
    """The admin console's view of the memberships of preferred providers (an entity admin
    enrolls them there)."""

    class Meta:
        proxy = True
        verbose_name = "preferred-provider login"


class SignInLock(models.Model):
    """Failed sign-ins counted per account (the email typed, whether or not it exists) and per
    client address, shared by every sign-in path (the admin console's goes through the same
    form). Past the limit within the window the account or address is locked until the lock
    runs out or an administrator lifts it in the console."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Account"
        ADDRESS = "address", "Address"

    scope = models.CharField(max_length=16, choices=Scope.choices)
    key = models.CharField("account or address", max_length=254)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True, db_index=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "sign-in lock"
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="signinlock_one_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class BreakGlassGrant(models.Model):
    """Platform staff see an entity's PHI only through one of these: asked for by the person,
    with a reason, for one entity, for a limited time, kept for review (never edited or
    deleted; ending it early sets `ended_at`)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_grants")
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.TextField()
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "break-glass grant"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("starts_at")),
                name="breakglass_expires_after_start",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="breakglass_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity} until {self.expires_at:%Y-%m-%d %H:%M}"


class EntityRoleSettings(models.Model):
    """What an entity lets its roles see beyond what the role itself allows (accounts/roles.py
    says which permission each setting decides). One row per entity, changed by its admins in
    the console; a missing row means the defaults. Every change is kept (simple_history)."""

    entity = models.OneToOneField(
        "entities.Entity", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    coordinators_see_settlement_money = models.BooleanField(
        "care coordinators see settlement dollars and TIN payouts",
        default=False,
        help_text="Settlement pages, statements, the dashboard's projected savings and the "
        "parameters of settlement jobs. Off: care coordinators get none of them.",
    )
    statements_show_every_tin = models.BooleanField(
        "TIN statements list every TIN's payout",
        default=False,
        help_text="Off: a participant TIN's statement shows its own share and the entity's "
        "totals only.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "roles and settings"
        verbose_name_plural = "roles and settings"

    def __str__(self) -> str:
        return f"Roles and settings of entity {self.entity_id}"
