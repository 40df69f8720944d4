-- +goose Up
-- A komplettering asks for specific facts: IT-enheten ticks which fields of
-- a submitted case the requester must complete or change, and the answer
-- changes exactly those. The asked fields are kept on the case while the
-- question is open (completion_fields) and with the question's event
-- (fields); every changed field is an event of its own with its earlier
-- and its new value, so the history keeps what was sent first.
-- The financing's decision is recorded with the case: who decided and
-- when (financing_reference already holds its reference).
ALTER TABLE requests
    ADD COLUMN financing_decided_by text NOT NULL DEFAULT '' CHECK (length(financing_decided_by) <= 200),
    ADD COLUMN financing_decided_on date,
    ADD COLUMN completion_fields    text[] NOT NULL DEFAULT '{}';

ALTER TABLE request_events
    ADD COLUMN fields    text[] NOT NULL DEFAULT '{}',
    ADD COLUMN field     text,
    ADD COLUMN old_value text CHECK (length(old_value) <= 10000),
    ADD COLUMN new_value text CHECK (length(new_value) <= 10000),
    DROP CONSTRAINT request_events_event_check,
    ADD CONSTRAINT request_events_event_check CHECK (event IN ('transition', 'comment', 'attachment', 'diarienummer', 'change')),
    ADD CONSTRAINT request_events_change_check CHECK ((event = 'change') = (field IS NOT NULL));

-- After submission only the flow moves, with one exception: the answer to
-- a komplettering (komplettering_begard → under_handlaggning) changes the
-- fields that were asked, and no others.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION requests_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	changed text[] := '{}';
	k text;
BEGIN
	IF OLD.state <> 'utkast' THEN
		IF (NEW.kind, NEW.author_id, NEW.number_year, NEW.number_seq) IS DISTINCT FROM (OLD.kind, OLD.author_id, OLD.number_year, OLD.number_seq) THEN
			RAISE EXCEPTION 'a submitted case is not edited (case %)', OLD.id USING ERRCODE = 'check_violation';
		END IF;
		IF NEW.department_id IS DISTINCT FROM OLD.department_id THEN changed := array_append(changed, 'department'); END IF;
		IF NEW.title IS DISTINCT FROM OLD.title THEN changed := array_append(changed, 'title'); END IF;
		IF NEW.description IS DISTINCT FROM OLD.description THEN changed := array_append(changed, 'description'); END IF;
		IF NEW.contact IS DISTINCT FROM OLD.contact THEN changed := array_append(changed, 'contact'); END IF;
		IF NEW.desired_date IS DISTINCT FROM OLD.desired_date THEN changed := array_append(changed, 'desired_date'); END IF;
		IF NEW.financing_source IS DISTINCT FROM OLD.financing_source THEN changed := array_append(changed, 'financing_source'); END IF;
		IF NEW.financing_confirmed IS DISTINCT FROM OLD.financing_confirmed THEN changed := array_append(changed, 'financing_confirmed'); END IF;
		IF NEW.financing_reference IS DISTINCT FROM OLD.financing_reference THEN changed := array_append(changed, 'financing_reference'); END IF;
		IF NEW.financing_decided_by IS DISTINCT FROM OLD.financing_decided_by THEN changed := array_append(changed, 'financing_decided_by'); END IF;
		IF NEW.financing_decided_on IS DISTINCT FROM OLD.financing_decided_on THEN changed := array_append(changed, 'financing_decided_on'); END IF;
		FOR k IN SELECT jsonb_object_keys(OLD.details || NEW.details) LOOP
			IF OLD.details -> k IS DISTINCT FROM NEW.details -> k THEN changed := array_append(changed, k); END IF;
		END LOOP;
		IF changed <> '{}' AND NOT (OLD.state = 'komplettering_begard' AND NEW.state = 'under_handlaggning'
			AND changed <@ OLD.completion_fields) THEN
			RAISE EXCEPTION 'a submitted case is not edited (case %: %)', OLD.id, changed USING ERRCODE = 'check_violation';
		END IF;
	END IF;
	IF OLD.decided_at IS NOT NULL AND (NEW.state, NEW.decided_at, NEW.decided_by, NEW.decision_motivation)
		IS DISTINCT FROM (OLD.state, OLD.decided_at, OLD.decided_by, OLD.decision_motivation) THEN
		RAISE EXCEPTION 'a decision is final (case %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION requests_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state <> 'utkast' AND (
		NEW.kind, NEW.author_id, NEW.department_id, NEW.title, NEW.description, NEW.contact, NEW.desired_date,
		NEW.financing_source, NEW.financing_confirmed, NEW.financing_reference, NEW.details, NEW.number_year, NEW.number_seq
	) IS DISTINCT FROM (
		OLD.kind, OLD.author_id, OLD.department_id, OLD.title, OLD.description, OLD.contact, OLD.desired_date,
		OLD.financing_source, OLD.financing_confirmed, OLD.financing_reference, OLD.details, OLD.number_year, OLD.number_seq
	) THEN
		RAISE EXCEPTION 'a submitted case is not edited (case %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	IF OLD.decided_at IS NOT NULL AND (NEW.state, NEW.decided_at, NEW.decided_by, NEW.decision_motivation)
		IS DISTINCT FROM (OLD.state, OLD.decided_at, OLD.decided_by, OLD.decision_motivation) THEN
		RAISE EXCEPTION 'a decision is final (case %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
-- +goose StatementEnd
-- A changed field's event becomes a comment that says what changed.
ALTER TABLE request_events
    DROP CONSTRAINT request_events_change_check,
    DROP CONSTRAINT request_events_event_check;
UPDATE request_events SET event = 'comment',
    comment = left(field || ': ' || COALESCE(old_value, '') || ' → ' || COALESCE(new_value, ''), 10000)
    WHERE event = 'change';
ALTER TABLE request_events
    ADD CONSTRAINT request_events_event_check CHECK (event IN ('transition', 'comment', 'attachment', 'diarienummer')),
    DROP COLUMN new_value,
    DROP COLUMN old_value,
    DROP COLUMN field,
    DROP COLUMN fields;
ALTER TABLE requests
    DROP COLUMN completion_fields,
    DROP COLUMN financing_decided_on,
    DROP COLUMN financing_decided_by;
