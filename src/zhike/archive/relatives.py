"""Relatives (ARC-8): direct relatives are one customer for ownership and attribution.

``relatives_group`` and ``group_owner`` are the services other modules (ownership,
attribution of deals and commission) call; the rule lives here once.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from zhike.audit.services import record
from zhike.org.models import User

from .errors import ArchiveError, PermissionDenied
from .models import Customer, Relation, RelationKind
from .selectors import access_customer

INVERSE = {
    RelationKind.SPOUSE: RelationKind.SPOUSE,
    RelationKind.PARENT: RelationKind.CHILD,
    RelationKind.CHILD: RelationKind.PARENT,
}
MAX_GROUP = 50  # families, not networks: a bound on the walk


def relatives_group(customer_id: int) -> set[int]:
    """Ids of the customer and every relative reachable through relations (one query per
    generation; groups are small)."""
    group, frontier = {customer_id}, {customer_id}
    while frontier and len(group) < MAX_GROUP:
        pairs = Relation.objects.filter(
            Q(customer_id__in=frontier) | Q(relative_id__in=frontier)
        ).values_list("customer_id", "relative_id")
        found = {i for pair in pairs for i in pair} - group
        group |= found
        frontier = found
    return group


def has_relatives() -> Exists:
    """An annotation for a customer queryset: whether it has any relative, so that a
    caller reads the whole group only for the few customers that have one."""
    pk = OuterRef("pk")
    return Exists(Relation.objects.filter(Q(customer_id=pk) | Q(relative_id=pk)))


def group_owner(customer_id: int) -> User | None:
    """Who owns the relatives group: the owner of the member registered first that has
    one (a later-registered spouse does not start a second ownership)."""
    first = (
        Customer.objects.filter(
            pk__in=relatives_group(customer_id), owner__isnull=False, merged_into__isnull=True
        )
        .select_related("owner")
        .order_by("created_at", "id")
        .first()
    )
    return first.owner if first else None


@transaction.atomic
def relative_link(*, by: User, customer_id: int, relative_id: int, kind: str) -> Relation:
    """Record that ``relative`` is the customer's spouse, parent or child (both ways)."""
    if kind not in RelationKind.values:
        raise ArchiveError(_("请选择关系:配偶、父母或子女"), field="kind")
    if customer_id == relative_id:
        raise ArchiveError(_("不能把客户关联为自己的亲属"), field="relative_id")
    access_customer(by, customer_id)
    access_customer(by, relative_id)
    if not by.has_perm("archive.change_customer"):
        raise PermissionDenied(_("您没有修改客户的权限"))
    relation, _created = Relation.objects.update_or_create(
        customer_id=customer_id, relative_id=relative_id, defaults={"kind": kind}
    )
    Relation.objects.update_or_create(
        customer_id=relative_id,
        relative_id=customer_id,
        defaults={"kind": INVERSE[RelationKind(kind)]},
    )
    customer = Customer.objects.get(pk=customer_id)
    record(customer, "relative.linked", by=by, details={"relative": relative_id, "kind": kind})
    return relation
