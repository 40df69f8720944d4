-- +goose Up

-- Evaluations (§3, R12). A system is evaluated at least every twelve months;
-- a shorter interval may be set, never a longer one.
ALTER TABLE systems ADD COLUMN evaluation_interval_months smallint NOT NULL DEFAULT 12
    CHECK (evaluation_interval_months BETWEEN 1 AND 12);

-- A submitted evaluation is immutable. Legacy rows (a date from the register
-- import) carry only the date.
ALTER TABLE evaluations
    ADD COLUMN users_count       integer CHECK (users_count BETWEEN 0 AND 1000000),
    ADD COLUMN support_score     smallint CHECK (support_score BETWEEN 1 AND 5),
    ADD COLUMN support_comment   text NOT NULL DEFAULT '' CHECK (length(support_comment) <= 5000),
    ADD COLUMN used_as_intended  text CHECK (used_as_intended IN ('ja', 'delvis', 'nej')),
    ADD COLUMN coordination      text NOT NULL DEFAULT '' CHECK (length(coordination) <= 5000),
    ADD COLUMN cooperation       text NOT NULL DEFAULT '' CHECK (length(cooperation) <= 5000),
    ADD COLUMN efficiency        text NOT NULL DEFAULT '' CHECK (length(efficiency) <= 5000),
    ADD COLUMN planned_changes   text NOT NULL DEFAULT '' CHECK (length(planned_changes) <= 5000),
    ADD COLUMN proposed_action   text CHECK (proposed_action IN ('behall', 'utveckla', 'ersatt', 'avveckla')),
    -- The department that owned the system when it was evaluated (for the
    -- per-department overview, which must not move with later handovers).
    ADD COLUMN owner_department_id bigint REFERENCES departments (id),
    ADD CHECK (legacy OR (users_count IS NOT NULL AND support_score IS NOT NULL
                          AND used_as_intended IS NOT NULL AND proposed_action IS NOT NULL));

CREATE TRIGGER evaluations_no_update BEFORE UPDATE OR DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER evaluations_no_truncate BEFORE TRUNCATE ON evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- The one draft a system may have, saved by its administrator or IT-enheten.
CREATE TABLE evaluation_drafts (
    system_id         bigint PRIMARY KEY REFERENCES systems (id),
    users_count       integer CHECK (users_count BETWEEN 0 AND 1000000),
    support_score     smallint CHECK (support_score BETWEEN 1 AND 5),
    support_comment   text NOT NULL DEFAULT '' CHECK (length(support_comment) <= 5000),
    used_as_intended  text CHECK (used_as_intended IN ('ja', 'delvis', 'nej')),
    coordination      text NOT NULL DEFAULT '' CHECK (length(coordination) <= 5000),
    cooperation       text NOT NULL DEFAULT '' CHECK (length(cooperation) <= 5000),
    efficiency        text NOT NULL DEFAULT '' CHECK (length(efficiency) <= 5000),
    planned_changes   text NOT NULL DEFAULT '' CHECK (length(planned_changes) <= 5000),
    proposed_action   text CHECK (proposed_action IN ('behall', 'utveckla', 'ersatt', 'avveckla')),
    updated_by        bigint NOT NULL REFERENCES people (id),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- When each system's next evaluation is due: the one place (with
-- portal.EvaluationDue) that says so. Systems never evaluated count from
-- their registration.
-- +goose StatementBegin
CREATE VIEW evaluation_due AS
SELECT s.id AS system_id,
       e.last_on,
       (COALESCE(e.last_on, (s.created_at AT TIME ZONE 'Europe/Stockholm')::date)
            + make_interval(months => s.evaluation_interval_months))::date AS due_on,
       s.lifecycle IN ('i_drift', 'under_avveckling') AS required
FROM systems s
LEFT JOIN LATERAL (SELECT max(evaluated_on) AS last_on FROM evaluations WHERE system_id = s.id) e ON true;
-- +goose StatementEnd

-- Reminders sent: once 30 days before a due date, once when it has passed.
CREATE TABLE evaluation_notices (
    system_id  bigint NOT NULL REFERENCES systems (id),
    due_on     date NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('soon', 'overdue')),
    sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (system_id, due_on, kind)
);

-- Drafts show on start pages, which every replica caches (00008).
CREATE TRIGGER evaluation_drafts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON evaluation_drafts
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();

GRANT SELECT, INSERT, UPDATE, DELETE ON evaluation_drafts TO itportal_runtime;
GRANT SELECT ON evaluation_due TO itportal_runtime;
GRANT SELECT, INSERT ON evaluation_notices TO itportal_runtime;

-- +goose Down
DROP TABLE evaluation_notices;
DROP VIEW evaluation_due;
DROP TABLE evaluation_drafts;
DROP TRIGGER evaluations_no_truncate ON evaluations;
DROP TRIGGER evaluations_no_update ON evaluations;
ALTER TABLE evaluations
    DROP COLUMN owner_department_id, DROP COLUMN proposed_action, DROP COLUMN planned_changes,
    DROP COLUMN efficiency, DROP COLUMN cooperation, DROP COLUMN coordination,
    DROP COLUMN used_as_intended, DROP COLUMN support_comment, DROP COLUMN support_score,
    DROP COLUMN users_count;
ALTER TABLE systems DROP COLUMN evaluation_interval_months;
