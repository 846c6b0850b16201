from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import BreakGlassGrant, Membership, SignInLock, User
from accounts.selectors import administered_entity_ids
from accounts.services import (
    break_glass_grant_create,
    break_glass_grant_end,
    sign_in_lock_lift,
)
from core import display


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["entity"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(SignInLock)
class SignInLockAdmin(admin.ModelAdmin):
    """Failed sign-ins per account and per address; platform staff lift a lock here."""

    list_display = ["scope", "key", "failures", "last_failure_at", "locked_until", "is_locked",
                    "lifted_at", "lifted_by"]  # fmt: skip
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = [f.name for f in SignInLock._meta.fields]
    actions = ["lift"]

    @admin.display(boolean=True, description="locked now")
    def is_locked(self, obj: SignInLock) -> bool:
        return bool(obj.locked_until and obj.locked_until > timezone.now())

    @admin.action(description="Lift the lock of the selected accounts or addresses")
    def lift(self, request: HttpRequest, queryset: QuerySet[SignInLock]) -> None:
        for lock in queryset:
            sign_in_lock_lift(lock=lock, acting_user=request.user)
        self.message_user(
            request, f"Lifted {display.counted(queryset.count(), 'lock')}.", messages.SUCCESS
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The lift action needs it; the change form itself is all read only.
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BreakGlassGrantForm(forms.ModelForm):
    minutes = forms.IntegerField(
        min_value=1,
        max_value=settings.BREAK_GLASS_MAX_MINUTES,
        initial=60,
        help_text="How long the access lasts; it ends by itself.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise ValidationError("Say why the access is needed (at least 10 characters).")
        return reason

    class Meta:
        model = BreakGlassGrant
        fields = ["entity", "reason"]
        help_texts = {
            "reason": "Why you need this entity's beneficiary data (a ticket or request number "
            "and what you will look at). Kept with the grant for review."
        }


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(admin.ModelAdmin):
    """Platform staff open one entity's PHI to themselves for a while, with a reason. Grants are
    never edited or deleted; entity admins see the grants on their entities."""

    form = BreakGlassGrantForm
    list_display = ["starts_at", "user", "entity", "expires_at", "ended_at", "is_running"]
    list_filter = ["entity"]
    search_fields = ["user__email", "reason"]
    actions = ["end_now"]

    @admin.display(boolean=True, description="running")
    def is_running(self, obj: BreakGlassGrant) -> bool:
        now = timezone.now()
        return obj.ended_at is None and obj.starts_at <= now < obj.expires_at

    def get_queryset(self, request: HttpRequest) -> QuerySet[BreakGlassGrant]:
        qs = super().get_queryset(request).select_related("user", "entity")
        if request.user.is_superuser:
            return qs
        return qs.filter(entity__in=administered_entity_ids(user=request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [f.name for f in BreakGlassGrant._meta.fields]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["entity", "reason", "minutes"]
        return [f.name for f in BreakGlassGrant._meta.fields if f.name != "id"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: BreakGlassGrant, form: Any, change: bool
    ) -> None:
        if change:
            return
        grant = break_glass_grant_create(
            user=request.user,
            entity=form.cleaned_data["entity"],
            reason=form.cleaned_data["reason"],
            minutes=form.cleaned_data["minutes"],
        )
        obj.pk = grant.pk
        obj.__dict__.update({k: v for k, v in grant.__dict__.items() if not k.startswith("_")})

    @admin.action(description="End the selected grants now")
    def end_now(self, request: HttpRequest, queryset: QuerySet[BreakGlassGrant]) -> None:
        for grant in queryset:
            break_glass_grant_end(grant=grant, acting_user=request.user)
        self.message_user(request, "Ended.", messages.SUCCESS)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or administered_entity_ids(user=request.user).exists()
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only for the "end now" action; the form of a saved grant is read only.
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# allauth's own page for authenticators showed their `data`: a TOTP secret in clear (the default
# adapter stores it unencrypted) and the recovery codes' seed, editable. Platform staff see which
# second factors a person has set up and may remove one (a lost phone); never the secrets.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
