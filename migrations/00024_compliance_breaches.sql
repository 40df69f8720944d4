-- +goose Up
-- The compliance board as data: every breach of a rule the checks find
-- (internal/postgres/compliance_checks.go) is a row here, written in the
-- same transaction as each change that can alter it and by the periodic
-- recomputation for what time alone changes (midnight, an hour after a role
-- change) and to repair drift. Every replica reads the same rows. Names are
-- not kept here: pages join them, so a renamed system or department shows
-- its new name at once.
CREATE TABLE compliance_breaches (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    check_key     text NOT NULL,
    system_id     bigint NOT NULL DEFAULT 0,   -- the system, or 0
    department_id bigint NOT NULL DEFAULT 0,   -- the department it belongs to, or 0
    person_id     bigint NOT NULL DEFAULT 0,   -- the person concerned, or 0
    ref_id        bigint NOT NULL DEFAULT 0,   -- a case, a role period, a document or a receipt
    detail        text NOT NULL DEFAULT '',
    ref_text      text NOT NULL DEFAULT '',
    since         timestamptz,
    until         date,
    -- The SHA-256 of every column above: one row per breach, so
    -- concurrent recomputations of the same thing insert it once.
    key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    found_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compliance_breaches_system_idx ON compliance_breaches (system_id) WHERE system_id <> 0;
CREATE INDEX compliance_breaches_person_idx ON compliance_breaches (person_id) WHERE person_id <> 0;
CREATE INDEX compliance_breaches_ref_idx ON compliance_breaches (ref_id) WHERE ref_id <> 0;
CREATE INDEX compliance_breaches_board_idx ON compliance_breaches (check_key, department_id);

-- The board's counts per day, for the history chart: written once a day.
CREATE TABLE compliance_history (
    day           date NOT NULL,
    check_key     text NOT NULL,
    department_id bigint NOT NULL DEFAULT 0,
    n             integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (day, check_key, department_id)
);

-- When the whole board was last recomputed, and what the recomputation
-- found out of step with the rows kept (drift): 0 unless a change path
-- forgot to recompute.
CREATE TABLE compliance_recomputations (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    scope     text NOT NULL CHECK (scope IN ('all', 'time')),
    added     integer NOT NULL,
    removed   integer NOT NULL,
    took_ms   integer NOT NULL
);
CREATE INDEX compliance_recomputations_at_idx ON compliance_recomputations (at DESC);

GRANT SELECT, INSERT, DELETE ON compliance_breaches TO itportal_runtime;
GRANT SELECT, INSERT, UPDATE ON compliance_history TO itportal_runtime;
GRANT SELECT, INSERT ON compliance_recomputations TO itportal_runtime;

-- +goose Down
DROP TABLE compliance_recomputations;
DROP TABLE compliance_history;
DROP TABLE compliance_breaches;
