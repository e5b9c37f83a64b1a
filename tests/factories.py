"""Test data factories (factory_boy). One persona per seed role lives in conftest."""

import itertools
import secrets
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from zhike.archive.models import Customer
from zhike.archive.search import search_text
from zhike.org.models import ApiToken, Department, Role, User
from zhike.org.tokens import _hash
from zhike.trade.models import Invoice, Order, OrderLine, Payment

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
    owned_since = factory.LazyAttribute(lambda c: timezone.now() if c.owner else None)
    search_text = factory.LazyAttribute(
        lambda c: search_text(name=c.name, person=False, phones=[c.phone])
    )


def token_for(user: User) -> str:
    """A valid bearer token for ``user`` (what POST /api/v1/auth/token would return)."""
    raw = secrets.token_urlsafe(16)
    ApiToken.objects.create(
        user=user, key_hash=_hash(raw), expires_at=timezone.now() + timedelta(days=1)
    )
    return raw


_numbers = itertools.count(1)


def trade(
    customer: Customer,
    *,
    on: date,
    amount: Decimal | int,
    category: str = "粮油",
    quantity: Decimal | int = 1,
    unit: str = "吨",
    list_price: Decimal | None = None,
    payment: str | None = "on_time",
    payment_days: int = 30,
) -> Order:
    """One contract of one line, and its invoice settled ``on_time``, ``late`` (10 days
    after due), left ``open``, or no invoice (``None``). Written straight to the ledger
    tables: scenario tests need hundreds of these."""
    amount, quantity = Decimal(amount), Decimal(quantity)
    number = next(_numbers)
    order = Order.objects.create(
        customer=customer, number=f"HT{number:07d}", signed_on=on, amount=amount
    )
    OrderLine.objects.create(
        order=order,
        customer=customer,
        signed_on=on,
        product=f"{category}货品",
        category=category,
        quantity=quantity,
        unit=unit,
        list_price=list_price,
        price=(amount / quantity).quantize(Decimal("0.01")),
        amount=amount,
    )
    if payment is not None:
        due = on + timedelta(days=payment_days)
        paid_on = {"on_time": due, "late": due + timedelta(days=10), "open": None}[payment]
        Invoice.objects.create(
            customer=customer,
            order=order,
            number=f"FP{number:07d}",
            issued_on=on,
            due_on=due,
            amount=amount,
            paid_amount=amount if paid_on else 0,
            paid_on=paid_on,
        )
        if paid_on is not None:
            Payment.objects.create(customer=customer, received_on=paid_on, amount=amount)
    return order
