-- htdb schema, version 7: each case's batch in the place index, for the fact sheet's sources.
--
-- `htdb summary` names the import batches that have a case in its scope ("Data sources: ..."). With a state or
-- county scope, that read every case of the scope from the table for its batch_id, since cases_by_place held only
-- the place, year and type: on a million victims `htdb summary --state CA` took 0.28-0.29 s, most of it there.
-- cases_by_place now ends with batch_id and covers that query too (0.05 s). Every other use of the index is as
-- before: the columns it had keep their order, the key is one small integer longer (15.2 -> 15.8 MB at 1M rows).
--
-- A shipped migration is never edited: change the schema with a new file.

DROP INDEX cases_by_place;
CREATE INDEX cases_by_place ON cases (state, county_fips, year, trafficking_type, batch_id);
