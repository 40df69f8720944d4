-- +goose Up
-- A notification job tells up to 50 people (one job per batch of a large
-- audience). /admin/jobb counts the mails a waiting batch has left by its
-- rows here, and support looks up what a job sent.
CREATE INDEX mail_log_job_idx ON mail_log (job_id);

-- +goose Down
DROP INDEX mail_log_job_idx;
