#!/usr/bin/env python3
"""Generate Migrations/0002_geography.sql: the rows of the `states` and `counties` lookups.

Usage (from the repository root):

    pip install us==4.0.0        # once; this script installs nothing itself
    python3 scripts/generate_geography.py > Migrations/0002_geography.sql

The SQL goes to standard output as UTF-8 with LF line endings. The output is deterministic: running the script twice
gives the same bytes. A shipped migration is never edited, so this is run once; rerun it only to check that the
committed file still matches (`python3 scripts/generate_geography.py | cmp - Migrations/0002_geography.sql`).

Source
------
The PyPI package `us` 4.0.0 (BSD-3-Clause, https://github.com/unitedstates/python-us), module `us/states.py`:
each State has `abbr`, `fips`, `name` and `counties`, a list of County objects with `fips` (5 digits), `ns_code`
and `name` (the Census name with its suffix, e.g. "Autauga County", "Fairfax city", "Añasco Municipio").

Vintage
-------
The package does not state the vintage of its county list. Its changelog says only "add counties" (4.0.0, from pull
request #89, whose author took them from the Census Bureau's ANSI/FIPS code lists,
https://www.census.gov/library/reference/code-lists/ansi.html). Its `shapefile_urls()` points at TIGER 2010, but the
county list is NOT the 2010 one. The data itself shows the 2020 Census vintage:
  - Alaska has Chugach 02063 and Copper River 02066 (Valdez-Cordova 02261 split in 2019) and Kusilvak 02158
    (Wade Hampton 02270 renamed in 2015); 30 entries.
  - South Dakota has Oglala Lakota 46102 (Shannon 46113 renamed in 2015).
  - Virginia has no Bedford city 51515 (folded into Bedford County in 2013); 133 entries.
  - Connecticut still has its 8 counties and no planning regions (those entered Census data in 2022).
  - The 50 states + DC total exactly 3,143, the 2020 Census count.
`check_vintage()` asserts all of this, so a different package version or data fails loudly instead of silently
producing another vintage.

Corrections
-----------
No vintage corrections were needed for the 50 states + DC. The one change to the package's data is an addition
required by shared/spec/geography.md: Connecticut's 9 planning regions (09110 ... 09190, suffix 'Planning Region',
Census names from the 2022 county-equivalent list), kept next to the 8 old counties because exports use either.
They are the explicit table `ADDITIONS` below. The 50 states + DC then total 3,143 + 9 = 3,152 rows.

Territories: the package's county-equivalents are used as they are: PR's 78 municipios, GU 66010, VI 78010/78020/
78030, AS 60010/60020/60030/60040/60050 and MP 69085/69100/69110/69120 (the Northern Mariana Islands' state FIPS
code is 69).

Splitting names
---------------
`counties.name` is the Census name without its suffix and `counties.suffix` the suffix, taken from the fixed list
`SUFFIXES` (longest match first, case-sensitive, so "Carson City" keeps suffix '' while "Fairfax city" gives
'Fairfax' + 'city'). A name with none of them ('District of Columbia', 'Carson City', 'Guam') gets suffix ''.
`split_name()` refuses to leave an empty name, and `main()` refuses any suffix outside `SUFFIXES`.
"""

import sys
import unicodedata

try:
    import us
    from us import states as us_states
except ImportError:
    sys.exit(
        "generate_geography.py: the Python package `us` is not installed.\n"
        "Install exactly the version this migration was generated from:  pip install us==4.0.0"
    )

PACKAGE_VERSION = "4.0.0"

# The 50 states, DC and the 5 inhabited territories: the rows of `states`.
STATE_CODES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "PR", "GU", "VI", "AS", "MP",
]
TERRITORY_CODES = {"PR", "GU", "VI", "AS", "MP"}

# Suffixes as the Census writes them, longest first so that "City and Borough" wins over "Borough".
SUFFIXES = [
    "City and Borough",
    "Planning Region",
    "Municipality",
    "Census Area",
    "Municipio",
    "District",
    "Borough",
    "County",
    "Parish",
    "Island",
    "city",
]

