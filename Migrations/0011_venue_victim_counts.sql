-- htdb schema, version 11: victims in the count tables by venue without a state.
--
-- Reports of victims with a venue filter and no state were counted from the stored rows, 0.16-0.31 s a command on
-- a million victims (SQLite's GROUP BY sorter, about 0.7 microseconds a row):
-- - the other venues of a venue's cases by a victim term (`htdb report --by venue,gender --venue hotel_motel`): the
--   pair table of version 10 counted cases only;
-- - two victim terms of a venue's cases (`--by gender,age_group --venue hotel_motel`): no table had a venue with
--   victim key columns.
-- So `case_venue_pair_counts` gains the victims and a column per victim term, as `state_case_venue_counts` has
-- (version 5), and a new table counts victims by venue with their three terms in the key:
--
--   table                    unit             grouped by
--   case_venue_pair_counts   cases, victims   year, trafficking_type, venue_id, with_venue_id
--   venue_victim_counts      victims          year, trafficking_type, venue_id, gender, age_group, citizenship
--
-- A victim counts in venue_victim_counts once under each venue of its case. Neither table has a state or a county:
-- at 1,000,000 rows they have 9,165 and 12,480 combinations; keyed by state the pairs alone had 149,318, more than
-- the import's 64 MiB peak memory allows (see version 10).
--
-- A row exists while its first count (`cases`, `victims`) is above 0. The importer and batch deletion keep both
-- tables exact in the same transaction as the rows; `htdb check` recomputes them. They are filled here from the
-- stored rows.
--
-- A shipped migration is never edited: change the schema with a new file.

DROP TABLE case_venue_pair_counts;

CREATE TABLE case_venue_pair_counts (
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    venue_id         INTEGER NOT NULL,
    with_venue_id    INTEGER NOT NULL,
    cases            INTEGER NOT NULL CHECK (cases >= 0),
    victims          INTEGER NOT NULL CHECK (victims >= 0),
    gender_female                INTEGER NOT NULL CHECK (gender_female >= 0),
    gender_male                  INTEGER NOT NULL CHECK (gender_male >= 0),
    gender_gender_minority       INTEGER NOT NULL CHECK (gender_gender_minority >= 0),
    gender_unknown               INTEGER NOT NULL CHECK (gender_unknown >= 0),
    age_group_minor              INTEGER NOT NULL CHECK (age_group_minor >= 0),
    age_group_adult              INTEGER NOT NULL CHECK (age_group_adult >= 0),
    age_group_unknown            INTEGER NOT NULL CHECK (age_group_unknown >= 0),
    citizenship_us_citizen_lpr   INTEGER NOT NULL CHECK (citizenship_us_citizen_lpr >= 0),
    citizenship_foreign_national INTEGER NOT NULL CHECK (citizenship_foreign_national >= 0),
    citizenship_unknown          INTEGER NOT NULL CHECK (citizenship_unknown >= 0),
    citizenship_national         INTEGER NOT NULL CHECK (citizenship_national >= 0),
    CHECK (gender_female + gender_male + gender_gender_minority + gender_unknown = victims),
    CHECK (age_group_minor + age_group_adult + age_group_unknown = victims),
    CHECK (citizenship_us_citizen_lpr + citizenship_foreign_national + citizenship_unknown + citizenship_national
           = victims),
    PRIMARY KEY (year, trafficking_type, venue_id, with_venue_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE venue_victim_counts (
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    venue_id         INTEGER NOT NULL,
    gender           TEXT NOT NULL,
    age_group        TEXT NOT NULL,
    citizenship      TEXT NOT NULL,
    victims          INTEGER NOT NULL CHECK (victims >= 0),
    PRIMARY KEY (year, trafficking_type, venue_id, gender, age_group, citizenship)
) STRICT, WITHOUT ROWID;

CREATE TEMP TABLE case_victim_terms AS
    SELECT case_id,
           count(*) AS victims,
           sum(gender = 'female') AS gender_female,
           sum(gender = 'male') AS gender_male,
           sum(gender = 'gender_minority') AS gender_gender_minority,
           sum(gender = 'unknown') AS gender_unknown,
           sum(age_group = 'minor') AS age_group_minor,
           sum(age_group = 'adult') AS age_group_adult,
           sum(age_group = 'unknown') AS age_group_unknown,
           sum(citizenship = 'us_citizen_lpr') AS citizenship_us_citizen_lpr,
           sum(citizenship = 'foreign_national') AS citizenship_foreign_national,
           sum(citizenship = 'unknown') AS citizenship_unknown,
           sum(citizenship = 'national') AS citizenship_national
    FROM victims GROUP BY case_id;

INSERT INTO case_venue_pair_counts
SELECT c.year, c.trafficking_type, cv.venue_id, cw.venue_id, count(*),
       coalesce(sum(v.victims), 0),
       coalesce(sum(v.gender_female), 0),
       coalesce(sum(v.gender_male), 0),
       coalesce(sum(v.gender_gender_minority), 0),
       coalesce(sum(v.gender_unknown), 0),
       coalesce(sum(v.age_group_minor), 0),
       coalesce(sum(v.age_group_adult), 0),
       coalesce(sum(v.age_group_unknown), 0),
       coalesce(sum(v.citizenship_us_citizen_lpr), 0),
       coalesce(sum(v.citizenship_foreign_national), 0),
       coalesce(sum(v.citizenship_unknown), 0),
       coalesce(sum(v.citizenship_national), 0)
FROM cases c
JOIN case_venues cv ON cv.case_id = c.id
JOIN case_venues cw ON cw.case_id = c.id
LEFT JOIN temp.case_victim_terms v ON v.case_id = c.id
GROUP BY 1, 2, 3, 4;

DROP TABLE temp.case_victim_terms;

INSERT INTO venue_victim_counts
SELECT c.year, c.trafficking_type, cv.venue_id, x.gender, x.age_group, x.citizenship, count(*)
FROM victims x
JOIN cases c ON c.id = x.case_id
JOIN case_venues cv ON cv.case_id = c.id
GROUP BY 1, 2, 3, 4, 5, 6;
