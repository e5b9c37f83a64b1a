"""Search keys (ARC search): one lower-case text per customer in two sections.

- The typed section: full pinyin and initials of the name and of each contact, their
  phone digits, the codes of customers merged into it. PostgreSQL indexes it with
  trigrams (``split_part(search_text, E'\\x1f', 1)``, migration archive 0023).
- The names section: the name and the contacts' names that hold Chinese characters,
  served by the index of their Chinese pairs (``zhike_bigrams``).

Each field is enclosed in ``|``, so a match never spans two fields and a whole field is
``|…|``. The customer's own code and USCC are not in the key: they are found by their start,
on their own columns' indexes: every code shares the trigrams kh2, 202 and 026, so a code
searched by trigrams read much of the index (23–61 ms at 1M). SQLite scans the whole key.

Person names need surname readings: plain pypinyin reads 单 dan, 曾 ceng, 解 jie, 朴 pu;
as surnames they are shan, zeng, xie, piao.
"""

import re
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.core import Pinyin

# Polyphonic characters read differently as surnames (百家姓), and compound surnames.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "朴": "piao",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "华": "hua",
    "乐": "yue",
    "缪": "miao",
    "尉": "yu",
    "句": "gou",
    "种": "chong",
    "秘": "bi",
    "冼": "xian",
    "繁": "po",
    "员": "yun",
    "覃": "qin",
    "翟": "zhai",
    "那": "na",
    "召": "shao",
    "黑": "he",
    "宿": "su",
    "长": "zhang",
    "重": "chong",
    "车": "che",
    "折": "she",
    "牟": "mou",
    "莘": "shen",
}
COMPOUND_SURNAMES = {
    "欧阳": ["ou", "yang"],
    "司马": ["si", "ma"],
    "上官": ["shang", "guan"],
    "诸葛": ["zhu", "ge"],
    "令狐": ["ling", "hu"],
    "尉迟": ["yu", "chi"],
    "长孙": ["zhang", "sun"],
    "澹台": ["tan", "tai"],
    "皇甫": ["huang", "fu"],
    "单于": ["chan", "yu"],
    "东方": ["dong", "fang"],
    "公孙": ["gong", "sun"],
}


def syllables(text: str, *, person: bool = False) -> list[str]:
    """Pinyin syllables of ``text``; a person's name starts with its surname reading.
    Characters without a reading (letters, digits) come through as they are."""
    if person and text[:2] in COMPOUND_SURNAMES:
        return COMPOUND_SURNAMES[text[:2]] + _plain(text[2:])
    if person and text[:1] in SURNAME_READINGS:
        return [SURNAME_READINGS[text[0]], *_plain(text[1:])]
    return _plain(text)


def _plain(text: str) -> list[str]:
    """pypinyin's reading, run by run of Chinese characters. pypinyin splits a text into
    those runs and the rest, then the runs into words (so 重庆 reads chongqing), and
    converts each word on its own: most of an import's Python time (82 µs a name). A run
    recurs across names (武汉创新农业实业有限公司1, …2) and a word across runs (有限公司,
    科技), so each is converted once; the rest (letters, digits) reads as it is."""
    return [s for run in _RUNS.findall(text) for s in _run_syllables(run)]


# pypinyin's own class of characters with a reading (RE_HANS is "^(?:[…])+$").
_HAN = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
_RUNS = re.compile(f"{_HAN}+|(?:(?!{_HAN}).)+", re.DOTALL)
_SEGMENTER = Pinyin()


@lru_cache(maxsize=100_000)
def _run_syllables(run: str) -> tuple[str, ...]:
    if not RE_HANS.match(run):
        return (run,) if run.strip() else ()
    return tuple(s for word in _SEGMENTER.seg(run) for s in _word_syllables(word) if s.strip())


@lru_cache(maxsize=50_000)
def _word_syllables(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin([word], style=Style.NORMAL, errors="default"))


@lru_cache(maxsize=100_000)
def pinyin_forms(text: str, *, person: bool = False) -> tuple[str, str]:
    """(full pinyin, initials): 河北纪元光电 → ("hebeijiyuanguangdian", "hbjygd")."""
    parts = syllables(text, person=person)
    full = "".join(parts).lower().replace(" ", "")
    initials = "".join(p[0] for p in parts if p).lower()
    return full, initials


SECTION = "\x1f"  # between the two sections: no input may hold a control character


def search_text(
    *,
    name: str,
    person: bool,
    aliases: Iterable[str] = (),
    phones: Iterable[str] = (),
    contact_names: Iterable[str] = (),
) -> str:
    """The customer's search key: ``|typed|…|`` + SECTION + ``|names|…|``. An all-ASCII name
    (IBM) is its own pinyin, so it is in the typed section only."""
    typed = [*pinyin_forms(name, person=person), *aliases, *phones]
    names = [name]
    for contact in contact_names:
        typed += pinyin_forms(contact, person=True)
        names.append(contact)
    chinese = [n for n in names if n and not n.isascii()]
    return _fields(typed) + SECTION + _fields(chinese)


def _fields(parts: Iterable[str]) -> str:
    return "|" + "".join(f"{p.lower()}|" for p in parts if p)


def normalize_query(q: str) -> str:
    """What the search box sends, as the key stores it: lower-case, no spaces or dashes
    (people type phone numbers as 138-1234-5678 and pinyin as "he bei")."""
    return "".join(ch for ch in q.lower() if ch not in " -\t|")
