"""The demo's platform staff account has no shared password (the demo's people do)."""

from __future__ import annotations

import pytest

from accounts.models import User
from synthetic import demo

pytestmark = pytest.mark.django_db


def test_the_demo_superuser_has_no_shared_password_even_after_an_older_load() -> None:
    demo.load(entities={}, stdout=None)
    staff = User.objects.get(email=demo.STAFF_EMAIL)
    assert staff.is_superuser
    assert not staff.has_usable_password()
    assert User.objects.get(email="admin@valley.demo").check_password(demo.DEMO_PASSWORD)
    # A database loaded before this rule gave staff the shared password: a new load takes it.
    staff.set_password(demo.DEMO_PASSWORD)
    staff.save()
    demo.load(entities={}, stdout=None)
    staff.refresh_from_db()
    assert not staff.has_usable_password()
