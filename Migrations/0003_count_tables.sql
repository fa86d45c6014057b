-- htdb schema, version 3: count tables for the reports.
--
-- Most reports and fact-sheet figures are sums over one of the four count tables below instead of counts over the
-- case and victim rows: on a million victims a breakdown reads a few thousand to a few hundred thousand count rows
-- rather than joining every victim to its case. They are derived data, kept exactly equal to the cases, victims
-- and venue links by the importer and by batch deletion, in the same transaction as the rows they count
-- (`htdb check` recomputes them and compares). `county_fips` is '' for cases with no county.
--
--   table                      unit     grouped by
--   case_counts                cases    state, county_fips, year, trafficking_type
--   state_case_counts          cases    state, year, trafficking_type
--   state_case_venue_counts    cases    state, year, trafficking_type, venue_id (a case counts under each venue)
--   state_victim_counts        victims  state, year, trafficking_type, gender, age_group, citizenship
--
-- The rest is counted from the rows, through the cases_by_place index where a state or county narrows the scope:
-- victims by county, and venues with a county or with victim detail. Finer tables would have nearly as many
-- combinations as there are rows (a county's victims by gender, age group and citizenship, year and type), cost
-- the import an upsert per combination, and be as large as the data.
--
-- A shipped migration is never edited: change the schema with a new file.

-- A venue filter on cases is answered from the count tables, or by looking the links up by case.
DROP INDEX case_venues_by_venue;

CREATE TABLE case_counts (
    state            TEXT NOT NULL,
    county_fips      TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    cases            INTEGER NOT NULL CHECK (cases >= 0),
    PRIMARY KEY (state, county_fips, year, trafficking_type)
) STRICT, WITHOUT ROWID;

CREATE TABLE state_case_counts (
    state            TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    cases            INTEGER NOT NULL CHECK (cases >= 0),
    PRIMARY KEY (state, year, trafficking_type)
) STRICT, WITHOUT ROWID;

CREATE TABLE state_case_venue_counts (
    state            TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    venue_id         INTEGER NOT NULL,
    cases            INTEGER NOT NULL CHECK (cases >= 0),
    PRIMARY KEY (state, year, trafficking_type, venue_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE state_victim_counts (
    state            TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    gender           TEXT NOT NULL,
    age_group        TEXT NOT NULL,
    citizenship      TEXT NOT NULL,
    victims          INTEGER NOT NULL CHECK (victims >= 0),
    PRIMARY KEY (state, year, trafficking_type, gender, age_group, citizenship)
) STRICT, WITHOUT ROWID;

-- The counts of the cases already stored.
INSERT INTO case_counts
SELECT state, coalesce(county_fips, ''), year, trafficking_type, count(*)
FROM cases GROUP BY 1, 2, 3, 4;

INSERT INTO state_case_counts
SELECT state, year, trafficking_type, sum(cases) FROM case_counts GROUP BY 1, 2, 3;

INSERT INTO state_case_venue_counts
SELECT c.state, c.year, c.trafficking_type, cv.venue_id, count(*)
FROM cases c JOIN case_venues cv ON cv.case_id = c.id GROUP BY 1, 2, 3, 4;

INSERT INTO state_victim_counts
SELECT c.state, c.year, c.trafficking_type, x.gender, x.age_group, x.citizenship, count(*)
FROM victims x JOIN cases c ON c.id = x.case_id GROUP BY 1, 2, 3, 4, 5, 6;
