"""Reads of the grading module, always through the user's data scope."""

from django.db.models import QuerySet

from zhike.org.models import User
from zhike.org.scopes import visible_to

from .models import GradeChange, Review, ReviewLine, Standing


def review_lines_for(user: User, review: Review) -> QuerySet[ReviewLine]:
    """The lines of ``review`` about customers ``user`` may see."""
    return visible_to(user, ReviewLine.objects.filter(review=review))


def grade_history(customer_id: int, *, limit: int = 50) -> QuerySet[GradeChange]:
    return GradeChange.objects.filter(customer_id=customer_id).select_related("by")[:limit]


def standing_of(customer_id: int) -> Standing | None:
    return Standing.objects.filter(customer_id=customer_id).first()
