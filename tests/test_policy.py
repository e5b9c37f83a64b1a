"""POL-1: the policy document is TOML, validated with errors naming key and reason."""

from pathlib import Path

import pytest

from zhike.policy.loader import PolicyError, load_policy, parse_policy, preset_names

VALID = """
[policy]
name = "测试制度"
version = "t-1"
effective_date = 2026-01-01
"""


def test_pol_1_general_preset_loads_with_documented_defaults() -> None:
    policy = load_policy("general")
    assert "general" in preset_names()
    assert policy.policy.version == "general-1"
    assert policy.archive.data_quality.stale_after_days == 30
    assert policy.archive.coding.prefix == "KH"


def test_pol_1_sections_may_be_omitted_and_take_defaults() -> None:
    policy = parse_policy(VALID)
    assert policy.archive.coding.sequence_digits == 6


def test_pol_1_a_company_file_overrides_numbers(tmp_path: Path) -> None:
    path = tmp_path / "company.toml"
    path.write_text(VALID + "\n[archive.data_quality]\nstale_after_days = 7\n", encoding="utf-8")
    assert load_policy(path).archive.data_quality.stale_after_days == 7


def problems(text: str) -> dict[str, str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    return {p.key: str(p) for p in caught.value.problems}


def test_pol_1_out_of_range_value_names_key_value_and_reason_in_chinese_and_english() -> None:
    found = problems(VALID + "[archive.data_quality]\nstale_after_days = 0\n")
    message = found["archive.data_quality.stale_after_days"]
    assert "= 0" in message
    assert "不能小于 1" in message
    assert "greater than or equal to 1" in message


def test_pol_1_misspelt_key_is_an_error_not_ignored() -> None:
    found = problems(VALID + "[archive.data_quality]\nstale_after_dayz = 5\n")
    assert "未知的配置项" in found["archive.data_quality.stale_after_dayz"]


def test_pol_1_missing_required_key_and_wrong_type() -> None:
    found = problems('[policy]\nname = "x"\neffective_date = "明天"\n')
    assert "缺少必填项" in found["policy.version"]
    assert "应为日期" in found["policy.effective_date"]


def test_pol_1_toml_syntax_error_is_reported() -> None:
    found = problems("[policy\nname=")
    assert "TOML 语法错误" in found["(file)"]


def test_pol_1_unknown_preset_lists_the_choices() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("no-such-preset")
    assert "general" in str(caught.value)


# --- POL-2 presets, extends, `zhike policy check` -----------------------------------------


@pytest.mark.parametrize(
    "name", ["general", "manufacturer", "wholesale-market", "auto-dealer", "real-estate"]
)
def test_pol_2_every_preset_loads(name: str) -> None:
    policy = load_policy(name)
    assert policy.policy.version.startswith(name)
    assert "grading_review" in policy.approvals  # GRD-6: a review needs an approval chain


def test_pol_2_extends_states_only_what_differs() -> None:
    manufacturer = load_policy("manufacturer")
    general = load_policy("general")
    # Inherited unchanged: the 42-field profile, the calendar, the deadlines.
    assert manufacturer.archive.contact_profile == general.archive.contact_profile
    assert manufacturer.deadlines == general.deadlines
    # Replaced: the review cycle; removed with an empty table: the value tiers.
    assert manufacturer.grading.review_months == [12]
    assert manufacturer.grading.tier is None and general.grading.tier is not None
    assert manufacturer.grading.size_class == general.grading.size_class


def test_pol_1_extends_an_unknown_preset_is_a_clear_error() -> None:
    text = '[policy]\nname = "x"\nversion = "1"\neffective_date = 2026-01-01\nextends = "bank"\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert caught.value.problems[0].key == "policy.extends"
    assert "没有这个预设" in caught.value.problems[0].message_zh


def test_pol_1_grading_errors_name_the_key_in_chinese() -> None:
    text = """
[policy]
name = "x"
version = "1"
effective_date = 2026-01-01
extends = "general"
[grading.tier]
name = "级别"
[[grading.tier.levels]]
key = "vip"
label = "VIP"
criteria = [{ attestation = "golden_lease" }]
[[grading.tier.levels]]
key = "rest"
label = "其余"
"""
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    problem = caught.value.problems[0]
    assert problem.key == "grading"
    assert "golden_lease" in problem.message_zh and "未在" in problem.message_zh


def test_pol_1_policy_check_command(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import CommandError, call_command

    call_command("policy", "check", "manufacturer")
    assert "制造企业客户管理办法" in capsys.readouterr().out
    bad = tmp_path / "policy.toml"
    bad.write_text(
        '[policy]\nname = "x"\nversion = "1"\neffective_date = 2026-01-01\n'
        'extends = "general"\n[grading]\nreview_months = [13]\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("policy", "check", str(bad))
    err = capsys.readouterr().err
    assert "grading.review_months" in err and "取 1–12" in err
