-- +goose Up
-- Mailboxes someone watches (§8, §9; internal/postgres/mailboxes.go): the
-- municipality's functional and shared mailboxes, each of a department,
-- and the people who watch them (bevakare) and their deputies (ersättare),
-- each for a period like the system roles. Incoming e-mail is an incoming
-- public record, so a mailbox in use without an active bevakare is a
-- breach of R24. Every change is in the audit log with before and after.

CREATE TABLE mailboxes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored in lower case (portal.MailboxFields.Validate); unique as such.
    address       text NOT NULL CHECK (length(address) BETWEEN 3 AND 254 AND address = lower(address)),
    kind          text NOT NULL CHECK (kind IN ('funktionsbrevlada', 'delad')),
    department_id bigint NOT NULL REFERENCES departments (id),
    purpose       text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 2000),
    -- The first day the mailbox is no longer in use: from then it needs no watcher.
    closed_on     date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mailboxes_address_key ON mailboxes (lower(address));
CREATE INDEX mailboxes_department_idx ON mailboxes (department_id);
GRANT SELECT, INSERT, UPDATE ON mailboxes TO itportal_runtime;

-- Who watches a mailbox, from one day (lower, included) to another (upper,
-- excluded; none: until further notice). A period is never deleted: ending
-- it is an UPDATE of its end, audited. One person has one period at a time
-- on a mailbox, as bevakare or as ersättare; several people may watch it.
CREATE TABLE mailbox_watchers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id  bigint NOT NULL REFERENCES mailboxes (id),
    person_id   bigint NOT NULL REFERENCES people (id),
    role        text NOT NULL CHECK (role IN ('bevakare', 'ersattare')),
    valid       daterange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    reason      text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    created_by  bigint REFERENCES people (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mailbox_watchers_one_period EXCLUDE USING gist (mailbox_id WITH =, person_id WITH =, valid WITH &&)
);
CREATE INDEX mailbox_watchers_person_idx ON mailbox_watchers (person_id);
GRANT SELECT, INSERT, UPDATE (valid) ON mailbox_watchers TO itportal_runtime;

-- +goose Down
DROP TABLE mailbox_watchers;
DROP TABLE mailboxes;
