-- +goose Up
-- Cases (ärenden): införande, uppgradering, öppen källkod, egenutvecklad
-- applikation, nätanslutning and driftförändring (§4.2.1, §4.4.1, §6, §7).
-- A case is a public record once submitted: its content is frozen (a
-- trigger refuses changes), and everything after is an event row.

-- The case number IT {year}/{nnnn}: one counter row per year, taken in the
-- submitting transaction, so numbers have no gaps and no duplicates.
CREATE TABLE request_numbers (
    year  integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    last  integer NOT NULL CHECK (last > 0)
);
GRANT SELECT, INSERT, UPDATE ON request_numbers TO itportal_runtime;

CREATE TABLE requests (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                 text NOT NULL CHECK (kind IN ('inforande', 'uppgradering', 'oppen_kallkod', 'egenutvecklad', 'natanslutning', 'driftforandring')),
    state                text NOT NULL DEFAULT 'utkast' CHECK (state IN ('utkast', 'inskickat', 'under_handlaggning', 'komplettering_begard', 'beviljat', 'avslaget', 'aterkallat', 'kvitterad')),
    author_id            bigint NOT NULL REFERENCES people (id),
    department_id        bigint REFERENCES departments (id),
    title                text NOT NULL CHECK (length(title) <= 200),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    contact              text NOT NULL DEFAULT '' CHECK (length(contact) <= 200),
    desired_date         date,
    financing_source     text NOT NULL DEFAULT '' CHECK (length(financing_source) <= 500),
    financing_confirmed  boolean NOT NULL DEFAULT false,
    financing_reference  text NOT NULL DEFAULT '' CHECK (length(financing_reference) <= 200),
    system_id            bigint REFERENCES systems (id), -- the system concerned, or created by the decision
    details              jsonb NOT NULL DEFAULT '{}',
    number_year          integer,
    number_seq           integer,
    number               text GENERATED ALWAYS AS ('IT ' || number_year::text || '/' || lpad(number_seq::text, 4, '0')) STORED,
    diarienummer         text NOT NULL DEFAULT '' CHECK (length(diarienummer) <= 100),
    submitted_at         timestamptz,
    decided_at           timestamptz,
    decided_by           bigint REFERENCES people (id),
    decision_motivation  text NOT NULL DEFAULT '' CHECK (length(decision_motivation) <= 10000),
    row_version          integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (number_year, number_seq),
    CHECK ((state = 'utkast') = (number_seq IS NULL)),
    CHECK ((state IN ('beviljat', 'avslaget', 'kvitterad')) = (decided_at IS NOT NULL))
);
CREATE INDEX requests_queue_idx ON requests (state, submitted_at) WHERE state <> 'utkast';
CREATE INDEX requests_submitted_idx ON requests (submitted_at DESC, id DESC) WHERE state <> 'utkast';
CREATE INDEX requests_author_idx ON requests (author_id);
CREATE INDEX requests_system_idx ON requests (system_id) WHERE system_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE ON requests TO itportal_runtime;

-- After submission only the flow moves: state, the decision, the
-- diarienummer, the linked system. The content the requester sent stays.
-- +goose StatementBegin
CREATE FUNCTION requests_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER requests_frozen BEFORE UPDATE ON requests FOR EACH ROW EXECUTE FUNCTION requests_frozen();

-- The timeline: every transition, comment, attachment and diarienummer.
-- Append-only: the portal's role may insert and read, never change.
CREATE TABLE request_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  bigint NOT NULL REFERENCES requests (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES people (id),
    event       text NOT NULL CHECK (event IN ('transition', 'comment', 'attachment', 'diarienummer')),
    from_state  text,
    to_state    text,
    comment     text NOT NULL DEFAULT '' CHECK (length(comment) <= 10000),
    CHECK ((event = 'transition') = (to_state IS NOT NULL))
);
CREATE INDEX request_events_request_idx ON request_events (request_id, at, id);
-- R8: one decision per case, whatever the pages do.
CREATE UNIQUE INDEX request_events_one_decision ON request_events (request_id)
    WHERE to_state IN ('beviljat', 'avslaget', 'kvitterad');
GRANT SELECT, INSERT ON request_events TO itportal_runtime;

-- Attachments (an offer, an agreement), up to 20 MB each, stored with the
-- case. The type is the one found in the content.
CREATE TABLE request_attachments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id    bigint NOT NULL REFERENCES requests (id),
    file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type  text NOT NULL,
    size_bytes    integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 20971520),
    sha256        text NOT NULL,
    data          bytea NOT NULL,
    uploaded_by   bigint NOT NULL REFERENCES people (id),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_attachments_request_idx ON request_attachments (request_id);
GRANT SELECT, INSERT ON request_attachments TO itportal_runtime;

CREATE TRIGGER requests_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON requests
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();

-- +goose Down
DROP TRIGGER requests_changed ON requests;
DROP TABLE request_attachments;
DROP TABLE request_events;
DROP TRIGGER requests_frozen ON requests;
DROP FUNCTION requests_frozen();
DROP TABLE requests;
DROP TABLE request_numbers;
