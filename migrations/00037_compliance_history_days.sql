-- +goose Up
-- The days the compliance board's counts were recorded (compliance_history
-- keeps the counts per check and department, and no row for a count of
-- 0): a day recorded here with no rows was a day without breaches, a day
-- missing was not recorded. One row a day, replaced when the day is
-- recorded again.
CREATE TABLE compliance_history_days (
    day         date PRIMARY KEY,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO compliance_history_days (day) SELECT DISTINCT day FROM compliance_history;

GRANT SELECT, INSERT, UPDATE ON compliance_history_days TO itportal_runtime;

-- +goose Down
DROP TABLE compliance_history_days;
