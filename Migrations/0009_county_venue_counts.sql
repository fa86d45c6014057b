-- htdb schema, version 9: cases by county and venue.
--
-- A breakdown by county and venue (`htdb report --by county,venue`), or one of them with the other as a filter
-- (`--by county --venue hotel_motel`), was counted from the stored rows: on a million victims SQLite sorted every
-- one of the 611,532 venue links by county and venue to group them, 0.6 to 0.7 s a report. This count table holds
-- those groups: 66,276 combinations at 1,000,000 rows.
--
--   table                      unit   grouped by
--   county_case_venue_counts   cases  state, county_fips, venue_id (a case counts under each of its venues)
--
-- It is narrower than the other count tables, for the import's memory (Benchmarks/run.sh: peak RSS under 64 MiB):
-- - no year and no trafficking type: with them it would have 207,000 combinations at 1,000,000 rows;
-- - no victim columns: the victims' thirteen counters per combination took the import's peak memory from 54 to
--   62-65 MiB.
-- A report by county and venue with a year or a type (as a dimension or a filter), or counting victims, is still
-- counted from the rows.
--
-- A row exists while `cases` > 0. The importer and batch deletion keep the table exact in the same transaction as
-- the rows; `htdb check` recomputes it. It is filled here from the stored rows.
--
-- A shipped migration is never edited: change the schema with a new file.

CREATE TABLE county_case_venue_counts (
    state       TEXT NOT NULL,
    county_fips TEXT NOT NULL,
    venue_id    INTEGER NOT NULL,
    cases       INTEGER NOT NULL CHECK (cases >= 0),
    -- County first: a breakdown by county and venue reads the table in key order and groups it without sorting
    -- (a case with no county has county_fips '' in every state, and those count together as "unknown").
    PRIMARY KEY (county_fips, venue_id, state)
) STRICT, WITHOUT ROWID;

INSERT INTO county_case_venue_counts
SELECT coalesce(c.state, ''), coalesce(c.county_fips, ''), cv.venue_id, count(*)
FROM cases c JOIN case_venues cv ON cv.case_id = c.id
GROUP BY 2, 3, 1;
