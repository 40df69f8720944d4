-- +goose Up
-- The list of network access (§6 ¶2, §10; internal/postgres/network_access.go)
-- is made of the granted network-access cases; their last day is the case's
-- "giltig till". IT-enheten records here that an access has been closed:
-- a closed access is no longer a breach of R23 once past its last day.
-- At most one closure per case; it is never changed (the audit log keeps it).
CREATE TABLE network_access_closures (
    request_id  bigint PRIMARY KEY REFERENCES requests (id),
    closed_on   date NOT NULL,
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    closed_by   bigint NOT NULL REFERENCES people (id),
    closed_at   timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON network_access_closures TO itportal_runtime;

-- +goose Down
DROP TABLE network_access_closures;
