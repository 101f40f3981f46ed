-- Roster schema 4: substring search and maintained user counts. (Before this version's SQL,
-- a Python step recomputes every folded key: folding now ignores accents too.)

-- Trigram indexes on the folded name and uid, for `searchMode=contains` / `nickname_contains`.
-- The extension goes to `public`, never to a Roster schema that may be dropped with its data.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX users_name_grams ON users USING gin (name_key public.gin_trgm_ops);
CREATE INDEX users_uid_grams ON users USING gin (uid_key public.gin_trgm_ops);

-- Users per app and activity, so an unfiltered `count=true` reads a few rows instead of
-- counting a million. Spread over 8 slots (pk % 8) so concurrent writers rarely wait on one
-- row; a count is the sum of the slots.
CREATE TABLE user_counts (
    app_id  TEXT NOT NULL REFERENCES apps(app_id) ON DELETE CASCADE,
    active  SMALLINT NOT NULL,
    slot    SMALLINT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (app_id, active, slot)
);
CREATE FUNCTION roster_count_users() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE user_counts SET n = n - 1
        WHERE app_id = OLD.app_id AND active = OLD.active AND slot = OLD.pk % 8;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO user_counts (app_id, active, slot, n)
        VALUES (NEW.app_id, NEW.active, NEW.pk % 8, 1)
        ON CONFLICT (app_id, active, slot) DO UPDATE SET n = user_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER user_counts_change AFTER INSERT OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION roster_count_users();
CREATE TRIGGER user_counts_move AFTER UPDATE OF active ON users
FOR EACH ROW WHEN (OLD.active IS DISTINCT FROM NEW.active) EXECUTE FUNCTION roster_count_users();
INSERT INTO user_counts (app_id, active, slot, n)
SELECT app_id, active, pk % 8, COUNT(*) FROM users GROUP BY app_id, active, pk % 8;
