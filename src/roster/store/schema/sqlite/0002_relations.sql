-- Roster schema 2: blocks between users (both dialects) and friendships (CometChat).
CREATE TABLE blocks (
    app_id      TEXT NOT NULL,
    blocker_pk  INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    blocked_pk  INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (blocker_pk, blocked_pk)
);
CREATE INDEX blocks_by_blocked ON blocks(blocked_pk, blocker_pk);

-- A friendship is two rows, one per direction, so either side lists it with one index.
CREATE TABLE friends (
    app_id      TEXT NOT NULL,
    user_pk     INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    friend_pk   INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_pk, friend_pk)
);

-- Login tokens: a masked form to show in lists (the token itself is stored only as a hash),
-- and a per-user sequence, so "the oldest" is exact even for tokens minted in one millisecond.
ALTER TABLE auth_tokens ADD COLUMN shown TEXT;
ALTER TABLE auth_tokens ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
