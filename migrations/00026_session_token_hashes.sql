-- +goose Up
-- Sessions are found by the SHA-256 of their token, never stored in plain
-- text: someone who reads the table (a backup, a leaked dump) cannot take
-- over a session. Sessions signed in before this keep working: their
-- tokens are hashed in place.
ALTER TABLE sessions ADD COLUMN token_hash bytea;
UPDATE sessions SET token_hash = sha256(convert_to(token, 'UTF8'));
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey;
ALTER TABLE sessions DROP COLUMN token;
ALTER TABLE sessions ALTER COLUMN token_hash SET NOT NULL;
ALTER TABLE sessions ADD PRIMARY KEY (token_hash);
ALTER TABLE sessions ADD CONSTRAINT sessions_token_hash_length CHECK (length(token_hash) = 32);

-- +goose Down
-- The tokens cannot be recovered from their hashes: every session ends.
DELETE FROM sessions;
ALTER TABLE sessions DROP CONSTRAINT sessions_token_hash_length;
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey;
ALTER TABLE sessions DROP COLUMN token_hash;
ALTER TABLE sessions ADD COLUMN token text NOT NULL;
ALTER TABLE sessions ADD PRIMARY KEY (token);
