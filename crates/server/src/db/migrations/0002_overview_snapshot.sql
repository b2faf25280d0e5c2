-- Schema version 2: one opaque overview snapshot per vault (a single JWE the
-- client encrypts under the vault key holding every item's overview), so a
-- client can open a large vault with one decryption instead of 10 000.
-- Rotation and vault deletion delete it; the server never looks inside.
CREATE TABLE overview_snapshots (
    vault_id TEXT PRIMARY KEY,
    revision BIGINT NOT NULL,
    envelope TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
