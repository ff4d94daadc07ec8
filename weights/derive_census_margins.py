"""Derive the Census 2021 North Macedonia weighting margins for the population aged 15+ from MakStat T1003P21.

Reads the unmodified MakStat JSON (municipality x sex x 5-year age group), sums municipalities to the 8 statistical
regions (NUTS-3 MK001..MK008; region = first digit of the ISO 3166-2:MK municipality code, mapping as in
tests/data/census_mk/README.md) and the 5-year groups to the survey's age groups. Only whole 5-year groups are
summed, so 15+ is exact; 18+ is not derivable and is not produced.

Usage: python weights/derive_census_margins.py [--source DIR] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent / "tests" / "data" / "census_mk"
JSON_NAME = "makstat_T1003P21_census2021_age_sex_municipality.json"
SOURCE_NOTE = ("Source: State Statistical Office of North Macedonia, MakStat table T1003P21 'Total resident population "
               "by 5-year age groups and sex, by municipalities, Census 2021' (reference date 5 Sept 2021), "
               "https://makstat.stat.gov.mk/PXWeb/api/v1/en/MakStat/Popisi/Popis2021/NaselenieSet/T1003P21.px ; "
               "derived by weights/derive_census_margins.py (exact sums of municipalities and 5-year groups).")

REGIONS: dict[str, tuple[str, list[str]]] = {
    "MK001": ("Vardar", "1180,1295,1333,1490,1708,1805,2003,2046,2216".split(",")),
    "MK002": ("East", "1040,1201,1325,1457,1511,1597,1732,1929,1961,2232,2283".split(",")),
    "MK003": ("Southwest", "1171,1309,1031,1520,1759,1899,1937,2135,2208".split(",")),
    "MK004": ("Southeast", "1082,1139,1155,1163,1279,2097,1562,1830,1970,2143".split(",")),
    "MK005": ("Pelagonia", "1066,1341,1376,1635,1643,1783,1821,1953,1996".split(",")),
    "MK006": ("Polog", "1104,1147,1236,1287,1392,1481,1724,2160,2178".split(",")),
    "MK007": ("Northeast", "1619,1627,1678,1694,1988,2127".split(",")),
    "MK008": ("Skopje", "0094,1015,0108,0027,0035,1422,1473,0043,0051,1902,0116,2054,2151,0060,0078,2259,0086"
              .split(",")),
}
SEX = {"1": "male", "2": "female"}
# survey age group -> MakStat 5-year age codes (15+ only)
AGE_GROUPS: dict[str, list[str]] = {
    "15-24": ["15_19", "20_24"],
    "25-34": ["25_29", "30_34"],
    "35-44": ["35_39", "40_44"],
    "45-54": ["45_49", "50_54"],
    "55-64": ["55_59", "60_64"],
    "65+": ["65_69", "70_74", "75_79", "80_84", "85_"],
}


def read_table(source: Path) -> dict[tuple[str, str, str], int]:
    """(municipality, sex, age code) -> population, from the MakStat JSON rows."""
    data = json.loads((source / JSON_NAME).read_text(encoding="utf-8"))
    return {(m, s, a): int(v) for m, s, a, v in data["podaci"]}


def derive(table: dict[tuple[str, str, str], int]) -> dict[str, list[dict[str, object]]]:
    """The three 15+ margins as rows: sex x age group, region, region x sex."""
    def pop(munis: list[str], sex: str, codes: list[str]) -> int:
        return sum(table[(m, sex, a)] for m in munis for a in codes)

    all_munis = [m for _, ms in REGIONS.values() for m in ms]
    codes_15 = [c for cs in AGE_GROUPS.values() for c in cs]
    sex_age = [{"sex": SEX[s], "agegrp": g, "count": pop(all_munis, s, cs)}
               for s in SEX for g, cs in AGE_GROUPS.items()]
    region = [{"region": r, "region_en": name, "count": pop(ms, "0", codes_15)} for r, (name, ms) in REGIONS.items()]
    region_sex = [{"region": r, "sex": SEX[s], "region_en": name, "count": pop(ms, s, codes_15)}
                  for r, (name, ms) in REGIONS.items() for s in SEX]
    return {"mk2021_sex_agegrp_15plus.csv": sex_age, "mk2021_region_15plus.csv": region,
            "mk2021_region_sex_15plus.csv": region_sex}


def render(name: str, rows: list[dict[str, object]]) -> str:
    """CSV text with a '#' header citing the source table."""
    cols = list(rows[0])
    total = sum(int(r["count"]) for r in rows)  # type: ignore[arg-type]
    head = [f"# {name}: Census 2021 resident population aged 15+ of North Macedonia ({', '.join(cols[:-1])}); "
            f"total {total}.", f"# {SOURCE_NOTE}"]
    body = [",".join(cols)] + [",".join(str(r[c]) for c in cols) for r in rows]
    return "\n".join(head + body) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the margin files; returns a shell exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Folder with the MakStat JSON.")
    ap.add_argument("--out", type=Path, default=HERE, help="Folder to write the margin CSVs to.")
    ap.add_argument("--check", action="store_true", help="Only compare with the files already in --out.")
    args = ap.parse_args(argv)
    margins = derive(read_table(args.source))
    status = 0
    for name, rows in margins.items():
        text = render(name, rows)
        target = args.out / name
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print(f"{target} differs from the derivation", file=sys.stderr)
                status = 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
