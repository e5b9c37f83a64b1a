"""Sign-in throttling for the web and the API alike (issue 13 item 6), and tokens that end
with the password or the account (item 7)."""

from django.test import Client, override_settings

from .conftest import Company
from .factories import PASSWORD

JSON = "application/json"


def web_login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password})


@override_settings(AXES_FAILURE_LIMIT=5)
def test_org_2_web_login_locks_a_user_name_and_address_out_after_repeated_failures(
    company: Company,
) -> None:
    client = Client()
    for _ in range(4):
        assert web_login(client, "alice", "wrong").status_code == 200
    assert web_login(client, "alice", "wrong").status_code == 429  # the fifth locks
    locked = web_login(client, "alice", PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert "登录失败次数过多,请 15 分钟后再试" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address signs in.
    assert web_login(Client(), "bob", PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_org_2_web_and_api_share_one_limit(company: Company) -> None:
    client = Client()
    for _ in range(3):
        web_login(client, "alice", "wrong")
    token = client.post(
        "/api/v1/auth/token", {"username": "alice", "password": PASSWORD}, content_type=JSON
    )
    assert token.status_code == 429
    assert token.json() == {
        "code": "throttled",
        "message": "登录失败次数过多,请 15 分钟后再试",
        "errors": [],
    }


@override_settings(AXES_FAILURE_LIMIT=3)
def test_org_2_a_successful_sign_in_resets_the_count(company: Company) -> None:
    client = Client()
    for _ in range(2):
        web_login(client, "alice", "wrong")
    assert web_login(client, "alice", PASSWORD).status_code == 302
    client = Client()
    for _ in range(2):
        web_login(client, "alice", "wrong")
    assert web_login(client, "alice", PASSWORD).status_code == 302


def _token(username: str) -> str:
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type=JSON
    )
    assert response.status_code == 200
    return str(response.json()["token"])


def _works(token: str) -> bool:
    response = Client().get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200


def test_org_2_a_password_change_revokes_the_users_tokens(company: Company) -> None:
    token = _token("alice")
    alice = company.users["alice"]
    alice.set_password("another-long-password")
    alice.save()
    assert not _works(token)


def test_org_2_reactivating_a_user_does_not_bring_back_old_tokens(company: Company) -> None:
    token = _token("alice")
    alice = company.users["alice"]
    alice.is_active = False
    alice.save()
    alice.is_active = True
    alice.save()
    assert not _works(token)
    assert _works(_token("alice"))  # a new sign-in works


def test_org_2_a_user_lists_and_revokes_their_own_tokens_an_admin_anyones(
    company: Company,
) -> None:
    first, second = _token("alice"), _token("alice")
    api = Client(headers={"Authorization": f"Bearer {first}"})
    listed = api.get("/api/v1/auth/tokens").json()
    assert len(listed) == 2
    assert all(t["revoked_at"] is None for t in listed)
    second_id = listed[0]["id"]  # newest first
    assert api.delete(f"/api/v1/auth/tokens/{second_id}").json()["revoked_at"] is not None
    assert not _works(second)
    assert _works(first)
    # Bob cannot revoke (or learn of) Alice's token; the admin can.
    first_id = listed[1]["id"]
    bob = Client(headers={"Authorization": f"Bearer {_token('bob')}"})
    assert bob.delete(f"/api/v1/auth/tokens/{first_id}").status_code == 404
    assert _works(first)
    admin = company.client("admin")
    assert admin.delete(f"/api/v1/auth/tokens/{first_id}").status_code == 200
    assert not _works(first)


def test_org_1_the_signed_in_user_comes_with_its_department_in_one_statement(
    company, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user

    alice = company.users["alice"]
    client = company.client("alice")
    page = client.get("/notices/").content.decode()
    assert f'<summary class="who">{alice} · {alice.department.name}</summary>' in page
    request = client.get("/notices/").wsgi_request
    del request.user  # load it again, as the next request will
    request.session = client.session
    with django_assert_num_queries(2):  # the session, then the user with its department
        user = get_user(request)
        assert (user.pk, user.department.name, user.department.path) == (
            alice.pk,
            alice.department.name,
            alice.department.path,
        )
    company.users["admin"].department = None
    company.users["admin"].save()
    assert (
        "· "
        not in company.client("admin")
        .get("/notices/")
        .content.decode()
        .split('class="who">')[1]
        .split("</summary>")[0]
    )
