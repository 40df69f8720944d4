-- +goose Up
-- The fixed IT infrastructure (§4.5, issue 21): the catalogue of platform
-- components the IT head fixes, each with its status and the decision that
-- fixed it (date, reference, financing), and its history; the components a
-- system runs on; the exceptions decided in a case for components that are
-- not standard; and the new case kind plattformsbeslut, whose grant
-- changes the catalogue (internal/postgres/platform.go).

CREATE TABLE platform_components (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category            text NOT NULL CHECK (category IN ('operativsystem', 'databas', 'driftform', 'identitet', 'integration', 'klientplattform', 'natverk')),
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    version             text NOT NULL DEFAULT '' CHECK (length(version) <= 100),
    status              text NOT NULL CHECK (status IN ('standard', 'undantag', 'avveckling', 'ej_tillaten')),
    -- The last day of a phase-out (portal.PlatformPhasingOut only).
    ends_on             date,
    -- The decision that fixed the current status.
    decided_on          date NOT NULL,
    decision_reference  text NOT NULL CHECK (length(btrim(decision_reference)) BETWEEN 1 AND 200),
    financing_reference text NOT NULL CHECK (length(btrim(financing_reference)) BETWEEN 1 AND 200),
    request_id          bigint REFERENCES requests (id),
    decided_by          bigint REFERENCES people (id),
    notes               text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'avveckling') = (ends_on IS NOT NULL))
);
-- One entry per name and version, whatever the case.
CREATE UNIQUE INDEX platform_components_name_version_key ON platform_components (lower(name), lower(version));
GRANT SELECT, INSERT, UPDATE ON platform_components TO itportal_runtime;

-- Every status a component has had, with its decision: append-only.
CREATE TABLE platform_component_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    component_id        bigint NOT NULL REFERENCES platform_components (id),
    at                  timestamptz NOT NULL DEFAULT now(),
    change              text NOT NULL CHECK (change IN ('added', 'status')),
    status              text NOT NULL,
    ends_on             date,
    decided_on          date NOT NULL,
    decision_reference  text NOT NULL,
    financing_reference text NOT NULL,
    request_id          bigint REFERENCES requests (id),
    decided_by          bigint REFERENCES people (id)
);
CREATE INDEX platform_component_history_component_idx ON platform_component_history (component_id, at, id);
GRANT SELECT, INSERT ON platform_component_history TO itportal_runtime;

-- The components a system runs on (R22).
CREATE TABLE system_platform_components (
    system_id    bigint NOT NULL REFERENCES systems (id),
    component_id bigint NOT NULL REFERENCES platform_components (id),
    added_by     bigint REFERENCES people (id),
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (system_id, component_id)
);
CREATE INDEX system_platform_components_component_idx ON system_platform_components (component_id);
GRANT SELECT, INSERT, DELETE ON system_platform_components TO itportal_runtime;

-- An exception granted in a case's decision for a component that is not
-- standard, with its reason: written with the decision, never changed.
CREATE TABLE request_platform_exceptions (
    request_id   bigint NOT NULL REFERENCES requests (id),
    component_id bigint NOT NULL REFERENCES platform_components (id),
    status       text NOT NULL, -- the component's status when the exception was decided
    reason       text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    decided_by   bigint NOT NULL REFERENCES people (id),
    decided_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, component_id)
);
GRANT SELECT, INSERT ON request_platform_exceptions TO itportal_runtime;

ALTER TABLE requests DROP CONSTRAINT requests_kind_check;
ALTER TABLE requests ADD CONSTRAINT requests_kind_check
    CHECK (kind IN ('inforande', 'uppgradering', 'oppen_kallkod', 'egenutvecklad', 'natanslutning', 'driftforandring', 'leverantorsincident', 'plattformsbeslut'));

-- +goose Down
ALTER TABLE requests DROP CONSTRAINT requests_kind_check;
ALTER TABLE requests ADD CONSTRAINT requests_kind_check
    CHECK (kind IN ('inforande', 'uppgradering', 'oppen_kallkod', 'egenutvecklad', 'natanslutning', 'driftforandring', 'leverantorsincident'));
DROP TABLE request_platform_exceptions;
DROP TABLE system_platform_components;
DROP TABLE platform_component_history;
DROP TABLE platform_components;
