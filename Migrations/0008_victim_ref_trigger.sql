-- htdb schema, version 8: a victim_ref is unique in its case by a trigger instead of an index.
--
-- `UNIQUE (case_id, victim_ref)` kept an index of its own: one more B-tree to insert into for every victim
-- imported, and 12.5 MB of a 147 MB database at 1,000,000 rows, which the import writes twice (WAL, then the
-- database). Nothing reads victims by reference except the check itself, and a case's victims are already one range
-- of the table (its primary key starts with case_id), so the rule is now kept by two triggers that look for the
-- reference among the case's victims. They hold for every writer of the file (the sqlite3 shell, sqlite-utils,
-- Datasette's write plugins): an INSERT or UPDATE that would repeat a victim_ref in its case fails with
-- "UNIQUE constraint failed: victims.case_id, victims.victim_ref", as before.
--
-- `htdb import` checks the rule itself for every row (it reports a repeated victim_id with the line of the first),
-- and sets the triggers aside for its own transaction, like the index it rebuilds: row by row, they cost the load
-- more than the index did. `htdb check` looks for repeated references in the stored rows.
--
-- The table is rebuilt from the stored rows (columns, constraints and meaning as in version 6, without the UNIQUE);
-- the views are made again because they refer to it.
--
-- A shipped migration is never edited: change the schema with a new file.

DROP VIEW case_facts;
DROP VIEW victim_facts;

CREATE TABLE victims_new (
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 1),
    victim_ref  TEXT CHECK (victim_ref IS NULL OR length(victim_ref) BETWEEN 1 AND 64),
    gender      TEXT NOT NULL DEFAULT 'unknown' REFERENCES genders (code),
    age_group   TEXT NOT NULL DEFAULT 'unknown' REFERENCES age_groups (code),
    age         INTEGER CHECK (age IS NULL OR age BETWEEN 0 AND 120),
    citizenship TEXT NOT NULL DEFAULT 'unknown' REFERENCES citizenships (code),
    source_line INTEGER NOT NULL CHECK (source_line >= 1),  -- the victim's line in its file
    nationality TEXT REFERENCES countries (code) CHECK (nationality IS NULL OR length(nationality) = 2),
    PRIMARY KEY (case_id, position),
    -- An age decides the age group: under 18 is a minor.
    CHECK (age IS NULL OR age_group = CASE WHEN age < 18 THEN 'minor' ELSE 'adult' END)
) STRICT, WITHOUT ROWID;

INSERT INTO victims_new (case_id, position, victim_ref, gender, age_group, age, citizenship, source_line,
                         nationality)
SELECT case_id, position, victim_ref, gender, age_group, age, citizenship, source_line, nationality
FROM victims
ORDER BY case_id, position;

DROP TABLE victims;
ALTER TABLE victims_new RENAME TO victims;

CREATE TRIGGER victims_ref_unique_insert BEFORE INSERT ON victims
WHEN NEW.victim_ref IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'UNIQUE constraint failed: victims.case_id, victims.victim_ref')
    WHERE EXISTS (SELECT 1 FROM victims WHERE case_id = NEW.case_id AND victim_ref = NEW.victim_ref);
END;

CREATE TRIGGER victims_ref_unique_update BEFORE UPDATE OF case_id, position, victim_ref ON victims
WHEN NEW.victim_ref IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'UNIQUE constraint failed: victims.case_id, victims.victim_ref')
    WHERE EXISTS (SELECT 1 FROM victims WHERE case_id = NEW.case_id AND victim_ref = NEW.victim_ref
                  AND NOT (case_id = OLD.case_id AND position = OLD.position));
END;

-- MARK: - Readable views (as in version 4, without victim_facts.victim_id)

CREATE VIEW case_facts AS
SELECT
    c.id AS case_id,
    c.case_ref,
    c.reported_on,
    c.year,
    c.state,
    s.name AS state_name,
    c.county_fips,
    co.name AS county_name,
    c.city,
    c.trafficking_type,
    t.label AS trafficking_type_label,
    (SELECT group_concat(label, '; ') FROM (
        SELECT v.label FROM case_venues cv JOIN venues v ON v.id = cv.venue_id
        WHERE cv.case_id = c.id ORDER BY v.id)) AS venues,
    (SELECT count(*) FROM victims x WHERE x.case_id = c.id) AS victim_count,
    c.batch_id,
    c.source_line,
    c.country,
    n.name AS country_name
FROM cases c
JOIN countries n ON n.code = c.country
LEFT JOIN states s ON s.code = c.state
JOIN trafficking_types t ON t.code = c.trafficking_type
LEFT JOIN counties co ON co.fips = c.county_fips;

CREATE VIEW victim_facts AS
SELECT
    x.victim_ref,
    x.position,
    c.id AS case_id,
    c.case_ref,
    c.reported_on,
    c.year,
    c.state,
    c.county_fips,
    c.trafficking_type,
    x.gender,
    g.label AS gender_label,
    x.age_group,
    a.label AS age_group_label,
    x.age,
    x.citizenship,
    z.label AS citizenship_label,
    c.batch_id,
    x.source_line,
    c.country,
    x.nationality,
    n.name AS nationality_name
FROM victims x
JOIN cases c ON c.id = x.case_id
JOIN genders g ON g.code = x.gender
JOIN age_groups a ON a.code = x.age_group
JOIN citizenships z ON z.code = x.citizenship
LEFT JOIN countries n ON n.code = x.nationality;
