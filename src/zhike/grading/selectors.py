"""Reads of the grading module, always through the user's data scope."""

from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import Case, Expression, OuterRef, QuerySet, Subquery, When

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.compiled import CompiledQuery
from zhike.org.models import User
from zhike.org.scopes import visible_to
from zhike.policy.grading_schema import RULED_AXES, Level
from zhike.policy.schema import Policy
from zhike.trade.metrics import CustomerFigures, Period, customer_figures

from .models import Assessment, GradeChange, Review, ReviewLine, Standing
from .rules import GradeResult, grade_for, levels_met


def customer_priority(
    *, content_type: str = "content_type", object_id: str = "object_id"
) -> Expression:
    """GRD-10's treatment priority (1 first) of the customer a deadline is about, as an
    expression over the deadline's generic reference (content_type, object_id); NULL for rows about
    something else or about a customer without a grade. Workflow orders its inbox by it."""
    customer_type = ContentType.objects.get_for_model(Customer)
    of_customer = Standing.objects.filter(customer_id=OuterRef("object_id")).values("priority")
    return Case(When(content_type_id=customer_type.pk, then=Subquery(of_customer[:1])))


def review_period(policy: Policy, period_end: date) -> Period:
    """The review window: the policy's ``period_months`` up to and including its end."""
    return Period.months_to(period_end, policy.grading.period_months)


def review_lines_for(user: User, review: Review) -> QuerySet[ReviewLine]:
    """The lines of ``review`` about customers ``user`` may see."""
    return visible_to(user, ReviewLine.objects.filter(review=review))


def grade_history(customer_id: int, *, limit: int = 50) -> QuerySet[GradeChange]:
    return GradeChange.objects.filter(customer_id=customer_id).select_related("by")[:limit]


def standing_of(customer_id: int) -> Standing | None:
    return _STANDING.instance(Standing, router.db_for_read(Standing), customer=customer_id)


# Compiled once: the 360° page, the workbench and the credit check read it per customer.
_STANDING = CompiledQuery(
    lambda customer: Standing.objects.filter(customer_id=customer).order_by()[:1],
    ids=("customer",),
)


@dataclass(frozen=True)
class GradingCard:
    """What the customer's grading page shows: the figures of the last period, the score
    as the policy would give it today with every indicator's band and points, the tiers
    the customer meets, the standing in force, and the history of changes."""

    period: Period
    figures: CustomerFigures
    score: GradeResult | None
    # Every ruled axis (tier, size_class, behaviour) → the levels whose criteria are met.
    levels_met: dict[str, list[Level]]
    standing: Standing | None
    assessments: dict[str, Assessment]
    history: list[GradeChange]


def grading_card(user: User, customer_id: int, *, policy: Policy, today: date) -> GradingCard:
    customer = access_customer(user, customer_id)
    rules = policy.grading
    period = review_period(policy, today)
    figures = customer_figures(customer.pk, period, volume_unit=rules.volume_unit)
    assessments = {
        a.key: a for a in Assessment.objects.filter(customer=customer).select_related("by")
    }
    ratings = {key: a.value for key, a in assessments.items()}
    attested = {
        key
        for key, a in assessments.items()
        if a.value == "yes" and (a.valid_until is None or a.valid_until >= period.end)
    }
    fields = {
        name: getattr(customer, name)
        for name in ("size", "industry", "province", "city", "customer_type")
    }
    met = {
        axis: levels_met(getattr(rules, axis), figures, fields, attested)
        for axis in RULED_AXES
        if getattr(rules, axis) is not None
    }
    return GradingCard(
        period=period,
        figures=figures,
        score=grade_for(figures, ratings, rules.score, rules, period_end=period.end)
        if rules.score
        else None,
        levels_met=met,
        standing=standing_of(customer.pk),
        assessments=assessments,
        history=list(grade_history(customer.pk)),
    )
