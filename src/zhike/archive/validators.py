"""Validation and normalisation of Chinese identifiers (ARC-3).

- USCC (统一社会信用代码, GB 32100-2015). python-stdnum 2.2 rejects valid codes whose
  first characters are letters (farmers' cooperatives N2…, trade unions and other
  authorities A–N, Y…), so the check is done here: the shape (registration authority,
  entity type, 6-digit division code, 10 characters of the code set) and the check
  character. For codes that stdnum accepts, the two agree (tests compare them).
- Resident ID numbers (GB 11643): python-stdnum's ``cn.ric``.
- Phones: ``phonenumbers`` with region CN; stored in E.164 (+8613812345678).
"""

import re

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority (1st character): 1–9 and A–N listed in GB 32100, Y for "other".
_USCC_SHAPE = re.compile(r"^[1-9A-HJ-NPQRTUWXY][1-9A-HJ-NPQRTUWXY][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier; the message says why, in Chinese."""


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-case, strip spaces; raise :class:`InvalidIdentifier` if not a valid USCC."""
    code = re.sub(r"\s+", "", value or "").upper()
    if len(code) != 18:
        raise InvalidIdentifier("统一社会信用代码应为 18 位")
    if not _USCC_SHAPE.match(code):
        raise InvalidIdentifier("统一社会信用代码含有不允许的字符(不使用 I、O、S、V、Z)")
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier("统一社会信用代码校验位不正确,请核对")
    return code


def normalize_id_number(value: str) -> str:
    """A mainland resident ID number (18 characters, GB 11643 checksum)."""
    try:
        return str(ric.validate(re.sub(r"\s+", "", value or "").upper()))
    except StdnumError:
        raise InvalidIdentifier("身份证号码无效,请核对(18 位,末位校验码)") from None


MOBILE = re.compile(r"1\d{10}")


def _parse_phone(value: str) -> phonenumbers.PhoneNumber | None:
    text = (value or "").strip()
    if not text:
        return None
    if MOBILE.fullmatch(text):  # 11 plain digits: a mainland mobile, no parsing needed
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
    else:
        try:
            number = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException:
            raise InvalidIdentifier("电话号码格式不正确") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier("电话号码无效:手机号为 11 位,座机请带区号(如 010-62345678)")
    return number


def normalize_phone(value: str) -> str:
    """Mainland mobile or landline (with area code), or an international +number → E.164."""
    number = _parse_phone(value)
    return (
        ""
        if number is None
        else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    )


def clean_phone(value: str) -> str:
    """Validate a phone and return it as stored and shown: mainland numbers as dialled at
    home (13812345678, 01062345678), others in E.164. One parse per value (imports call
    this a hundred thousand times)."""
    number = _parse_phone(value)
    if number is None:
        return ""
    digits = value.strip()
    if number.country_code == 86 and MOBILE.fullmatch(digits):
        return digits  # already as stored: no formatting round trip
    if number.country_code == 86:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
