-- How the FTS5 trigram index merges the small segments that single writes leave. By default
-- ('automerge' 4) it merges a little on every write: at a million users that was most of the
-- cost of creating a user (0.15 ms of a 0.2 ms insert, more again at COMMIT). Incremental
-- merging now starts at 16 segments on a level. And a level is merged in one go only at 64
-- ('crisismerge', default 16): at 16, one create in a few thousand waited 0.9 s while the whole
-- index was rewritten; at 64 the worst seen in 8,000 creates was 47 ms, searches unchanged.
-- Measured in docs/benchmarks.md (create user).
INSERT INTO user_grams (user_grams, rank) VALUES ('automerge', 16);
INSERT INTO user_grams (user_grams, rank) VALUES ('crisismerge', 64);
