-- Schema version 3: "request a secret" slots for the sharing pages. The
-- requester (signed in) opens a slot; whoever holds the request link writes
-- one answer, HPKE-sealed in their browser to a public key the server never
-- sees (it travels in the link's fragment); the requester collects it once.
CREATE TABLE share_requests (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    answer TEXT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
