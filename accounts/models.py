"""Users log in with their email; what they may see comes from their memberships in entities."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


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


class Membership(models.Model):
    """A user's role in one entity (ACO or DCE). A user may belong to several entities."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entity"], name="membership_one_role_per_entity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.entity} ({self.get_role_display()})"
