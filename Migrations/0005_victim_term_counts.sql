-- htdb schema, version 5: victims by gender, age group and citizenship beside the case counts by county and by venue.
--
-- Victims by county (`htdb report --by county,gender`) and victims by venue (`--by venue,age_group`) were counted from
-- the stored rows: on a million victims that joins every victim to its case, over a second a report. Now the two
-- count tables that have a county or a venue also count the victims of their cases, once per victim column and
-- term: for each combination of the key, `victims` is how many victims its cases have, and `gender_female` how
-- many of those are female, and so on (`<column>_<code>` for every term of the three victim vocabularies; the
-- terms of one column add up to `victims`). A report with one victim dimension and a county or a venue sums these
-- columns; one with two victim dimensions still reads `state_victim_counts`, or the rows when it also needs a
-- county or a venue.
--
--   table                      unit            grouped by
--   case_counts                cases, victims  state, county_fips, year, trafficking_type
--   state_case_counts          cases           state, year, trafficking_type
--   state_case_venue_counts    cases, victims  state, year, trafficking_type, venue_id (a case counts under each
--                                              venue, and so do its victims)
--   state_victim_counts        victims         state, year, trafficking_type, gender, age_group, citizenship
--
-- A row exists while `cases` > 0 (a case's victims have its key). The importer keeps both tables exact in the same
-- transaction as the rows, as before; `htdb check` recomputes every column. The two tables are made again here and
-- filled from the stored rows.
--
-- A shipped migration is never edited: change the schema with a new file.

DROP TABLE case_counts;
DROP TABLE state_case_venue_counts;

CREATE TABLE case_counts (
    state            TEXT NOT NULL,
    county_fips      TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
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
    PRIMARY KEY (state, county_fips, year, trafficking_type)
) STRICT, WITHOUT ROWID;

CREATE TABLE state_case_venue_counts (
    state            TEXT NOT NULL,
    year             INTEGER NOT NULL,
    trafficking_type TEXT NOT NULL,
    venue_id         INTEGER NOT NULL,
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
    PRIMARY KEY (state, year, trafficking_type, venue_id)
) STRICT, WITHOUT ROWID;

-- Each case's victims by term, once per case.
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

INSERT INTO case_counts
SELECT coalesce(c.state, ''), coalesce(c.county_fips, ''), c.year, c.trafficking_type, count(*),
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
FROM cases c LEFT JOIN temp.case_victim_terms v ON v.case_id = c.id
GROUP BY 1, 2, 3, 4;

INSERT INTO state_case_venue_counts
SELECT coalesce(c.state, ''), c.year, c.trafficking_type, cv.venue_id, count(*),
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
FROM cases c JOIN case_venues cv ON cv.case_id = c.id LEFT JOIN temp.case_victim_terms v ON v.case_id = c.id
GROUP BY 1, 2, 3, 4;

DROP TABLE temp.case_victim_terms;
