"""Rollups of the ledger for the reports (ANA-1…4, issue 17 item 8).

Reports never read the ten million ledger lines: database triggers on the ledger's tables
append each change as a signed delta (:class:`SalesDelta`) in the writer's own
transaction — a form, an import's COPY or raw SQL alike — and the rollup job folds the
deltas into per-customer months and into three cubes, whose cells are keyed by the
customer's owner and department (:class:`OwnerCube`), with its grade and the product
category (:class:`SalesCube`), or with its province (:class:`RegionCube`). The same keys
of every customer are kept in :class:`Dims`; when one changes (a transfer, a new grade)
the triggers mark the customer dirty and the job moves its figures from the old cell to
the new one. ``zhike analytics
rebuild`` computes everything from the lines again; tests check that both agree.

Keys are plain integers and strings, 0 / "" for none: a unique index needs values, not
NULLs (the tallies' rule).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def money(verbose_name: Any = None, **options: Any) -> "models.DecimalField[Any, Any]":
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=0, **options)


def customer_key() -> "models.ForeignKey[Any, Any]":
    """A rollup's customer: no database constraint (the triggers and the job write
    millions of rows at once) and no index of its own (each table's key leads with it)."""
    return models.ForeignKey(
        "archive.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


def quantity() -> "models.DecimalField[Any, Any]":
    return models.DecimalField(max_digits=20, decimal_places=3, default=0)


class Measures(models.Model):
    """What every rollup row sums: order lines (amount, quantity, lines), invoices
    (invoiced, and what is still open of them), payments (collected)."""

    amount = money(_("合同金额"))
    quantity = quantity()
    lines = models.BigIntegerField(default=0)
    invoiced = money(_("开票金额"))
    outstanding = money(_("应收余额"))
    collected = money(_("回款金额"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.amount}"


class SalesDelta(Measures):
    """A signed change of the ledger, written only by the triggers (rollup_triggers.py)
    and consumed by the rollup job, which deletes what it folded in."""

    customer_id = models.BigIntegerField()
    month = models.DateField()
    category = models.CharField(max_length=50, default="")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month} {self.category}"


class DirtyCustomer(models.Model):
    """A customer whose owner, department, province, status or grade changed (or that was
    created): the triggers append it, the job re-keys its figures and deletes the row."""

    customer_id = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.customer_id)


class Dims(models.Model):
    """The keys the cube holds each customer's figures under, as of the last job."""

    customer = models.OneToOneField(
        "archive.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    owner_key = models.BigIntegerField(default=0)
    department_key = models.BigIntegerField(default=0)
    grade = models.CharField(max_length=30, default="")  # the level: grade, else tier
    province = models.CharField(max_length=20, default="")
    status = models.CharField(max_length=20, default="")
    live = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.owner_key}/{self.department_key}/{self.grade}"


class CustomerSales(Measures):
    """One customer's figures of one month and product category (category "" for
    invoices and payments, which have none)."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = customer_key()  # the unique (customer, …) index leads with it
    month = models.DateField()
    category = models.CharField(max_length=50, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month", "category"], name="customersales_once"
            )
        ]
        indexes = [models.Index(fields=["month", "customer"], name="customersales_month")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month} {self.category}"


class CustomerYear(models.Model):
    """One customer's contract amount of a year: the top-customer lists read its index."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = customer_key()  # the unique (customer, …) index leads with it
    year = models.SmallIntegerField()
    amount = money()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="customeryear_once")
        ]
        # The top-customer lists' order exactly (ties by id), so reading the first ten
        # is an index walk with no sort.
        indexes = [models.Index(fields=["year", "-amount", "customer"], name="customeryear_top")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.year}"


class OwnerCube(Measures):
    """The figures of a month summed by owner and department only: totals, trends,
    receivables and rankings read a few thousand cells."""

    scope_owner_field = "owner_key"
    scope_department_field = "department_key"

    month = models.DateField()
    owner_key = models.BigIntegerField()
    department_key = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "owner_key", "department_key"], name="ownercube_once"
            )
        ]
        indexes = [
            models.Index(fields=["owner_key", "month"], name="ownercube_owner"),
            models.Index(fields=["department_key", "month"], name="ownercube_department"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.owner_key}"


class SalesCube(Measures):
    """The figures of a month summed by owner, department, grade and product category: a
    dashboard reads a few thousand cells instead of millions of lines. (Province is a
    cube of its own: with it, the cells would be nearly as many as the customers'.)"""

    scope_owner_field = "owner_key"
    scope_department_field = "department_key"

    month = models.DateField()
    owner_key = models.BigIntegerField()
    department_key = models.BigIntegerField()
    grade = models.CharField(max_length=30)  # the level: grade, else tier
    category = models.CharField(max_length=50)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "owner_key", "department_key", "grade", "category"],
                name="salescube_once",
            )
        ]
        indexes = [
            models.Index(fields=["owner_key", "month"], name="salescube_owner"),
            models.Index(fields=["department_key", "month"], name="salescube_department"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.owner_key} {self.grade} {self.category}"


class RegionCube(Measures):
    """The figures of a month summed by owner, department and province (ANA-1 by
    region)."""

    scope_owner_field = "owner_key"
    scope_department_field = "department_key"

    month = models.DateField()
    owner_key = models.BigIntegerField()
    department_key = models.BigIntegerField()
    province = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "owner_key", "department_key", "province"],
                name="regioncube_once",
            )
        ]
        indexes = [
            models.Index(fields=["owner_key", "month"], name="regioncube_owner"),
            models.Index(fields=["department_key", "month"], name="regioncube_department"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.owner_key} {self.province}"


class Headcount(models.Model):
    """Live customers by owner, department, lifecycle status and grade."""

    scope_owner_field = "owner_key"
    scope_department_field = "department_key"

    owner_key = models.BigIntegerField()
    department_key = models.BigIntegerField()
    status = models.CharField(max_length=20)
    grade = models.CharField(max_length=30)  # the level: grade, else tier
    live = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_key", "department_key", "status", "grade"], name="headcount_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_key} {self.status} {self.grade}: {self.live}"


class StatusChange(models.Model):
    """A customer's lifecycle status moved (ANA-2's funnel), written by a trigger on the
    archive's table so that imports and bulk updates count too."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = customer_key()  # the (customer, at) index leads with it
    old = models.CharField(max_length=20)
    new = models.CharField(max_length=20)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="statuschange_at"),
            models.Index(fields=["customer", "at"], name="statuschange_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.old} → {self.new}"


class RollupState(models.Model):
    """When the rollups were last brought up to date (one row)."""

    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return str(self.refreshed_at)


class SalesTarget(models.Model):
    """销售目标 — a salesperson's contract amount target for a month."""

    scope_owner_field = "owner"
    scope_department_field = "owner__department"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销售人员"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("目标金额"), max_digits=16, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("销售目标")
        verbose_name_plural = _("销售目标")
        constraints = [
            models.UniqueConstraint(fields=["owner", "month"], name="salestarget_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="salestarget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m}: {self.amount}"
