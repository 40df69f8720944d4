-- +goose Up
-- Files uploaded for a two-step import (dry run, then commit): kept until
-- committed, or for a day.
CREATE TABLE uploads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id   bigint NOT NULL REFERENCES people (id),
    purpose     text NOT NULL CHECK (purpose IN ('register_import')),
    filename    text NOT NULL CHECK (length(filename) <= 255),
    data        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_created_idx ON uploads (created_at);
GRANT SELECT, INSERT, DELETE ON uploads TO itportal_runtime;

-- +goose Down
DROP TABLE uploads;
