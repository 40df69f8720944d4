-- +goose Up
-- Contract reminders (issue 20): before each notice or option deadline of a
-- contract, its responsible person and IT-enheten are reminded at the
-- offsets of ITPORTAL_CONTRACT_REMINDER_DAYS. A reminder is claimed here in
-- the transaction that enqueues its notification, so each is sent once per
-- contract, deadline and offset, however often (and on however many
-- replicas) the nightly job runs.
CREATE TABLE contract_reminders (
    contract_id bigint NOT NULL REFERENCES contracts (id),
    deadline    date NOT NULL,
    offset_days integer NOT NULL CHECK (offset_days BETWEEN 0 AND 730),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, deadline, offset_days)
);
GRANT SELECT, INSERT ON contract_reminders TO itportal_runtime;

-- portal.AddTermMonths in SQL, for the compliance checks R15 and R16: the
-- last day of a term of months starting on start (the day before the
-- start's day that many months later, or the month's last day when that
-- day does not exist there). TestContractTermEndInSQL holds the two to the
-- same answers.
CREATE FUNCTION contract_term_end(start date, months integer) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN extract(day FROM start + make_interval(months => months)) < extract(day FROM start)
                THEN (start + make_interval(months => months))::date
                ELSE (start + make_interval(months => months))::date - 1 END;

-- +goose Down
DROP FUNCTION contract_term_end(date, integer);
DROP TABLE contract_reminders;
