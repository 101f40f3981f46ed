-- Roster schema 1: apps, keys, roles, users (both dialects' fields), tags, metadata index, tokens.
CREATE TABLE apps (
    app_id      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps(app_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    hint        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_app ON api_keys(app_id);

CREATE TABLE roles (
    app_id      TEXT NOT NULL REFERENCES apps(app_id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    metadata    TEXT,
    settings    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER,
    PRIMARY KEY (app_id, role)
);

CREATE TABLE users (
    pk                  INTEGER PRIMARY KEY,
    app_id              TEXT NOT NULL REFERENCES apps(app_id) ON DELETE CASCADE,
    uid                 TEXT NOT NULL,
    uid_key             TEXT NOT NULL,
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    avatar              TEXT,
    link                TEXT,
    metadata            TEXT,
    status_message      TEXT,
    role                TEXT NOT NULL,
    online              INTEGER NOT NULL DEFAULT 0,
    active              INTEGER NOT NULL DEFAULT 1,
    is_bot              INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER,
    deactivated_at      INTEGER,
    last_active_at      INTEGER,
    has_ever_logged_in  INTEGER NOT NULL DEFAULT 0,
    extra               TEXT
);
CREATE UNIQUE INDEX users_uid ON users(app_id, uid);
CREATE INDEX users_by_name ON users(app_id, active, name_key, uid);
CREATE INDEX users_by_name_all ON users(app_id, name_key, uid);
CREATE INDEX users_by_uid_active ON users(app_id, active, uid);
CREATE INDEX users_by_uid_key ON users(app_id, uid_key);
CREATE INDEX users_by_role ON users(app_id, active, role, name_key, uid);
CREATE INDEX users_by_online ON users(app_id, active, online, name_key, uid);

-- Tags carry a copy of their user's sort key and activity, so a tag filter is one ordered
-- index range instead of a join that sorts every tagged user (kept in sync by the store).
CREATE TABLE user_tags (
    user_pk  INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    app_id   TEXT NOT NULL,
    tag      TEXT NOT NULL,
    pos      INTEGER NOT NULL,
    active   INTEGER NOT NULL,
    name_key TEXT NOT NULL,
    uid      TEXT NOT NULL,
    PRIMARY KEY (user_pk, tag)
);
CREATE INDEX user_tags_by_tag ON user_tags(app_id, tag, active, name_key, uid, user_pk);

-- Top-level metadata items as text, for metadata filters ordered by uid (copies kept in sync).
CREATE TABLE user_meta (
    user_pk  INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    app_id   TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    active   INTEGER NOT NULL,
    uid      TEXT NOT NULL,
    PRIMARY KEY (user_pk, key)
);
CREATE INDEX user_meta_by_value ON user_meta(app_id, key, value, active, uid, user_pk);

CREATE TABLE auth_tokens (
    token_hash  TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    user_pk     INTEGER NOT NULL REFERENCES users(pk) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    platform    TEXT,
    device_id   TEXT,
    user_agent  TEXT,
    app_info    TEXT
);
CREATE INDEX auth_tokens_by_user ON auth_tokens(user_pk, created_at);

-- Bot settings; the bot itself is a users row with is_bot = 1.
CREATE TABLE bots (
    user_pk                        INTEGER PRIMARY KEY REFERENCES users(pk) ON DELETE CASCADE,
    app_id                         TEXT NOT NULL,
    bot_type                       TEXT NOT NULL,
    callback_url                   TEXT NOT NULL,
    is_privacy_mode                INTEGER NOT NULL,
    enable_mark_as_read            INTEGER NOT NULL,
    show_member                    INTEGER NOT NULL,
    channel_invitation_preference  INTEGER NOT NULL,
    created_at                     INTEGER NOT NULL
);
