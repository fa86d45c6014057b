#!/usr/bin/env python3
"""Generate the SQL of the `countries` lookup (ISO 3166-1) that the CTDC import converts country codes with.

Usage (from the repository root):

    apt-get install iso-codes        # once (Debian); this script installs nothing itself
    python3 scripts/generate_countries.py OUTPUT.sql

The SQL is written to OUTPUT.sql as UTF-8 with LF line endings. The output is deterministic: running the script
twice on the same iso-codes version gives the same bytes. The file goes into a migration, and a shipped migration is
never edited, so this is run once; rerun it only to check that the committed SQL still matches (the header names the
iso-codes version it came from, and the same Debian package version gives the same output).

Source
------
Debian's package `iso-codes` (LGPL-2.1+, https://salsa.debian.org/iso-codes-team/iso-codes), the file
`/usr/share/iso-codes/json/iso_3166-1.json`: {"3166-1": [{"alpha_2", "alpha_3", "numeric", "name", "flag",
optionally "common_name" and "official_name"}, ...]}. The version is the installed package's, read with
`dpkg-query -W iso-codes`.

Rows
----
One row per entry of the file: `code` = alpha_2, `alpha3` = alpha_3, `name` = the entry's common_name when it has one
("Bolivia", "Iran", "South Korea") else its name ("Aruba", "Côte d'Ivoire"): the short form a report reader expects.
Rows are sorted by code. Nothing is added or changed: the placeholders CTDC uses for an unknown country (`ZZ`, `00`,
`0`, `-99`) are not countries and are handled by the import, not by this table.

`check()` refuses anything unexpected (a code that is not two upper-case ASCII letters, an alpha-3 that is not three,
a duplicate, an empty or untrimmed name, far fewer or more entries than ISO 3166-1 has), so a changed source fails
loudly instead of producing a table the CHECK constraints would reject.
"""

import json
import subprocess
import sys
import unicodedata

SOURCE = "/usr/share/iso-codes/json/iso_3166-1.json"
PACKAGE = "iso-codes"

# ISO 3166-1 has had 249 entries since 2011 (South Sudan); allow for a few changes in later releases.
EXPECTED_ROWS = range(240, 260)

CREATE_TABLE = (
    "CREATE TABLE countries (code TEXT PRIMARY KEY CHECK (length(code) = 2 AND code = upper(code)), "
    "alpha3 TEXT NOT NULL UNIQUE CHECK (length(alpha3) = 3), name TEXT NOT NULL) STRICT;"
)


def fail(message):
    sys.exit(f"generate_countries.py: {message}")


def package_version():
    """The installed iso-codes package's version, e.g. '4.15.0-1'."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", PACKAGE], capture_output=True, text=True, check=False)
    except OSError as error:
        fail(f"cannot run dpkg-query ({error}); this script needs Debian's {PACKAGE} package")
    version = result.stdout.strip()
    if result.returncode != 0 or not version:
        fail(f"the Debian package {PACKAGE} is not installed (apt-get install {PACKAGE})")
    return version


def load_entries():
    try:
        with open(SOURCE, encoding="utf-8") as file:
            document = json.load(file)
    except OSError as error:
        fail(f"cannot read {SOURCE} ({error.strerror}); install it with: apt-get install {PACKAGE}")
    except json.JSONDecodeError as error:
        fail(f"{SOURCE} is not valid JSON ({error})")
    entries = document.get("3166-1") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        fail(f"{SOURCE} has no \"3166-1\" list")
    return entries


def is_ascii_upper(value, length):
    return isinstance(value, str) and len(value) == length and all("A" <= c <= "Z" for c in value)


def clean_name(value, code):
    if not isinstance(value, str):
        fail(f"{code}: the name is not text")
    value = unicodedata.normalize("NFC", value)
    if not value or value != value.strip() or "  " in value:
        fail(f"{code}: unexpected white space in the name {value!r}")
    return value


def rows_of(entries):
    """(code, alpha3, name) for every entry, sorted by code."""
    rows = []
    for entry in entries:
        if not isinstance(entry, dict):
            fail("an entry of the list is not an object")
        code = entry.get("alpha_2")
        alpha3 = entry.get("alpha_3")
        if not is_ascii_upper(code, 2):
            fail(f"unexpected alpha-2 code {code!r}")
        if not is_ascii_upper(alpha3, 3):
            fail(f"{code}: unexpected alpha-3 code {alpha3!r}")
        name = entry.get("common_name", entry.get("name"))
        rows.append((code, alpha3, clean_name(name, code)))
    rows.sort()
    return rows


def check(rows):
    if len(rows) not in EXPECTED_ROWS:
        fail(f"{len(rows)} entries; ISO 3166-1 has about 249")
    codes = [row[0] for row in rows]
    alpha3s = [row[1] for row in rows]
    if len(set(codes)) != len(codes):
        fail("duplicate alpha-2 codes")
    if len(set(alpha3s)) != len(alpha3s):
        fail("duplicate alpha-3 codes")
    pairs = {(row[0], row[1]) for row in rows}
    for code, alpha3 in [("US", "USA"), ("PH", "PHL"), ("GB", "GBR")]:
        if (code, alpha3) not in pairs:
            fail(f"expected {code}/{alpha3} in the data")


def sql_text(value):
    return "'" + value.replace("'", "''") + "'"


def render(rows, version):
    out = []
    out.append("-- Countries: ISO 3166-1 alpha-2 and alpha-3 codes with their short English names (the `countries` lookup).")
    out.append("--")
    out.append(f"-- GENERATED by scripts/generate_countries.py from the Debian package {PACKAGE} {version}")
    out.append(f"-- ({SOURCE}); do not edit by hand.")
    out.append("-- A shipped migration is never edited: correct the data with a new migration.")
    out.append("--")
    out.append(f"-- Rows: {len(rows)}, sorted by code. `name` is the entry's common_name when it has one, else its name.")
    out.append("-- Not countries, and so not here: CTDC's placeholders for an unknown country (ZZ, 00, 0, -99).")
    out.append("")
    out.append(CREATE_TABLE)
    out.append("")
    out.append("INSERT INTO countries (code, alpha3, name) VALUES")
    out.append(",\n".join(
        f"    ({sql_text(code)}, {sql_text(alpha3)}, {sql_text(name)})" for code, alpha3, name in rows) + ";")
    out.append("")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python3 scripts/generate_countries.py OUTPUT.sql")
    output = sys.argv[1]
    version = package_version()
    rows = rows_of(load_entries())
    check(rows)
    text = render(rows, version)
    try:
        with open(output, "wb") as file:
            file.write(text.encode("utf-8"))
    except OSError as error:
        fail(f"cannot write {output} ({error.strerror})")
    print(f"generate_countries.py: wrote {len(rows)} countries from {PACKAGE} {version} to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
