-- +goose Up
-- API tokens for other systems (the intranet): named, scoped, expiring,
-- revocable. Only the SHA-256 of the secret is stored; the secret is shown
-- once, when the token is created.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    scopes        text[] NOT NULL CHECK (cardinality(scopes) >= 1
                      AND scopes <@ ARRAY['register:read', 'requests:read', 'acknowledgements:read']),
    secret_hash   bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
    prefix        text NOT NULL, -- the secret's first characters, to recognise it in lists
    created_by    bigint REFERENCES people (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoked_by    bigint REFERENCES people (id),
    last_used_at  timestamptz,
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX api_tokens_name_key ON api_tokens (lower(name)) WHERE revoked_at IS NULL;
GRANT SELECT, INSERT ON api_tokens TO itportal_runtime;
GRANT UPDATE (revoked_at, revoked_by, last_used_at) ON api_tokens TO itportal_runtime;

-- +goose Down
DROP TABLE api_tokens;
