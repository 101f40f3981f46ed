-- Roster schema 3: presence. One row per open connection, kept alive by its process; a user
-- is online while any of their rows lives. A crashed process stops refreshing its rows, which
-- then expire and are reaped by any other process.
CREATE TABLE presence_leases (
    conn_id     TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    user_pk     INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    process_id  TEXT NOT NULL,
    seen_at     INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX presence_by_user ON presence_leases(user_pk);
CREATE INDEX presence_by_expiry ON presence_leases(expires_at);
CREATE INDEX presence_by_process ON presence_leases(process_id);
