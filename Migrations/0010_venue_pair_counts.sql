-- htdb schema, version 10: cases by venue and each venue they also have.
--
-- A breakdown by venue with a venue filter (`htdb report --by venue --venue hotel_motel`: the venues of the cases
-- that have hotel_motel) and the fact sheet of a venue (`htdb summary --venue hotel_motel`, whose top venues and
-- industries are such a breakdown by type) were counted from the stored rows: every venue link read to find the
-- venue's cases, then their other links, 0.13-0.29 s a command on a million victims. This count table holds those
-- pairs: for each case, and each pair of its venues (a venue with itself included), one case.
--
--   table                    unit   grouped by
--   case_venue_pair_counts   cases  year, trafficking_type, venue_id, with_venue_id
--
-- `venue_id` is a venue a case has; `with_venue_id` each venue it has, `venue_id` among them: the rows with
-- venue_id = with_venue_id count every case under each of its venues. No state, no county and no victims: with the
-- state in its key the table had 149,318 combinations at 1,000,000 rows (9,165 without) and took the import's peak
-- memory from 57 to 65 MiB, over its 64 MiB target (see migration 0009). Such reports are still counted from the rows.
--
-- A row exists while `cases` > 0. The importer and batch deletion keep the table exact in the same transaction as
-- the rows; `htdb check` recomputes it. It is filled here from the stored rows.
--
-- A shipped migration is never edited: change the schema with a new file.

CREATE TABLE case_venue_pair_counts (
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    venue_id         INTEGER NOT NULL,
    with_venue_id    INTEGER NOT NULL,
    cases            INTEGER NOT NULL CHECK (cases >= 0),
    PRIMARY KEY (year, trafficking_type, venue_id, with_venue_id)
) STRICT, WITHOUT ROWID;

INSERT INTO case_venue_pair_counts
SELECT c.year, c.trafficking_type, cv.venue_id, cw.venue_id, count(*)
FROM cases c
JOIN case_venues cv ON cv.case_id = c.id
JOIN case_venues cw ON cw.case_id = c.id
GROUP BY 1, 2, 3, 4;
