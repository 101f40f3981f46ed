-- The trigram index without its per-user column sizes (FTS5 `columnsize=0`). FTS5 keeps, per
-- row, how many tokens each column holds, for ranking (bm25) and its auxiliary functions;
-- Roster only matches and never ranks. Keeping them cost a row in `user_grams_docsize` per user:
-- one more statement and one more page in every write's COMMIT, and 0.5-0.8 s of a
-- million-user bulk load's 2.1 s trigram fill (docs/benchmarks.md). The table is made again as
-- migration 7 made it, with the option, and left empty: migration 10 fills it. The triggers of
-- migration 7 stay: they name the table, which is the same table to them.
DROP TABLE user_grams;
CREATE VIRTUAL TABLE user_grams USING fts5(
    name_key, uid_key, content='users', content_rowid='grams_id',
    tokenize='trigram case_sensitive 1', columnsize=0
);
-- The merge settings of migration 5, for the new table.
INSERT INTO user_grams (user_grams, rank) VALUES ('automerge', 16);
INSERT INTO user_grams (user_grams, rank) VALUES ('crisismerge', 64);
