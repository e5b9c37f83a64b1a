"""Customer archive: identifiers (ARC-3), search (pinyin, phones, codes), duplicates by
USCC (ARC-7), contacts and the follow-up timeline (ENG-6)."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from zhike.archive.models import Customer
from zhike.archive.services import (
    contact_add,
    customer_create,
    customer_update,
)
from zhike.archive.validators import (
    USCC_CHARSET,
    InvalidIdentifier,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    uscc_check_char,
)
from zhike.engagement.services import follow_up_record
from zhike.errors import RuleError
from zhike.policy.loader import load_policy as _load_policy

from .base import also_in_a_real_transaction
from .conftest import Company

POLICY = _load_policy("general")


def with_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


# --- USCC (GB 32100-2015) ---------------------------------------------------------------


def test_arc_3_uscc_agrees_with_stdnum_on_digit_initial_codes() -> None:
    rng = random.Random(32100)
    body = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for _ in range(2000):
        code = (
            rng.choice("123456789")
            + rng.choice("123")
            + "".join(rng.choice("0123456789") for _ in range(6))
            + "".join(rng.choice(body) for _ in range(10))
        )
        try:
            ours = normalize_uscc(code) == code
        except InvalidIdentifier:
            ours = False
        assert ours == stdnum_uscc.is_valid(code), code


@pytest.mark.parametrize(
    "first17",
    [
        "N2110108MA01ABCDE",  # farmers' professional cooperative (农民专业合作社)
        "Y1110000MC0000001",  # other registration authority
        "A1110000MC1234567",  # registration authority A
        "51110000500012345",  # social organisation (社会团体), digit-initial
    ],
)
def test_arc_3_uscc_letter_initial_codes_that_stdnum_rejects_are_valid(first17: str) -> None:
    code = with_check(first17)
    assert normalize_uscc(code.lower()) == code
    if not first17[0].isdigit():
        assert not stdnum_uscc.is_valid(code)  # why zhike validates USCC itself


def test_arc_3_uscc_wrong_check_char_and_forbidden_letters() -> None:
    good = with_check("91110000600037341")
    wrong = good[:-1] + next(c for c in USCC_CHARSET if c != good[-1])
    with pytest.raises(InvalidIdentifier, match="校验位"):
        normalize_uscc(wrong)
    with pytest.raises(InvalidIdentifier, match="不使用 I、O、S、V、Z"):
        normalize_uscc("9111000060003734IO")
    with pytest.raises(InvalidIdentifier, match="18 位"):
        normalize_uscc("911100006")


# --- ID numbers and phones --------------------------------------------------------------


def test_arc_3_id_number_checksum() -> None:
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(InvalidIdentifier, match="身份证号码无效"):
        normalize_id_number("110105194912310021")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("010-62345678", "+861062345678"),
        ("0755 86013388", "+8675586013388"),
    ],
)
def test_arc_3_phones_are_normalised(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "1381234567", "abc"])
def test_arc_3_bad_phones_are_refused_with_a_chinese_message(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="电话号码"):
        normalize_phone(raw)


def test_arc_3_id_number_is_not_readable_in_the_table(company: Company, general_policy) -> None:
    customer = customer_create(
        by=company.users["alice"],
        policy=general_policy,
        data={
            "name": "张伟",
            "customer_type": "individual",
            "id_number": "11010519491231002X",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM archive_customer WHERE id = %s", [customer.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert "11010519491231002X" not in row and "19491231" not in row
    from zhike.archive.crypto import decrypt, lookup_hash

    customer.refresh_from_db()
    assert decrypt(customer.id_number_cipher) == "11010519491231002X"
    assert (
        Customer.objects.filter(id_number_hash=lookup_hash("11010519491231002X")).get() == customer
    )
    # The audit trail records that it changed, never the number.
    from zhike.audit.services import events_for

    assert "11010519491231002X" not in str(events_for(customer).get().details)


def test_arc_3_bad_input_names_the_field_and_saves_nothing(
    company: Company, general_policy
) -> None:
    before = Customer.objects.count()
    for data, field in [
        ({"name": "甲", "phone": "12345"}, "phone"),
        ({"name": "甲", "uscc": "91110000600037341X"}, "uscc"),
        ({"name": "甲", "customer_type": "alien"}, "customer_type"),
        ({"name": " "}, "name"),
    ]:
        with pytest.raises(RuleError) as caught:
            customer_create(by=company.users["alice"], data=data, policy=general_policy)
        assert caught.value.field == field
    assert Customer.objects.count() == before


# --- Search -------------------------------------------------------------------------------


def found(company: Company, persona: str, q: str) -> set[str]:
    response = company.api(persona).get("/api/v1/customers", {"q": q})
    return {item["name"] for item in response.json()["items"]}


@pytest.fixture
def searchable(company: Company, general_policy):  # type: ignore[no-untyped-def]
    alice = company.users["alice"]
    made = {
        "hb": customer_create(
            by=alice,
            policy=general_policy,
            data={
                "name": "河北纪元光电有限公司",
                "phone": "0311-85551234",
                "uscc": with_check("91130100MA0ABCDE1"),
            },
        ),
        "cq": customer_create(
            by=alice,
            policy=general_policy,
            data={"name": "重庆长江实业有限公司", "phone": "13912345678"},
        ),
        "zeng": customer_create(
            by=alice, policy=general_policy, data={"name": "曾小贤", "customer_type": "individual"}
        ),
    }
    contact_add(
        policy=POLICY,
        by=alice,
        customer_id=made["cq"].pk,
        data={"name": "单田芳", "phone": "13800005555", "title": "采购经理"},
    )
    return made


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("纪元", {"河北纪元光电有限公司"}),
        ("hbjy", {"河北纪元光电有限公司"}),  # pinyin initials
        ("HeBei JiYuan", {"河北纪元光电有限公司"}),  # full pinyin, spaces and case ignored
        ("chongqing", {"重庆长江实业有限公司"}),  # 重庆 is chong-qing, not zhong-qing
        ("zengxiaoxian", {"曾小贤"}),  # surname 曾 is zeng, not ceng
        ("zxx", {"曾小贤"}),
        ("长江", {"重庆长江实业有限公司"}),  # two Chinese characters: anywhere
        ("zx", {"曾小贤"}),  # two letters: the start of a field (initials zxx)
        ("xx", set()),  # ... not the middle of one
        ("shantianfang", {"重庆长江实业有限公司"}),  # contact 单田芳: surname 单 is shan
        ("5678", {"重庆长江实业有限公司"}),  # phone tail
        ("139-1234-5678", {"重庆长江实业有限公司"}),  # phone as typed
        ("1234", {"河北纪元光电有限公司", "重庆长江实业有限公司"}),
        ("5555", {"重庆长江实业有限公司"}),  # a contact's phone
        ("91130100", {"河北纪元光电有限公司"}),  # USCC fragment
    ],
)
def test_arc_search_one_box_finds_by_any_key(
    company: Company, searchable, q: str, expected: set[str]
) -> None:
    assert found(company, "alice", q) == expected


def test_arc_search_by_code_and_within_scope_only(company: Company, searchable) -> None:
    code = searchable["hb"].code
    assert found(company, "alice", code.lower()) == {"河北纪元光电有限公司"}
    assert found(company, "bob", "hbjy") == set()  # out of bob's scope


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's bigram index")
def test_arc_search_bigram_index_keeps_chinese_pairs_only(db: None) -> None:
    # Pinyin, digits and the field separators would be ~90 keys a customer; the index
    # keeps the pairs only two Chinese characters can make (migration archive 0016).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT zhike_bigrams(%s), zhike_bigrams(%s)",
            ["唐山金鼎公司99|tangshan|ts|13912345678|王伟|wangwei|ww", "ibm|ibm|i"],
        )
        pairs, none = cursor.fetchone()
    assert pairs == ["唐山", "山金", "金鼎", "鼎公", "公司", "王伟"]
    assert none == []


# --- Duplicates by USCC (ARC-7) -------------------------------------------------------------


def test_arc_7_same_uscc_is_refused_naming_the_owner(
    company: Company, searchable, general_policy
) -> None:
    code = searchable["hb"].uscc
    with pytest.raises(RuleError) as caught:
        customer_create(
            by=company.users["bob"], policy=general_policy, data={"name": "河北纪元", "uscc": code}
        )
    assert caught.value.field == "uscc"
    # Bob may not see alice's customer: its name is masked, its owner named.
    assert "河北****公司" in caught.value.message
    assert str(company.users["alice"]) in caught.value.message
    with pytest.raises(RuleError) as again:
        customer_create(
            by=company.users["alice"],
            policy=general_policy,
            data={"name": "河北纪元", "uscc": code},
        )
    assert "河北纪元光电有限公司" in again.value.message


# --- Timeline (ENG-6) -------------------------------------------------------------------------


def test_eng_6_interactions_move_last_contact_forward_only(company: Company) -> None:
    now = timezone.now()
    customer = company.customers["A"]
    alice = company.users["alice"]
    follow_up_record(
        policy=POLICY,
        by=alice,
        customer_id=customer.pk,
        now=now,
        **{
            "kind": "visit",
            "content": "上门拜访,介绍新品",
            "next_step": "寄样品",
            "occurred_at": now - timedelta(days=1),
        },
    )
    follow_up_record(
        policy=POLICY,
        by=alice,
        customer_id=customer.pk,
        now=now,
        **{"kind": "call", "content": "补记上周的电话", "occurred_at": now - timedelta(days=7)},
    )
    customer.refresh_from_db()
    assert customer.last_contact_at == now - timedelta(days=1)
    with pytest.raises(RuleError) as caught:
        follow_up_record(
            policy=POLICY,
            by=alice,
            customer_id=customer.pk,
            now=now,
            **{"kind": "call", "content": ""},
        )
    assert caught.value.field == "content"


def test_eng_6_timeline_only_inside_scope(company: Company) -> None:
    with pytest.raises(RuleError) as caught:
        follow_up_record(
            policy=POLICY,
            by=company.users["bob"],
            customer_id=company.customers["A"].pk,
            now=timezone.now(),
            **{"kind": "call", "content": "x"},
        )
    assert caught.value.code == "not_found"


def test_arc_3_update_keeps_search_key_in_step(company: Company, searchable) -> None:
    customer_update(
        policy=POLICY,
        by=company.users["alice"],
        customer_id=searchable["cq"].pk,
        data={"name": "重庆嘉陵实业有限公司"},
    )
    assert found(company, "alice", "jialing") == {"重庆嘉陵实业有限公司"}
    assert found(company, "alice", "changjiang") == set()


# --- Duplicate warnings and merge (ARC-7) -----------------------------------------------------


def test_arc_7_create_form_warns_of_possible_duplicates(company: Company, searchable) -> None:
    client = company.client("bob")
    form = {
        "name": "河北纪元光电股份有限公司",
        "customer_type": "enterprise",
        "status": "potential",
        "phone": "",
    }
    warned = client.post("/customers/new/", form)
    assert warned.status_code == 200 and "系统中可能已有这个客户" in warned.text
    assert "河北****公司" in warned.text  # alice's customer: masked for bob, owner named
    assert str(company.users["alice"]) in warned.text and "名称相近" in warned.text
    assert not Customer.objects.filter(name="河北纪元光电股份有限公司").exists()
    created = client.post("/customers/new/", {**form, "confirm_duplicates": "1"})
    assert created.status_code == 302
    assert Customer.objects.filter(name="河北纪元光电股份有限公司").exists()


def test_arc_7_duplicates_api_by_phone_and_contact_phone(company: Company, searchable) -> None:
    api = company.api("alice")
    by_phone = api.post(
        "/api/v1/customers/duplicates", {"phone": "13912345678"}, content_type="application/json"
    ).json()
    assert [(d["name"], d["reason"]) for d in by_phone] == [("重庆长江实业有限公司", "电话相同")]
    by_contact = api.post(
        "/api/v1/customers/duplicates", {"phone": "13800005555"}, content_type="application/json"
    ).json()
    assert [d["name"] for d in by_contact] == ["重庆长江实业有限公司"]


def test_arc_7_merge_keeps_every_contact_follow_up_history_and_code(
    company: Company, searchable, general_policy
) -> None:
    alice = company.users["alice"]
    keep, duplicate = (
        searchable["hb"],
        customer_create(
            by=alice,
            policy=general_policy,
            data={"name": "纪元光电(河北)", "phone": "13700001111", "address": "长安区中山路 1 号"},
        ),
    )
    contact_add(policy=POLICY, by=alice, customer_id=duplicate.pk, data={"name": "解先生"})
    follow_up_record(
        policy=POLICY,
        by=alice,
        customer_id=duplicate.pk,
        now=timezone.now(),
        **{"kind": "visit", "content": "首次拜访,介绍产品"},
    )
    api = company.api("alice")
    merged = api.post(
        f"/api/v1/customers/{keep.pk}/merge",
        {"merge_id": duplicate.pk},
        content_type="application/json",
    )
    assert merged.status_code == 200
    keep.refresh_from_db()
    assert keep.address == "长安区中山路 1 号"  # filled from the duplicate
    assert keep.phone == "031185551234"  # its own phone is kept, not overwritten
    assert [c.name for c in keep.contacts.all()] == ["解先生"]
    assert keep.follow_ups.count() == 1 and keep.last_contact_at is not None
    # The old code still finds the kept customer; the duplicate is gone from lists.
    assert found(company, "alice", duplicate.code.lower()) == {"河北纪元光电有限公司"}
    assert api.get(f"/api/v1/customers/{duplicate.pk}").status_code == 404
    history = company.client("alice").get(f"/customers/{keep.pk}/?tab=history").text
    assert "合并重复客户" in history and "添加联系人" in history  # the duplicate's history too
    # Codes are never reused: the tombstone keeps its code.
    assert Customer.objects.filter(code=duplicate.code, merged_into=keep).exists()


def test_arc_7_merge_refuses_out_of_scope_and_self(company: Company) -> None:
    a, b = company.customers["A"], company.customers["B"]
    with pytest.raises(RuleError) as caught:
        from zhike.archive.merging import customer_merge

        customer_merge(by=company.users["alice"], keep_id=a.pk, merge_id=b.pk)
    assert caught.value.code == "not_found"
    with pytest.raises(RuleError):
        customer_merge(by=company.users["alice"], keep_id=a.pk, merge_id=a.pk)


# --- Relatives (ARC-8) ---------------------------------------------------------------------


def test_arc_8_relatives_are_one_customer_for_ownership(company: Company, general_policy) -> None:
    from zhike.archive.relatives import group_owner, relatives_group

    alice, sup = company.users["alice"], company.users["sup"]
    husband = customer_create(
        by=alice, policy=general_policy, data={"name": "张伟", "customer_type": "individual"}
    )
    wife = customer_create(
        by=sup, policy=general_policy, data={"name": "李娜", "customer_type": "individual"}
    )
    son = customer_create(
        by=sup, policy=general_policy, data={"name": "张小明", "customer_type": "individual"}
    )
    api = company.api("sup")  # the supervisor sees both owners' customers (sales1)
    linked = api.post(
        f"/api/v1/customers/{wife.pk}/relatives",
        {"relative_id": husband.pk, "kind": "spouse"},
        content_type="application/json",
    )
    assert linked.status_code == 201 and linked.json()["kind_label"] == "配偶"
    api.post(
        f"/api/v1/customers/{son.pk}/relatives",
        {"relative_id": wife.pk, "kind": "parent"},
        content_type="application/json",
    )
    assert relatives_group(son.pk) == {husband.pk, wife.pk, son.pk}
    # Registered first by alice: the whole family is alice's for ownership and attribution.
    assert group_owner(son.pk) == alice and group_owner(wife.pk) == alice
    inverse = api.get(f"/api/v1/customers/{wife.pk}/relatives").json()
    assert {(r["name"], r["kind"]) for r in inverse} == {("张伟", "spouse"), ("张小明", "child")}


def test_arc_8_linking_needs_both_customers_in_scope(company: Company) -> None:
    response = company.api("alice").post(
        f"/api/v1/customers/{company.customers['A'].pk}/relatives",
        {"relative_id": company.customers["B"].pk, "kind": "spouse"},
        content_type="application/json",
    )
    assert response.status_code == 404
    bad_kind = company.api("gm").post(
        f"/api/v1/customers/{company.customers['A'].pk}/relatives",
        {"relative_id": company.customers["B"].pk, "kind": "cousin"},
        content_type="application/json",
    )
    assert bad_kind.status_code == 400


# --- Data quality (ARC-6) and the profile template (ARC-3) -----------------------------------


def test_arc_6_status_requires_the_policys_fields(company: Company, general_policy) -> None:
    alice = company.users["alice"]
    with pytest.raises(RuleError) as caught:
        customer_create(
            by=alice,
            policy=general_policy,
            data={"name": "成交无址公司", "status": "deal", "phone": "13900000000"},
        )
    assert caught.value.field == "address"
    assert caught.value.message == "“成交客户”的客户必须填写详细地址"
    customer = customer_create(
        by=alice, policy=general_policy, data={"name": "潜在公司", "phone": "13900000000"}
    )
    with pytest.raises(RuleError):
        customer_update(
            policy=general_policy, by=alice, customer_id=customer.pk, data={"status": "deal"}
        )
    customer_update(
        policy=general_policy,
        by=alice,
        customer_id=customer.pk,
        data={"status": "deal", "address": "中山路 1 号"},
    )
    customer.refresh_from_db()
    assert customer.status == "deal"


def test_arc_6_completeness_from_the_policy(company: Company, general_policy) -> None:
    from zhike.archive.services import completeness

    customer = customer_create(
        by=company.users["alice"],
        policy=general_policy,
        data={"name": "完整度公司", "phone": "13900000000", "province": "河北省", "city": "保定市"},
    )
    assert completeness(customer, general_policy) == 50  # 3 of 6 fields
    body = company.api("alice").get(f"/api/v1/customers/{customer.pk}").json()
    assert body["completeness"] == 50


def test_arc_3_key_person_profile_follows_the_template(company: Company, general_policy) -> None:
    alice, target = company.users["alice"], company.customers["A"]
    contact = contact_add(
        policy=general_policy,
        by=alice,
        customer_id=target.pk,
        data={
            "name": "曾总",
            "profile": {
                "birthday": "05-01",
                "birthday_calendar": "农历",
                "cuisine": "川菜",
                "drinking": "白酒",
            },
        },
    )
    assert contact.profile["birthday_calendar"] == "农历"
    for profile, field in [
        ({"shoe_size": "42"}, "profile.shoe_size"),
        ({"birthday": "五月一日"}, "profile.birthday"),
        ({"marriage": "保密"}, "profile.marriage"),
    ]:
        with pytest.raises(RuleError) as caught:
            contact_add(
                policy=general_policy,
                by=alice,
                customer_id=target.pk,
                data={"name": "甲", "profile": profile},
            )
        assert caught.value.field == field
    assert len(general_policy.archive.contact_profile) >= 42  # s003's template ships
    page = company.client("alice").get(f"/customers/{target.pk}/?tab=contacts").text
    assert "最偏爱的菜式" in page and "川菜" in page


# --- Lifecycle (ARC-5) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("potential", "intent", True),
        ("intent", "deal", True),
        ("potential", "deal", True),
        ("deal", "lost", True),
        ("lost", "win_back", True),
        ("win_back", "deal", True),
        ("deal", "potential", False),
        ("lost", "deal", False),
        ("deal", "blacklisted", False),
        ("potential", "blacklisted", False),
    ],
)
def test_arc_5_lifecycle_transitions(
    company: Company, general_policy, old: str, new: str, allowed: bool
) -> None:
    from .factories import CustomerFactory

    customer = CustomerFactory(owner=company.users["alice"], status=old, address="中山路 1 号")
    change = {"status": new}
    if allowed:
        customer_update(
            policy=general_policy, by=company.users["alice"], customer_id=customer.pk, data=change
        )
        customer.refresh_from_db()
        assert customer.status == new
    else:
        with pytest.raises(RuleError) as caught:
            customer_update(
                policy=general_policy,
                by=company.users["alice"],
                customer_id=customer.pk,
                data=change,
            )
        assert caught.value.field == "status"
        assert "不能从" in caught.value.message


def test_arc_5_new_customers_cannot_start_blacklisted(company: Company, general_policy) -> None:
    with pytest.raises(RuleError, match="黑名单"):
        customer_create(
            by=company.users["alice"],
            policy=general_policy,
            data={"name": "某公司", "status": "blacklisted"},
        )


def test_arc_6_important_interaction_obliges_the_owner_to_update(
    company: Company, general_policy
) -> None:
    from zhike.workflow.models import Deadline

    alice, target = company.users["alice"], company.customers["A"]
    now = timezone.now()
    follow_up_record(
        policy=general_policy,
        by=alice,
        customer_id=target.pk,
        now=now,
        **{"kind": "call", "content": "电话问候"},
    )
    assert not Deadline.objects.exists()  # a call is not an important interaction here
    for _ in range(2):
        follow_up_record(
            policy=general_policy,
            by=alice,
            customer_id=target.pk,
            now=now,
            **{"kind": "visit", "content": "上门拜访,客户提出新需求"},
        )
    deadline = Deadline.objects.get(rule="data_update")  # once, not twice
    assert deadline.assignee == alice and deadline.state == "open"
    assert deadline.due_at == now + timedelta(days=7)  # [deadlines.data_update] in the preset
    customer_update(
        policy=general_policy,
        by=company.users["sup"],
        customer_id=target.pk,
        data={"address": "主管代填"},
    )
    deadline.refresh_from_db()
    assert deadline.state == "open"  # only the owner's own update counts
    customer_update(
        policy=general_policy, by=alice, customer_id=target.pk, data={"industry": "制造业"}
    )
    deadline.refresh_from_db()
    assert deadline.state == "done"


also_in_a_real_transaction(
    globals(),
    test_arc_3_bad_input_names_the_field_and_saves_nothing,
    test_arc_6_status_requires_the_policys_fields,
    test_arc_3_key_person_profile_follows_the_template,
    test_eng_6_interactions_move_last_contact_forward_only,
    test_arc_7_merge_keeps_every_contact_follow_up_history_and_code,
)