# Rows added to the package's data: (fips, state, Census name with suffix), each with the reason.
ADDITIONS = [
    # Connecticut's 9 planning regions, its county-equivalents in Census data from 2022 on (shared/spec/geography.md:
    # exports may use either the 8 old counties or these, so both sets are kept).
    ("09110", "CT", "Capitol Planning Region"),
    ("09120", "CT", "Greater Bridgeport Planning Region"),
    ("09130", "CT", "Lower Connecticut River Valley Planning Region"),
    ("09140", "CT", "Naugatuck Valley Planning Region"),
    ("09150", "CT", "Northeastern Connecticut Planning Region"),
    ("09160", "CT", "Northwest Hills Planning Region"),
    ("09170", "CT", "South Central Connecticut Planning Region"),
    ("09180", "CT", "Southeastern Connecticut Planning Region"),
    ("09190", "CT", "Western Connecticut Planning Region"),
]

# 2020 Census counts of counties and equivalents, used to check the package's vintage.
EXPECTED_50_STATES_AND_DC = 3143
EXPECTED_PER_STATE = {"AK": 30, "CT": 8, "LA": 64, "SD": 66, "TX": 254, "VA": 133, "PR": 78, "GU": 1, "VI": 3,
                      "AS": 5, "MP": 4}
PRESENT_IN_2020 = {
    "02063": "Chugach Census Area",        # from Valdez-Cordova's split, 2019
    "02066": "Copper River Census Area",   # from Valdez-Cordova's split, 2019
    "02158": "Kusilvak Census Area",       # Wade Hampton renamed, 2015
    "46102": "Oglala Lakota County",       # Shannon renamed, 2015
    "09001": "Fairfield County",           # CT's old counties, still in 2020 data
}
ABSENT_IN_2020 = {
    "02261": "Valdez-Cordova Census Area",  # split 2019
    "02270": "Wade Hampton Census Area",    # renamed 2015
    "46113": "Shannon County",              # renamed 2015
    "51515": "Bedford city",                # folded into Bedford County 51019, 2013
    "09110": "Capitol Planning Region",     # planning regions only from 2022
}


def fail(message):
    sys.exit(f"generate_geography.py: {message}")


def check_vintage(counties_by_state):
    """Fail unless the package's county list is the 2020 Census vintage described in the docstring."""
    by_fips = {fips: name for rows in counties_by_state.values() for fips, name in rows}
    total = sum(len(rows) for code, rows in counties_by_state.items() if code not in TERRITORY_CODES)
    if total != EXPECTED_50_STATES_AND_DC:
        fail(f"the package has {total} counties in the 50 states + DC, expected {EXPECTED_50_STATES_AND_DC} (2020)")
    for code, expected in EXPECTED_PER_STATE.items():
        if len(counties_by_state[code]) != expected:
            fail(f"the package has {len(counties_by_state[code])} counties in {code}, expected {expected}")
    for fips, name in PRESENT_IN_2020.items():
        if by_fips.get(fips) != name:
            fail(f"expected {fips} {name!r} in the package's data, found {by_fips.get(fips)!r}")
    for fips, name in ABSENT_IN_2020.items():
        if fips in by_fips:
            fail(f"did not expect {fips} ({name}) in the package's data (not a 2020 county)")


def split_name(census_name):
    """'Fairfax city' -> ('Fairfax', 'city'); 'District of Columbia' -> ('District of Columbia', '')."""
    for suffix in SUFFIXES:
        if census_name.endswith(" " + suffix):
            name = census_name[: -len(suffix) - 1].strip()
            if not name:
                fail(f"splitting {census_name!r} leaves an empty name")
            return name, suffix
    return census_name, ""


def sql_text(value):
    return "'" + value.replace("'", "''") + "'"


def clean(value, what):
    value = unicodedata.normalize("NFC", value)
    if value != value.strip() or "  " in value or not value:
        fail(f"unexpected white space in {what} {value!r}")
    return value


