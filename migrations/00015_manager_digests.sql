-- +goose Up
-- The weekly digest to managers whose staff owe acknowledgements: when each
-- manager last got one.
CREATE TABLE manager_digests (
    manager_id    bigint PRIMARY KEY REFERENCES people (id),
    last_sent_at  timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON manager_digests TO itportal_runtime;

-- +goose Down
DROP TABLE manager_digests;
