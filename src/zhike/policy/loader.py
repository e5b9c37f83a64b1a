"""Loading and validating the policy document (POL-1).

``load_policy`` reads TOML, validates it with the pydantic schema and raises
:class:`PolicyError` whose ``problems`` each name the key, the value and why, in Chinese
and English. ``active_policy`` loads the configured policy once per process.
"""

import time
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from pydantic import ValidationError

from .schema import Policy

PRESET_PACKAGE = "zhike.policy.presets"

# Chinese wording for the pydantic error types a policy author is likely to meet.
_ZH_MESSAGES: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的配置项(请检查拼写)",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "date_from_datetime_parsing": "应为日期,格式 YYYY-MM-DD",
    "date_parsing": "应为日期,格式 YYYY-MM-DD",
    "date_type": "应为日期,格式 YYYY-MM-DD",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求",
    "literal_error": "只能取以下值之一:{expected}",
    "enum": "只能取以下值之一:{expected}",
    "model_type": "应为一个表(table)",
    "list_type": "应为列表",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
}


@dataclass(frozen=True)
class PolicyProblem:
    key: str
    value: Any
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        shown = "" if self.value is None else f" = {self.value!r}"
        return f"{self.key}{shown}: {self.message_zh} ({self.message_en})"


class PolicyError(Exception):
    """The policy document is unreadable or invalid; ``problems`` says where and why."""

    def __init__(self, source: str, problems: list[PolicyProblem]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"管理制度文件无效 / invalid policy: {source}\n{lines}")


def _problem(error: Any) -> PolicyProblem:
    key = ".".join(str(part) for part in error["loc"]) or "(root)"
    template = _ZH_MESSAGES.get(error["type"])
    context = error.get("ctx") or {}
    zh = template.format(**context) if template else error["msg"]
    en = error["msg"]
    if error["type"] == "value_error":
        # Our validators write "中文 / English": show each half in its place.
        zh, _sep, english = error["msg"].removeprefix("Value error, ").partition(" / ")
        en = english or zh
    value = None if error["type"] == "missing" else error.get("input")
    if isinstance(value, dict):
        value = None
    if isinstance(value, list) and len(str(value)) > 60:
        value = None
    return PolicyProblem(key=key, value=value, message_zh=zh, message_en=en)


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            source, [PolicyProblem("(file)", None, f"TOML 语法错误:{exc}", f"TOML syntax: {exc}")]
        ) from exc


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` over ``base``, table by table; a value or list replaces the base's, and
    an empty table (``tier = {}``) removes the base's section."""
    result = dict(base)
    for key, value in changes.items():
        if value == {} and isinstance(result.get(key), dict):
            del result[key]
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def _with_base(data: dict[str, Any], source: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Resolve ``[policy] extends = "<preset>"``: the file states only what differs."""
    base_name = data.get("policy", {}).get("extends")
    if not base_name:
        return data
    if base_name in seen or base_name not in preset_names():
        problem = PolicyProblem(
            "policy.extends",
            base_name,
            f"无法继承:没有这个预设或出现循环,可选:{', '.join(preset_names())}",
            "unknown preset or a cycle",
        )
        raise PolicyError(source, [problem])
    base = _read_toml(_preset_text(base_name), f"preset:{base_name}")
    return _merged(_with_base(base, source, (*seen, base_name)), data)


def _preset_text(name: str) -> str:
    return resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def parse_policy(text: str, source: str = "<text>") -> Policy:
    """Validate a policy given as TOML text (resolving ``extends``)."""
    data = _with_base(_read_toml(text, source), source)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_problem(e) for e in exc.errors()]) from exc


def preset_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(PRESET_PACKAGE).iterdir()
        if p.name.endswith(".toml")
    )


def policy_text(name_or_path: str | Path) -> tuple[str, str]:
    """The TOML of a preset by name (``general``) or of a policy file by path, and a name
    for where it came from (for error messages)."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            problem = PolicyProblem("(file)", str(path), f"无法读取文件:{exc}", str(exc))
            raise PolicyError(str(path), [problem]) from exc
    name = str(name_or_path)
    if name not in preset_names():
        problem = PolicyProblem(
            "(preset)", name, f"没有这个预设,可选:{', '.join(preset_names())}", "unknown preset"
        )
        raise PolicyError(name, [problem])
    return _preset_text(name), f"preset:{name}"


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a preset by name (``general``) or a policy file by path."""
    return parse_policy(*policy_text(name_or_path))


def configured_policy_text() -> str:
    """The TOML of the file or preset named by ``settings.ZHIKE_POLICY``."""
    return policy_text(settings.ZHIKE_POLICY)[0]


@cache
def configured_policy() -> Policy:
    """The policy file or preset named by ``settings.ZHIKE_POLICY``, loaded once."""
    return load_policy(settings.ZHIKE_POLICY)


class _ActivePolicy:
    """``active_policy()``: the approved policy version in force today (POL-3), else the
    configured file. The version table is looked at most every
    ``ZHIKE_POLICY_REFRESH_SECONDS`` per process (``None``: never — the file alone).

    Callers pass the result to the code that needs it; rules never read it themselves.
    """

    def __init__(self) -> None:
        self._checked = float("-inf")
        self._version_id: int | None = None
        self._policy: Policy | None = None

    def __call__(self) -> Policy:
        refresh = getattr(settings, "ZHIKE_POLICY_REFRESH_SECONDS", 30)
        if refresh is None:
            return configured_policy()
        now = time.monotonic()
        if now - self._checked >= refresh:
            from django.utils import timezone

            from .selectors import version_in_force

            try:
                version = version_in_force(timezone.localdate())
            except DatabaseError:  # not migrated yet (first `migrate`): the file alone
                return configured_policy()
            if version is None:
                self._version_id, self._policy = None, None
            elif version.pk != self._version_id:
                self._version_id = version.pk
                self._policy = parse_policy(version.text, f"version:{version.version}")
            self._checked = now
        return self._policy or configured_policy()

    def cache_clear(self) -> None:
        configured_policy.cache_clear()
        self._checked, self._version_id, self._policy = float("-inf"), None, None


active_policy = _ActivePolicy()
