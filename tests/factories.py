"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import factory

from accounts.models import Membership, Role, User
from entities.models import Entity, Program


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = "mssp"
    name = "Medicare Shared Savings Program"


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    program = factory.SubFactory(ProgramFactory)
    cms_id = factory.Sequence(lambda n: f"A{n % 10000:04d}")
    legal_name = factory.Sequence(lambda n: f"Synthetic Health ACO {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    entity = factory.SubFactory(EntityFactory)
    role = Role.CARE_COORDINATOR
