"""Test data factories (factory_boy). One persona per seed role lives in conftest."""

import secrets
from datetime import timedelta

import factory
from django.utils import timezone

from zhike.archive.models import Customer
from zhike.archive.search import search_text
from zhike.org.models import ApiToken, Department, Role, User
from zhike.org.tokens import _hash

PASSWORD = "correct-horse-battery"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"dept-{n}")
    parent = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: tuple[str, ...] | None, **kwargs: object) -> None:
        if create and extracted:
            self.roles.set(Role.objects.filter(code__in=extracted))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"T{n:08d}")
    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    owner = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda c: c.owner.department if c.owner else None)
    created_by = factory.LazyAttribute(lambda c: c.owner)
    search_text = factory.LazyAttribute(
        lambda c: search_text(name=c.name, person=False, code=c.code, phones=[c.phone])
    )


def token_for(user: User) -> str:
    """A valid bearer token for ``user`` (what POST /api/v1/auth/token would return)."""
    raw = secrets.token_urlsafe(16)
    ApiToken.objects.create(
        user=user, key_hash=_hash(raw), expires_at=timezone.now() + timedelta(days=1)
    )
    return raw
