-- +goose Up
-- The staff directory from HR: manager and employment period. People whose
-- employment has ended are deactivated (never deleted), on the day.
ALTER TABLE people
    ADD COLUMN manager_id    bigint REFERENCES people (id),
    ADD COLUMN employed_from date,
    ADD COLUMN employed_to   date,
    ADD CONSTRAINT people_not_own_manager CHECK (manager_id IS DISTINCT FROM id),
    ADD CONSTRAINT people_employment_order CHECK (employed_to IS NULL OR employed_from IS NULL OR employed_to >= employed_from);
CREATE INDEX people_manager_idx ON people (manager_id) WHERE manager_id IS NOT NULL;
CREATE INDEX people_active_department_idx ON people (department_id) WHERE active;

ALTER TABLE uploads DROP CONSTRAINT uploads_purpose_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_purpose_check CHECK (purpose IN ('register_import', 'staff_import'));

-- Reminders about outstanding acknowledgements: when each person was last
-- reminded, so a reminder goes at most once per interval.
CREATE TABLE ack_reminders (
    person_id      bigint PRIMARY KEY REFERENCES people (id),
    last_sent_at   timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON ack_reminders TO itportal_runtime;

-- +goose Down
DROP TABLE ack_reminders;
ALTER TABLE uploads DROP CONSTRAINT uploads_purpose_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_purpose_check CHECK (purpose IN ('register_import'));
DROP INDEX people_active_department_idx;
DROP INDEX people_manager_idx;
ALTER TABLE people DROP CONSTRAINT people_employment_order, DROP CONSTRAINT people_not_own_manager,
    DROP COLUMN employed_to, DROP COLUMN employed_from, DROP COLUMN manager_id;
