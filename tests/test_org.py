"""ORG-1: department tree, roles as permission sets."""

from zhike.org.models import DataScope, Role
from zhike.org.roles import ROLES
from zhike.org.scopes import department_tree_ids

from .conftest import Company
from .factories import DepartmentFactory


def test_org_1_every_seed_role_exists_with_its_scope(company: Company) -> None:
    roles = {r.code: r for r in Role.objects.all()}
    assert set(roles) == {d.code for d in ROLES}
    assert roles["salesperson"].scope == DataScope.OWN
    assert roles["general_manager"].scope == DataScope.ALL


def test_org_1_permissions_come_from_roles(company: Company) -> None:
    assert company.users["alice"].has_perm("archive.add_customer")
    assert not company.users["cs"].has_perm("archive.change_customer")
    assert company.users["cs"].has_perm("archive.view_customer")


def test_org_1_permissions_of_roles_and_the_user_are_read_in_one_query(
    company: Company, django_assert_num_queries
) -> None:
    from django.contrib.auth.models import Permission

    from zhike.org.models import User

    extra = Permission.objects.get(codename="change_customer", content_type__app_label="archive")
    company.users["cs"].user_permissions.add(extra)
    cs = User.objects.get(pk=company.users["cs"].pk)  # a fresh object, as each request has
    with django_assert_num_queries(1):
        perms = cs.get_all_permissions()
        assert cs.has_perm("archive.view_customer") and cs.has_perm("archive.change_customer")
    from_roles = Permission.objects.filter(roles__users=cs).select_related("content_type")
    assert perms == {f"{p.content_type.app_label}.{p.codename}" for p in from_roles} | {
        "archive.change_customer"
    }
    assert not cs.has_perm("archive.delete_customer")
    User.objects.filter(pk=cs.pk).update(is_active=False)
    assert User.objects.get(pk=cs.pk).get_all_permissions() == set()
    admin = User.objects.get(pk=company.users["admin"].pk)
    assert len(admin.get_all_permissions()) == Permission.objects.count()


def test_org_1_department_tree_includes_every_level_below(company: Company) -> None:
    deep = DepartmentFactory(code="sales1-a", parent=company.departments["sales1"])
    ids = set(department_tree_ids(company.departments["marketing"].pk))
    assert deep.pk in ids
    assert company.departments["sales2"].pk in ids
    assert company.departments["finance"].pk not in ids


def test_org_1_moving_a_department_moves_its_subtree(company: Company) -> None:
    deep = DepartmentFactory(code="sales1-a", parent=company.departments["sales1"])
    sales1 = company.departments["sales1"]
    sales1.parent = company.departments["service"]
    sales1.save()
    assert deep.pk in department_tree_ids(company.departments["service"].pk)
    assert deep.pk not in department_tree_ids(company.departments["marketing"].pk)


def test_org_1_an_upgrade_grants_the_new_work_rights_to_roles_that_change_customers(
    company,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 13 item 5: roles installed before the follow-up, blacklist and problem rights
    existed get them where they could change customers (migration org 0002)."""
    import importlib

    from django.apps import apps

    from zhike.org.models import Role

    migration = importlib.import_module("zhike.org.migrations.0002_work_permissions")
    # The follow-up right has since moved to engagement.add_followup; engagement 0002
    # carries its grants over (test_engagement).
    work = ["add_blacklistentry", "add_problem"]
    for role in Role.objects.all():
        role.permissions.remove(*role.permissions.filter(codename__in=work))
    migration.grant(apps, None)

    def rights(code: str) -> set[str]:
        return set(
            Role.objects.get(code=code)
            .permissions.filter(codename__in=work)
            .values_list("codename", flat=True)
        )

    assert rights("salesperson") == set(work)
    assert rights("office_director") == set(work)
    assert rights("service_agent") == {"add_problem"}
    assert rights("finance") == {"add_problem"}
    assert rights("technical") == set()
