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
