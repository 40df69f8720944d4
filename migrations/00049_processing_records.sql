-- +goose Up
-- Processing records (issue 20, §8): per system with personal data that a
-- supplier runs or supports, the data processor (a supplier), the
-- personuppgiftsbiträdesavtal (PUB), the categories of data and data
-- subjects, sensitive data, purpose and legal basis, sub-processors with
-- their transfer basis outside the EU/EEA, the oversight of the processor
-- and, for data under secrecy, the assessment of OSL 10 kap. 2 a §.
-- IT-enheten keeps them (internal/postgres/processing.go); the system's
-- administrator proposes changes that IT-enheten confirms. Every change is
-- in the audit log (object_type 'processing', object_id the system's id).
CREATE TABLE processing_records (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system_id          bigint NOT NULL UNIQUE REFERENCES systems (id),
    processor_id       bigint NOT NULL REFERENCES suppliers (id),
    signed             boolean NOT NULL,
    signed_on          date,
    contract_id        bigint REFERENCES contracts (id),
    -- portal.DataCategories, portal.SubjectCategories, portal.SensitiveKinds values.
    data_categories    text[] NOT NULL DEFAULT '{}',
    data_other         text NOT NULL DEFAULT '' CHECK (length(data_other) <= 500),
    subject_categories text[] NOT NULL DEFAULT '{}',
    subject_other      text NOT NULL DEFAULT '' CHECK (length(subject_other) <= 500),
    sensitive          boolean NOT NULL,
    sensitive_kinds    text[] NOT NULL DEFAULT '{}',
    purpose            text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 2000),
    legal_basis        text NOT NULL CHECK (legal_basis IN ('allmant_intresse', 'rattslig_forpliktelse', 'avtal', 'samtycke',
                                                            'grundlaggande_intressen', 'berattigat_intresse')),
    legal_basis_note   text NOT NULL DEFAULT '' CHECK (length(legal_basis_note) <= 1000),
    oversight_method   text NOT NULL CHECK (oversight_method IN ('granskning', 'enkat', 'revision')),
    oversight_months   integer NOT NULL CHECK (oversight_months BETWEEN 1 AND 60),
    oversight_last_on  date,
    -- portal.NextOversight, stored by the service with every change so
    -- that the board (R19) and the reminders read the one computation.
    oversight_next_on  date,
    secrecy            boolean NOT NULL DEFAULT false,
    osl_assessed_by    text NOT NULL DEFAULT '' CHECK (length(osl_assessed_by) <= 200),
    osl_assessed_on    date,
    osl_assessment     text NOT NULL DEFAULT '' CHECK (length(osl_assessment) <= 5000),
    -- The details (sensitive kinds, the OSL assessment) are shown only to
    -- IT-enheten and the system's administrator and owner.
    confidential       boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         bigint REFERENCES people (id),
    CHECK (signed = (signed_on IS NOT NULL)),
    CHECK (sensitive = (cardinality(sensitive_kinds) > 0)),
    CHECK (cardinality(data_categories) > 0 OR data_other <> ''),
    CHECK (cardinality(subject_categories) > 0 OR subject_other <> ''),
    CHECK (NOT secrecy OR (osl_assessed_by <> '' AND osl_assessed_on IS NOT NULL AND osl_assessment <> '')),
    CHECK (secrecy OR (osl_assessed_by = '' AND osl_assessed_on IS NULL AND osl_assessment = ''))
);
CREATE INDEX processing_records_processor_idx ON processing_records (processor_id);
CREATE INDEX processing_records_next_idx ON processing_records (oversight_next_on);
GRANT SELECT, INSERT, UPDATE ON processing_records TO itportal_runtime;

-- A record's sub-processors, in the order listed; replaced whole with each
-- change of the record (the audit log keeps what they were).
CREATE TABLE processing_subprocessors (
    record_id bigint NOT NULL REFERENCES processing_records (id),
    position  integer NOT NULL CHECK (position BETWEEN 1 AND 8),
    name      text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    country   text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    -- '' inside the EU/EEA; portal.TransferBases outside it.
    basis     text NOT NULL DEFAULT '' CHECK (basis IN ('', 'adekvansbeslut', 'standardavtalsklausuler', 'bcr', 'undantag')),
    service   text NOT NULL DEFAULT '' CHECK (length(service) <= 500),
    PRIMARY KEY (record_id, position)
);
GRANT SELECT, INSERT, DELETE ON processing_subprocessors TO itportal_runtime;

-- A system administrator's proposed record (the whole form, as
-- portal.ProcessingFields in JSON), which IT-enheten confirms or rejects.
-- Append-only like fact_proposals: made open, decided once, never edited
-- nor deleted; a newer proposal of the system supersedes the open one.
CREATE TABLE processing_proposals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system_id   bigint NOT NULL REFERENCES systems (id),
    proposed_by bigint NOT NULL REFERENCES people (id),
    proposed_at timestamptz NOT NULL DEFAULT now(),
    fields      jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'object'),
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'rejected', 'superseded')),
    decided_by  bigint REFERENCES people (id),
    decided_at  timestamptz,
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    CHECK ((state = 'open') = (decided_at IS NULL) AND (state = 'open') = (decided_by IS NULL))
);
CREATE UNIQUE INDEX processing_proposals_one_open ON processing_proposals (system_id) WHERE state = 'open';
CREATE INDEX processing_proposals_system_idx ON processing_proposals (system_id, id);
GRANT SELECT, INSERT, UPDATE ON processing_proposals TO itportal_runtime;

-- +goose StatementBegin
CREATE FUNCTION processing_proposals_decided_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'a proposal is never deleted (proposal %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.state <> 'open' THEN
			RAISE EXCEPTION 'a proposal is made open' USING ERRCODE = 'check_violation';
		END IF;
		RETURN NEW;
	END IF;
	IF OLD.state <> 'open' THEN
		RAISE EXCEPTION 'a decided proposal is final (proposal %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.state = 'open' OR (NEW.system_id, NEW.proposed_by, NEW.proposed_at, NEW.fields)
		IS DISTINCT FROM (OLD.system_id, OLD.proposed_by, OLD.proposed_at, OLD.fields) THEN
		RAISE EXCEPTION 'a proposal is decided, never edited (proposal %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER processing_proposals_decided_once BEFORE INSERT OR UPDATE OR DELETE ON processing_proposals
    FOR EACH ROW EXECUTE FUNCTION processing_proposals_decided_once();

-- Oversight reminders: before a record's next oversight date, IT-enheten
-- and the system's owner are reminded at the offsets of
-- ITPORTAL_CONTRACT_REMINDER_DAYS, claimed here in the transaction that
-- enqueues the notification, so each goes out once per record, date and
-- offset.
CREATE TABLE oversight_reminders (
    record_id   bigint NOT NULL REFERENCES processing_records (id),
    due_on      date NOT NULL,
    offset_days integer NOT NULL CHECK (offset_days BETWEEN 0 AND 730),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (record_id, due_on, offset_days)
);
GRANT SELECT, INSERT ON oversight_reminders TO itportal_runtime;

-- +goose Down
DROP TABLE oversight_reminders;
DROP TABLE processing_proposals;
DROP FUNCTION processing_proposals_decided_once();
DROP TABLE processing_subprocessors;
DROP TABLE processing_records;
