-- +goose Up
-- What each person was told ("Händelser" on the start page), kept even
-- when mail fails. One row per notification job and person.
CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id   bigint NOT NULL REFERENCES people (id),
    job_id      bigint NOT NULL,
    subject     text NOT NULL,
    link        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, person_id)
);
CREATE INDEX notifications_person_idx ON notifications (person_id, created_at DESC);
GRANT SELECT, INSERT ON notifications TO itportal_runtime;

-- Every mail handed to the mail server (or the outbox), by its idempotency
-- key (the job and the recipient): a job retried after a crash skips what
-- is recorded here.
CREATE TABLE mail_log (
    idempotency_key  text PRIMARY KEY,
    job_id           bigint NOT NULL,
    recipient        text NOT NULL,
    subject          text NOT NULL,
    sent_at          timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON mail_log TO itportal_runtime;

-- Without a mail server the mails are kept here (dev mode shows them).
CREATE TABLE mail_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    text_body   text NOT NULL,
    html_body   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON mail_outbox TO itportal_runtime;

-- +goose Down
DROP TABLE mail_outbox;
DROP TABLE mail_log;
DROP TABLE notifications;
