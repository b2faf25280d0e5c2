-- Schema version 4: identities, member logs and vault lists (docs/SPEC.md
-- § Identities, § Member log, § Vault list). The server stores what clients
-- sign or seal, checks each member-log entry with the core's verifier before
-- it stores it, and never holds a key: the identity statement and the member
-- log are public data, the signing key and the vault list are envelopes.
-- Accounts made before identities have NULLs until their client uploads one.
ALTER TABLE accounts ADD COLUMN identity TEXT;
ALTER TABLE accounts ADD COLUMN wrapped_signing_key TEXT;

-- One row per entry; n is its position, hash = hex(SHA-256(entry)).
CREATE TABLE member_log (
    vault_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    entry TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (vault_id, n)
);

CREATE TABLE vault_lists (
    account_id TEXT PRIMARY KEY,
    revision BIGINT NOT NULL,
    envelope TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
