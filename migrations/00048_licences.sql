-- +goose Up
-- Licences (issue 20): per system, and the contract they are bought under
-- when it is in the register. One licence per system and model (the
-- import of counts finds it by the two). A site licence (plats) has no
-- number bought; every other model allows the number bought (R17).
CREATE TABLE licences (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system_id   bigint NOT NULL REFERENCES systems (id),
    contract_id bigint REFERENCES contracts (id),
    model       text NOT NULL CHECK (model IN ('per_anvandare', 'per_enhet', 'per_server', 'plats', 'prenumeration')),
    bought      integer NOT NULL DEFAULT 0 CHECK (bought BETWEEN 0 AND 1000000),
    -- The number in use as counted on counted_on (by hand or imported);
    -- both NULL when it has not been counted.
    in_use      integer CHECK (in_use BETWEEN 0 AND 1000000),
    counted_on  date,
    renewal_on  date CHECK (renewal_on BETWEEN '1980-01-01' AND '2100-12-31'),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (system_id, model),
    CHECK ((in_use IS NULL) = (counted_on IS NULL)),
    CHECK (model <> 'plats' OR bought = 0)
);
CREATE INDEX licences_contract_idx ON licences (contract_id) WHERE contract_id IS NOT NULL;
CREATE INDEX licences_renewal_idx ON licences (renewal_on) WHERE renewal_on IS NOT NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON licences TO itportal_runtime;

-- Licence renewal reminders, claimed like contract_reminders: once per
-- licence, renewal date and offset. A removed licence takes its claims.
CREATE TABLE licence_reminders (
    licence_id  bigint NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
    renewal_on  date NOT NULL,
    offset_days integer NOT NULL CHECK (offset_days BETWEEN 0 AND 730),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (licence_id, renewal_on, offset_days)
);
GRANT SELECT, INSERT ON licence_reminders TO itportal_runtime;

-- The import of licence counts keeps its file between the dry run and the import.
ALTER TABLE uploads DROP CONSTRAINT uploads_purpose_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_purpose_check CHECK (purpose IN ('register_import', 'staff_import', 'licence_import'));

-- +goose Down
DELETE FROM uploads WHERE purpose = 'licence_import';
ALTER TABLE uploads DROP CONSTRAINT uploads_purpose_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_purpose_check CHECK (purpose IN ('register_import', 'staff_import'));
DROP TABLE licence_reminders;
DROP TABLE licences;