def main():
    version = getattr(us, "__version__", None) or getattr(us, "version", None)
    if str(version) != PACKAGE_VERSION:
        fail(f"found `us` {version}, but this migration is generated from `us` {PACKAGE_VERSION} "
             f"(pip install us=={PACKAGE_VERSION})")

    states = []
    counties_by_state = {}
    for code in STATE_CODES:
        state = us_states.lookup(code)
        if state is None or state.abbr != code or not state.fips or len(state.fips) != 2:
            fail(f"no usable state {code} in the package")
        states.append((state.fips, code, clean(state.name, "state name")))
        rows = []
        for county in state.counties:
            if len(county.fips) != 5 or not county.fips.isdigit() or county.fips[:2] != state.fips:
                fail(f"county {county.fips} {county.name!r} does not belong to {code} ({state.fips})")
            rows.append((county.fips, clean(county.name, "county name")))
        counties_by_state[code] = rows

    check_vintage(counties_by_state)

    for fips, code, census_name in ADDITIONS:
        counties_by_state[code].append((fips, census_name))

    counties = []
    for code, rows in counties_by_state.items():
        for fips, census_name in rows:
            name, suffix = split_name(census_name)
            counties.append((fips, code, name, suffix))
    counties.sort()
    states.sort()

    fips_seen = [c[0] for c in counties]
    if len(fips_seen) != len(set(fips_seen)):
        fail("duplicate county FIPS codes")
    keys = [(c[1], c[2].casefold(), c[3].casefold()) for c in counties]
    if len(keys) != len(set(keys)):
        fail("duplicate (state, name, suffix)")
    if {c[3] for c in counties} - set(SUFFIXES) - {""}:
        fail("unexpected suffix")

    main_count = sum(1 for c in counties if c[1] not in TERRITORY_CODES)
    territory_count = len(counties) - main_count
    n_additions = len(ADDITIONS)

    out = []
    out.append("-- htdb migration 2: geography reference data (rows of `states` and `counties`, tables in 0001_schema.sql).")
    out.append("--")
    out.append("-- GENERATED by scripts/generate_geography.py; do not edit by hand. A shipped migration is never edited:")
    out.append("-- correct the data with a new migration.")
    out.append("--")
    out.append(f"-- Source: the PyPI package `us` {PACKAGE_VERSION} (BSD-3-Clause), us/states.py: states with USPS code, FIPS")
    out.append("-- code and name; counties with 5-digit FIPS code and Census name. The package took its counties from the")
    out.append("-- Census Bureau's ANSI/FIPS code lists. Vintage: 2020 Census (checked by the script: Chugach 02063 and Copper")
    out.append("-- River 02066 present, Valdez-Cordova 02261 absent; Kusilvak 02158; Oglala Lakota 46102; no Bedford city")
    out.append("-- 51515; Connecticut's 8 counties without planning regions; 3,143 in the 50 states + DC). It is NOT the")
    out.append("-- TIGER 2010 list that the package's shapefile URLs point at.")
    out.append("--")
    out.append("-- Changes to the package's data: none to its 2020 rows. Added: Connecticut's 9 planning regions")
    out.append("-- (09110-09190, suffix 'Planning Region', from the Census data of 2022 on) next to its 8 old counties, as")
    out.append("-- shared/spec/geography.md requires.")
    out.append("--")
    out.append(f"-- Rows: {len(states)} states (50 states, DC, PR, GU, VI, AS, MP); {len(counties)} counties = {main_count} in the")
    out.append(f"-- 50 states + DC ({main_count - n_additions} of 2020 + {n_additions} CT planning regions) and {territory_count} in the territories.")
    out.append("-- `name` is the Census name without its suffix, `suffix` the suffix ('' where the name has none).")
    out.append("")
    out.append("INSERT INTO states (code, fips, name) VALUES")
    out.append(",\n".join(f"    ({sql_text(code)}, {sql_text(fips)}, {sql_text(name)})" for fips, code, name in states) + ";")
    out.append("")
    out.append("INSERT INTO counties (fips, state, name, suffix) VALUES")
    out.append(",\n".join(
        f"    ({sql_text(fips)}, {sql_text(code)}, {sql_text(name)}, {sql_text(suffix)})"
        for fips, code, name, suffix in counties
    ) + ";")
    out.append("")
    sys.stdout.buffer.write("\n".join(out).encode("utf-8"))


if __name__ == "__main__":
    main()
