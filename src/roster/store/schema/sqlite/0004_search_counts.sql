-- Roster schema 4: substring search and maintained user counts. (Before this version's SQL,
-- a Python step recomputes every folded key: folding now ignores accents too.)

-- Trigrams of the folded name and uid, for `searchMode=contains` / `nickname_contains`.
-- External content: the text stays in `users`; triggers keep the index in step with it.
CREATE VIRTUAL TABLE user_grams USING fts5(
    name_key, uid_key, content='users', content_rowid='pk', tokenize='trigram case_sensitive 1'
);
CREATE TRIGGER user_grams_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_grams (rowid, name_key, uid_key) VALUES (new.pk, new.name_key, new.uid_key);
END;
CREATE TRIGGER user_grams_delete AFTER DELETE ON users BEGIN
    INSERT INTO user_grams (user_grams, rowid, name_key, uid_key)
    VALUES ('delete', old.pk, old.name_key, old.uid_key);
END;
CREATE TRIGGER user_grams_update AFTER UPDATE OF name_key, uid_key ON users BEGIN
    INSERT INTO user_grams (user_grams, rowid, name_key, uid_key)
    VALUES ('delete', old.pk, old.name_key, old.uid_key);
    INSERT INTO user_grams (rowid, name_key, uid_key) VALUES (new.pk, new.name_key, new.uid_key);
END;
INSERT INTO user_grams (user_grams) VALUES ('rebuild');

-- Users per app and activity, so an unfiltered `count=true` reads a few rows instead of
-- counting a million. Spread over 8 slots (pk % 8) so concurrent writers on PostgreSQL rarely
-- wait on one row; a count is the sum of the slots.
CREATE TABLE user_counts (
    app_id  TEXT NOT NULL REFERENCES apps(app_id) ON DELETE CASCADE,
    active  INTEGER NOT NULL,
    slot    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (app_id, active, slot)
) WITHOUT ROWID;
CREATE TRIGGER user_counts_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_counts (app_id, active, slot, n) VALUES (new.app_id, new.active, new.pk % 8, 1)
    ON CONFLICT (app_id, active, slot) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER user_counts_delete AFTER DELETE ON users BEGIN
    UPDATE user_counts SET n = n - 1
    WHERE app_id = old.app_id AND active = old.active AND slot = old.pk % 8;
END;
CREATE TRIGGER user_counts_update AFTER UPDATE OF active ON users
WHEN old.active <> new.active BEGIN
    UPDATE user_counts SET n = n - 1
    WHERE app_id = old.app_id AND active = old.active AND slot = old.pk % 8;
    INSERT INTO user_counts (app_id, active, slot, n) VALUES (new.app_id, new.active, new.pk % 8, 1)
    ON CONFLICT (app_id, active, slot) DO UPDATE SET n = n + 1;
END;
INSERT INTO user_counts (app_id, active, slot, n)
SELECT app_id, active, pk % 8, COUNT(*) FROM users GROUP BY app_id, active, pk % 8;
