-- +goose Up

-- Sessions (alexedwards/scs pgxstore): shared by every replica, so a
-- sign-out or deactivation on one holds on all at the next request.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Roles beyond "employee", recomputed from the identity provider's groups
-- at every sign-in.
CREATE TABLE person_roles (
    person_id  bigint NOT NULL REFERENCES people (id),
    role       text NOT NULL CHECK (role IN ('it_unit', 'it_head', 'it_head_deputy', 'admin')),
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, role)
);

ALTER TABLE people
    -- A session remembers the epoch it signed in under; raising it (an
    -- administrator's "end all sessions") ends every session at once,
    -- without comparing clocks of different machines.
    ADD COLUMN session_epoch bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_sign_in_at timestamptz,
    -- When a sign-in created a second record for someone who already
    -- existed, an administrator links the identity to the right person.
    ADD COLUMN merged_into bigint REFERENCES people (id);

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO itportal_runtime;
GRANT SELECT, INSERT, DELETE ON person_roles TO itportal_runtime;

-- +goose Down
ALTER TABLE people DROP COLUMN merged_into, DROP COLUMN last_sign_in_at, DROP COLUMN session_epoch;
DROP TABLE person_roles;
DROP TABLE sessions;
