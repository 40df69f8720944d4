-- +goose Up
-- Suppliers and their contracts (issue 20, first step). Everyone signed in
-- reads them; IT-enheten keeps them (internal/postgres/suppliers.go,
-- contracts.go). Every change is in the audit log with before and after;
-- a contract's dates (current term, notice deadline, active) are computed
-- from its terms in one place, portal.ContractTerms.On, never stored.

CREATE TABLE suppliers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- portal.NormaliseSupplierName: "Visma AB" and "VISMA aktiebolag" are one supplier.
    normalised_name text NOT NULL CHECK (length(normalised_name) BETWEEN 1 AND 200),
    -- Stored as NNNNNN-NNNN (portal.ParseOrgNumber).
    org_number      text NOT NULL CHECK (org_number ~ '^[0-9]{6}-[0-9]{4}$'),
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX suppliers_normalised_name_key ON suppliers (normalised_name);
CREATE UNIQUE INDEX suppliers_org_number_key ON suppliers (org_number);
CREATE INDEX suppliers_name_trgm_idx ON suppliers USING gin (name gin_trgm_ops);
GRANT SELECT, INSERT, UPDATE ON suppliers TO itportal_runtime;

-- Whom to contact at a supplier, and about what (support, the contract, a
-- security incident). Removing a contact is audited like adding one.
CREATE TABLE supplier_contacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id bigint NOT NULL REFERENCES suppliers (id),
    role        text NOT NULL CHECK (length(btrim(role)) BETWEEN 1 AND 100),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email       text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone       text NOT NULL DEFAULT '' CHECK (length(phone) <= 30),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (email <> '' OR phone <> '')
);
CREATE INDEX supplier_contacts_supplier_idx ON supplier_contacts (supplier_id, id);
GRANT SELECT, INSERT, DELETE ON supplier_contacts TO itportal_runtime;

CREATE TABLE contracts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    supplier_id         bigint NOT NULL REFERENCES suppliers (id),
    our_reference       text NOT NULL DEFAULT '' CHECK (length(our_reference) <= 100),
    supplier_reference  text NOT NULL DEFAULT '' CHECK (length(supplier_reference) <= 100),
    procurement         text NOT NULL CHECK (procurement IN ('lou', 'avrop', 'direktupphandling')),
    direct_award_reason text NOT NULL DEFAULT '' CHECK (length(direct_award_reason) <= 2000),
    -- A call-off's framework contract, when the framework is in the register.
    parent_id           bigint REFERENCES contracts (id),
    start_on            date NOT NULL,
    initial_months      integer NOT NULL CHECK (initial_months BETWEEN 1 AND 600),
    notice_months       integer NOT NULL DEFAULT 0 CHECK (notice_months BETWEEN 0 AND 120),
    option_count        integer NOT NULL DEFAULT 0 CHECK (option_count BETWEEN 0 AND 20),
    option_months       integer NOT NULL DEFAULT 0 CHECK (option_months BETWEEN 0 AND 120),
    options_used        integer NOT NULL DEFAULT 0 CHECK (options_used BETWEEN 0 AND option_count),
    -- Tacit renewal: renewed by this many months unless notice is given.
    renewal_months      integer NOT NULL DEFAULT 0 CHECK (renewal_months BETWEEN 0 AND 120),
    -- A termination: who gave notice, when, and the last day the contract applies.
    terminated_by       text CHECK (terminated_by IN ('kommunen', 'leverantoren')),
    terminated_on       date,
    ends_on             date,
    department_id       bigint NOT NULL REFERENCES departments (id),
    responsible_id      bigint NOT NULL REFERENCES people (id),
    notes               text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((procurement = 'direktupphandling') = (direct_award_reason <> '')),
    CHECK (parent_id IS NULL OR (procurement = 'avrop' AND parent_id <> id)),
    CHECK (notice_months <= initial_months AND (renewal_months = 0 OR notice_months <= renewal_months)),
    CHECK ((option_count = 0) = (option_months = 0)),
    CHECK ((terminated_by IS NULL) = (terminated_on IS NULL) AND (terminated_by IS NULL) = (ends_on IS NULL)),
    CHECK (ends_on >= start_on AND terminated_on <= ends_on)
);
CREATE INDEX contracts_supplier_idx ON contracts (supplier_id);
CREATE INDEX contracts_parent_idx ON contracts (parent_id) WHERE parent_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE ON contracts TO itportal_runtime;

-- The systems a contract covers (the supplier page's incident view).
CREATE TABLE contract_systems (
    contract_id bigint NOT NULL REFERENCES contracts (id),
    system_id   bigint NOT NULL REFERENCES systems (id),
    added_by    bigint REFERENCES people (id),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, system_id)
);
CREATE INDEX contract_systems_system_idx ON contract_systems (system_id);
GRANT SELECT, INSERT, DELETE ON contract_systems TO itportal_runtime;

-- +goose Down
DROP TABLE contract_systems;
DROP TABLE contracts;
DROP TABLE supplier_contacts;
DROP TABLE suppliers;
