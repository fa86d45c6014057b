-- htdb schema, version 1: the normalized case database.
--
-- One row per case in `cases`, one per victim in `victims`, venues linked through `case_venues`; every coded value
-- points at a lookup table seeded below from the hotline export spec (shared/spec/hotline-export.md, vocabulary).
-- States and counties are seeded by 0002_geography.sql. Views `case_facts` and `victim_facts` give readable labels.
-- A shipped migration is never edited: change the schema with a new file.

-- MARK: - Vocabulary lookups

CREATE TABLE trafficking_types (
    code  TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE genders (
    code  TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE age_groups (
    code  TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE citizenships (
    code  TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE venues (
    id    INTEGER PRIMARY KEY,
    code  TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL UNIQUE,
    kind  TEXT NOT NULL CHECK (kind IN ('sex', 'labor'))
) STRICT;

-- Accepted labels besides a venue's own label and code (matched case-insensitively after white-space folding).
CREATE TABLE venue_aliases (
    alias    TEXT PRIMARY KEY COLLATE NOCASE,
    venue_id INTEGER NOT NULL REFERENCES venues (id)
) STRICT;

INSERT INTO trafficking_types (code, label, sort_order) VALUES
    ('sex', 'Sex', 1),
    ('labor', 'Labor', 2),
    ('sex_and_labor', 'Sex and Labor', 3),
    ('not_specified', 'Not Specified', 4);

INSERT INTO genders (code, label, sort_order) VALUES
    ('female', 'Female', 1),
    ('male', 'Male', 2),
    ('gender_minority', 'Gender Minority', 3),
    ('unknown', 'Unknown', 4);

INSERT INTO age_groups (code, label, sort_order) VALUES
    ('minor', 'Minor', 1),
    ('adult', 'Adult', 2),
    ('unknown', 'Unknown', 3);

INSERT INTO citizenships (code, label, sort_order) VALUES
    ('us_citizen_lpr', 'U.S. Citizen/LPR', 1),
    ('foreign_national', 'Foreign National', 2),
    ('unknown', 'Unknown', 3);

INSERT INTO venues (id, code, label, kind) VALUES
    (1, 'escort_services', 'Escort Services', 'sex'),
    (2, 'illicit_massage', 'Illicit Massage/Spa Business', 'sex'),
    (3, 'outdoor_solicitation', 'Outdoor Solicitation', 'sex'),
    (4, 'residential', 'Residence-Based Commercial Sex', 'sex'),
    (5, 'bars_strip_clubs', 'Bars, Strip Clubs & Cantinas', 'sex'),
    (6, 'pornography', 'Pornography', 'sex'),
    (7, 'hotel_motel', 'Hotel/Motel-Based', 'sex'),
    (8, 'truck_stop', 'Truck Stop-Based', 'sex'),
    (9, 'commercial_front_brothel', 'Commercial-Front Brothels', 'sex'),
    (10, 'online_ad', 'Online Ad Venue Unknown', 'sex'),
    (11, 'remote_interactive', 'Remote Interactive Sexual Acts', 'sex'),
    (12, 'personal_sexual_servitude', 'Personal Sexual Servitude', 'sex'),
    (13, 'private_parties', 'Private Parties', 'sex'),
    (14, 'legalized_brothel', 'Legalized Brothel', 'sex'),
    (15, 'other_sex_venue', 'Other Venue', 'sex'),
    (16, 'agriculture', 'Agriculture/Farms/Animal Husbandry', 'labor'),
    (17, 'domestic_work', 'Domestic Work', 'labor'),
    (18, 'traveling_sales_crews', 'Traveling Sales Crews', 'labor'),
    (19, 'restaurants_food_service', 'Restaurants/Food Service', 'labor'),
    (20, 'peddling_begging', 'Peddling/Begging', 'labor'),
    (21, 'health_beauty_services', 'Health & Beauty Services', 'labor'),
    (22, 'construction', 'Construction', 'labor'),
    (23, 'hospitality', 'Hospitality', 'labor'),
    (24, 'landscaping', 'Landscaping', 'labor'),
    (25, 'illicit_activities', 'Illicit Activities', 'labor'),
    (26, 'arts_entertainment', 'Arts & Entertainment', 'labor'),
    (27, 'commercial_cleaning', 'Commercial Cleaning Services', 'labor'),
    (28, 'factories_manufacturing', 'Factories/Manufacturing', 'labor'),
    (29, 'carnivals', 'Carnivals', 'labor'),
    (30, 'forestry_logging', 'Forestry/Logging', 'labor'),
    (31, 'health_care', 'Health Care', 'labor'),
    (32, 'recreational_facilities', 'Recreational Facilities', 'labor'),
    (33, 'other_industry', 'Other Industry', 'labor');

INSERT INTO venue_aliases (alias, venue_id) VALUES
    ('Escort/Delivery Service', 1),
    ('Escort Service', 1),
    ('Illicit Massage, Health & Beauty', 2),
    ('Illicit Massage/Spa', 2),
    ('Massage Parlor', 2),
    ('Street-Based', 3),
    ('Street Based', 3),
    ('Residential', 4),
    ('Residence-Based', 4),
    ('Hostess/Strip Club-Based', 5),
    ('Bar/Club', 5),
    ('Bars/Strip Clubs/Cantinas', 5),
    ('Hotel/Motel', 7),
    ('Hotels/Motels', 7),
    ('Truck Stop', 8),
    ('Commercial-Front Brothel', 9),
    ('Online Ad. Venue Unknown', 10),
    ('Online Ads', 10),
    ('Other Venues', 15),
    ('Agriculture', 16),
    ('Agriculture/Farms', 16),
    ('Agriculture & Animal Husbandry', 16),
    ('Farming', 16),
    ('Restaurant/Food Service', 19),
    ('Restaurants & Food Service', 19),
    ('Peddling & Begging', 20),
    ('Peddling Rings', 20),
    ('Hotels & Hospitality', 23),
    ('Factories & Manufacturing', 28),
    ('Manufacturing', 28),
    ('Forestry & Logging', 30);

-- MARK: - Geography (rows in 0002_geography.sql)

CREATE TABLE states (
    code TEXT PRIMARY KEY CHECK (length(code) = 2 AND code = upper(code)),
    fips TEXT NOT NULL UNIQUE CHECK (length(fips) = 2 AND fips GLOB '[0-9][0-9]'),
    name TEXT NOT NULL UNIQUE
) STRICT;

-- `name` is the Census name without its suffix ('Los Angeles'), `suffix` the rest ('County', 'Parish', 'city',
-- 'Planning Region', ...; empty where the Census name has none). Connecticut has its 8 old counties and its 9
-- planning regions, since exports use either.
CREATE TABLE counties (
    fips   TEXT PRIMARY KEY CHECK (length(fips) = 5 AND fips GLOB '[0-9][0-9][0-9][0-9][0-9]'),
    state  TEXT NOT NULL REFERENCES states (code),
    name   TEXT NOT NULL,
    suffix TEXT NOT NULL DEFAULT '',
    UNIQUE (state, fips)
) STRICT;

CREATE INDEX counties_by_state_name ON counties (state, name);

-- MARK: - Import batches, cases, victims

CREATE TABLE import_batches (
    id               INTEGER PRIMARY KEY,
    file_name        TEXT NOT NULL,
    sha256           TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    profile          TEXT NOT NULL,
    imported_at      TEXT NOT NULL,   -- ISO 8601, UTC
    rows_read        INTEGER NOT NULL CHECK (rows_read >= 0),
    rows_imported    INTEGER NOT NULL CHECK (rows_imported >= 0),
    rows_rejected    INTEGER NOT NULL CHECK (rows_rejected >= 0),
    cases_imported   INTEGER NOT NULL CHECK (cases_imported >= 0),
    victims_imported INTEGER NOT NULL CHECK (victims_imported >= 0),
    CHECK (rows_read = rows_imported + rows_rejected)
) STRICT;

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    case_ref         TEXT NOT NULL UNIQUE CHECK (length(case_ref) BETWEEN 1 AND 64),
    batch_id         INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    reported_on      TEXT NOT NULL CHECK (date(reported_on, '+0 days') IS reported_on),  -- a real calendar date
    year             INTEGER NOT NULL CHECK (year = CAST(substr(reported_on, 1, 4) AS INTEGER)),
    state            TEXT NOT NULL REFERENCES states (code),
    county_fips      TEXT,
    city             TEXT CHECK (city IS NULL OR length(city) BETWEEN 1 AND 128),
    trafficking_type TEXT NOT NULL REFERENCES trafficking_types (code),
    source_line      INTEGER NOT NULL CHECK (source_line >= 1),  -- the case's first line (or NDJSON line) in its file
    -- A county must be one of the case's state (no check when county_fips is NULL).
    FOREIGN KEY (state, county_fips) REFERENCES counties (state, fips)
) STRICT;

-- One covering index for the breakdowns: a state or county scope is a range of it, and every case dimension (and
-- the join to victims) is read from it without touching the wider table rows. Each index costs the bulk import a
-- B-tree insert per case, so there is one, not one per dimension. Deleting a batch scans cases once.
CREATE INDEX cases_by_place ON cases (state, county_fips, year, trafficking_type);

-- `position` is the victim's place (1, 2, ...) among its case's victim rows in the imported file; it identifies a
-- victim that has no `victim_ref`.
CREATE TABLE victims (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 1),
    victim_ref  TEXT CHECK (victim_ref IS NULL OR length(victim_ref) BETWEEN 1 AND 64),
    gender      TEXT NOT NULL DEFAULT 'unknown' REFERENCES genders (code),
    age_group   TEXT NOT NULL DEFAULT 'unknown' REFERENCES age_groups (code),
    age         INTEGER CHECK (age IS NULL OR age BETWEEN 0 AND 120),
    citizenship TEXT NOT NULL DEFAULT 'unknown' REFERENCES citizenships (code),
    source_line INTEGER NOT NULL CHECK (source_line >= 1),  -- the victim's line in its file
    UNIQUE (case_id, position),
    UNIQUE (case_id, victim_ref),
    -- An age decides the age group: under 18 is a minor.
    CHECK (age IS NULL OR age_group = CASE WHEN age < 18 THEN 'minor' ELSE 'adult' END)
) STRICT;

CREATE TABLE case_venues (
    case_id  INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    venue_id INTEGER NOT NULL REFERENCES venues (id),
    PRIMARY KEY (case_id, venue_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX case_venues_by_venue ON case_venues (venue_id, case_id);

-- MARK: - Readable views

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
    c.source_line
FROM cases c
JOIN states s ON s.code = c.state
JOIN trafficking_types t ON t.code = c.trafficking_type
LEFT JOIN counties co ON co.fips = c.county_fips;

CREATE VIEW victim_facts AS
SELECT
    x.id AS victim_id,
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
    x.source_line
FROM victims x
JOIN cases c ON c.id = x.case_id
JOIN genders g ON g.code = x.gender
JOIN age_groups a ON a.code = x.age_group
JOIN citizenships z ON z.code = x.citizenship;
