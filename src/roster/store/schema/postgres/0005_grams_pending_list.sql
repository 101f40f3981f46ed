-- The trigram indexes' pending lists kept short. A GIN index gathers new entries in an
-- unsorted pending list, up to `gin_pending_list_limit` (4 MB by default), and every search
-- reads that whole list. Autovacuum seldom empties it on a large table (it waits for inserts
-- of a fifth of the rows), so after a few thousand writes at a million users the two lists
-- held 829 pages and a rare substring took 5.7-12.7 ms to find instead of 0.8 ms
-- (docs/benchmarks.md). At 64 kB, the least PostgreSQL allows, an insert that fills the list
-- moves it into the index, and a search reads at most 8 pages of it.
ALTER INDEX users_name_grams SET (gin_pending_list_limit = 64);
ALTER INDEX users_uid_grams SET (gin_pending_list_limit = 64);
