-- +goose Up

-- The compliance board (R3): what became of the notification about each
-- role change. The notify worker records it per role_assignments row it was
-- told about (jobargs.Notify.Assignments): delivered, or failed with the
-- last error (retried by River; a later success turns it into delivered).
-- River deletes finished jobs after a day, so this table is the durable
-- record. Role periods recorded before this migration were never tracked.
CREATE TABLE role_change_notices (
    assignment_id  bigint PRIMARY KEY REFERENCES role_assignments (id),
    outcome        text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'before_tracking')),
    job_id         bigint,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text NOT NULL DEFAULT '' CHECK (length(last_error) <= 2000),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO role_change_notices (assignment_id, outcome) SELECT id, 'before_tracking' FROM role_assignments;
GRANT SELECT, INSERT, UPDATE ON role_change_notices TO itportal_runtime;

-- +goose Down
DROP TABLE role_change_notices;
