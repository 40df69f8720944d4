-- +goose Up
-- Periods when the IT head's ersättare (deputy) stands in for the IT head
-- (internal/postgres/standin.go): set by the IT head or an administrator,
-- from one date to another, both included. While a period covers the day,
-- the deputy decides what the IT head decides, and the decision records
-- that it was made "som ersättare för chefen för IT-enheten".
--
-- Append-only: a period is never changed or deleted. Ending one early is
-- a row of deputy_period_ends, with who ended it and when.
CREATE TABLE deputy_periods (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deputy_id  bigint NOT NULL REFERENCES people (id),
    starts_on  date NOT NULL,
    ends_on    date NOT NULL,
    note       text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    set_by     bigint NOT NULL REFERENCES people (id),
    set_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX deputy_periods_dates_idx ON deputy_periods (ends_on, starts_on);
GRANT SELECT, INSERT ON deputy_periods TO itportal_runtime;

-- A period ended early: its new last day (the day before it starts when
-- it was called off before it began). At most once per period.
CREATE TABLE deputy_period_ends (
    period_id  bigint PRIMARY KEY REFERENCES deputy_periods (id),
    last_day   date NOT NULL,
    ended_by   bigint NOT NULL REFERENCES people (id),
    ended_at   timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON deputy_period_ends TO itportal_runtime;

-- +goose StatementBegin
CREATE FUNCTION deputy_period_ends_shorten() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE p deputy_periods;
BEGIN
	SELECT * INTO p FROM deputy_periods WHERE id = NEW.period_id;
	IF NEW.last_day >= p.ends_on OR NEW.last_day < p.starts_on - 1 THEN
		RAISE EXCEPTION 'an end shortens the period (period %)', NEW.period_id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER deputy_period_ends_shorten BEFORE INSERT ON deputy_period_ends
    FOR EACH ROW EXECUTE FUNCTION deputy_period_ends_shorten();

-- The periods as they stand: ends_on is the last day after any early
-- end; a period called off before it began has none left and is not here.
CREATE VIEW deputy_periods_in_force AS
    SELECT p.id, p.deputy_id, p.starts_on, LEAST(p.ends_on, e.last_day) AS ends_on
    FROM deputy_periods p LEFT JOIN deputy_period_ends e ON e.period_id = p.id
    WHERE COALESCE(e.last_day, p.ends_on) >= p.starts_on;
GRANT SELECT ON deputy_periods_in_force TO itportal_runtime;

-- The capacity a decision was made in: 'it_head_deputy' when the decider's
-- right came from being the IT head's ersättare, with the stand-in period
-- it relied on (none when the deputy decided the IT head's own case).
-- Events are append-only, so the capacity is as final as the decision.
ALTER TABLE request_events
    ADD COLUMN acting_as text NOT NULL DEFAULT '' CHECK (acting_as IN ('', 'it_head_deputy')),
    ADD COLUMN deputy_period_id bigint REFERENCES deputy_periods (id),
    ADD CONSTRAINT request_events_deputy_period CHECK (deputy_period_id IS NULL OR acting_as = 'it_head_deputy'),
    ADD CONSTRAINT request_events_acting_as_decision CHECK (acting_as = '' OR to_state IN ('beviljat', 'avslaget', 'kvitterad'));

-- +goose Down
ALTER TABLE request_events DROP COLUMN deputy_period_id, DROP COLUMN acting_as;
DROP VIEW deputy_periods_in_force;
DROP TABLE deputy_period_ends;
DROP FUNCTION deputy_period_ends_shorten();
DROP TABLE deputy_periods;
