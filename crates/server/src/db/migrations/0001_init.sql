-- Blindvault server schema, version 1.
-- Portable between SQLite and PostgreSQL: only TEXT and BIGINT columns, no
-- autoincrement (ids are client-chosen or come from the `counters` row), so
-- one file serves both backends. Everything the client encrypts is stored as
-- opaque TEXT (JWE compact serialisation); the server never holds a key.

CREATE TABLE meta (
    k TEXT PRIMARY KEY,
    v TEXT NOT NULL
);

-- One global change sequence. Every write transaction bumps it first, which
-- serialises writers (row lock in PostgreSQL, BEGIN IMMEDIATE in SQLite), so
-- sequence order equals commit order and a sync cursor never skips a change.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('seq', 0);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    kdf_alg TEXT NOT NULL,
    kdf_iterations BIGINT NOT NULL,
    kdf_salt TEXT NOT NULL,
    wrapped_account_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    wrapped_private_key TEXT NOT NULL,
    auth_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE vaults (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    revision BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE members (
    vault_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    role TEXT NOT NULL,
    wrapped_vault_key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (vault_id, account_id)
);
CREATE INDEX members_account ON members (account_id);

CREATE TABLE folders (
    vault_id TEXT NOT NULL,
    id TEXT NOT NULL,
    envelope TEXT NOT NULL,
    revision BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (vault_id, id)
);

CREATE TABLE items (
    vault_id TEXT NOT NULL,
    id TEXT NOT NULL,
    envelope TEXT NOT NULL,
    revision BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    trashed_at BIGINT,
    PRIMARY KEY (vault_id, id)
);
CREATE INDEX items_seq ON items (vault_id, seq);

CREATE TABLE item_history (
    vault_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    envelope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (vault_id, item_id, revision)
);

CREATE TABLE attachments (
    vault_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    id TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploader TEXT NOT NULL,
    file TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (vault_id, item_id, id)
);
CREATE INDEX attachments_uploader ON attachments (uploader);

-- Hard deletions, so that "changes since cursor" can tell a client to forget
-- something. account_id is set when only one account must forget (removed member).
CREATE TABLE tombstones (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    account_id TEXT
);
CREATE INDEX tombstones_vault ON tombstones (vault_id, seq);

CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    views_left BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    delete_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE service_tokens (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    name TEXT NOT NULL,
    auth_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE token_grants (
    token_id TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    role TEXT NOT NULL,
    wrapped_vault_key TEXT NOT NULL,
    PRIMARY KEY (token_id, vault_id)
);
CREATE INDEX token_grants_vault ON token_grants (vault_id);

-- Append-only, hash-chained audit log: one chain per vault ("vault:<id>") and
-- one for everything else ("global"). hash = SHA-256 over a canonical encoding
-- of the entry including prev_hash (see audit.rs and docs/SPEC.md "Server").
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    chain TEXT NOT NULL,
    time BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    client TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_chain ON audit (chain, seq);
