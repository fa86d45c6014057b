-- htdb schema, version 12: cases by county and venue, now also by year and trafficking type.
--
-- Version 9's county_case_venue_counts had no year and no type, so a breakdown by county and venue with a year or
-- a type (`htdb report --by venue,county --year 2019..2021`, `--by county --type sex --venue hotel_motel`,
-- `--by county,year --venue hotel_motel`) was counted from the stored rows: 0.17-0.49 s a command on a million
-- victims, nearly all of it SQLite's GROUP BY sorter over every case-venue link in scope. With the year and the
-- type in its key the table serves them all.
--
--   table                      unit   grouped by
--   county_case_venue_counts   cases  county_fips, venue_id, state, year, trafficking_type
--
-- It has 206,951 combinations at 1,000,000 rows (66,276 without year and type). Its primary key still starts with
-- the county and the venue: a breakdown by county and venue reads the table in key order and groups it without
-- sorting (a case with no county has county_fips '' in every state, and those count together as "unknown").
--
-- A row exists while `cases` > 0. The importer and batch deletion keep the table exact in the same transaction as
-- the rows; `htdb check` recomputes it. It is filled here from the stored rows.
--
-- A shipped migration is never edited: change the schema with a new file.

DROP TABLE county_case_venue_counts;

CREATE TABLE county_case_venue_counts (
    state            TEXT NOT NULL,
    county_fips      TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    venue_id         INTEGER NOT NULL,
    cases            INTEGER NOT NULL CHECK (cases >= 0),
    PRIMARY KEY (county_fips, venue_id, state, year, trafficking_type)
) STRICT, WITHOUT ROWID;

INSERT INTO county_case_venue_counts
SELECT coalesce(c.state, ''), coalesce(c.county_fips, ''), c.year, c.trafficking_type, cv.venue_id, count(*)
FROM cases c JOIN case_venues cv ON cv.case_id = c.id
GROUP BY 2, 5, 1, 3, 4;
