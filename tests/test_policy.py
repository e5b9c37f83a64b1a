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
