-- +goose Up
-- The mail rate as a token bucket per key, shared by every worker process:
-- a mailbox (ITPORTAL_MAIL_RATE: several replicas together stay within
-- what the mailbox allows) and, for comments on cases, a person (one
-- employee's comments cannot flood the queue). A process takes a token
-- under the row's lock (internal/postgres/notifications.go).
CREATE TABLE mail_rate_buckets (
    key         text PRIMARY KEY,
    tokens      double precision NOT NULL,
    updated_at  timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON mail_rate_buckets TO itportal_runtime;

-- Comments on a case are told in one mail per recipient for all that came
-- in within a few minutes: per case and audience (the requester, or
-- IT-enheten), the last comment told (told_up_to, a request_events id) and
-- the range a job is telling now (claim_*), so a retried job tells the
-- same comments again and no others.
CREATE TABLE case_comment_notices (
    request_id  bigint NOT NULL REFERENCES requests (id),
    audience    text NOT NULL CHECK (audience IN ('requester', 'it_unit')),
    told_up_to  bigint NOT NULL DEFAULT 0,
    claim_job   bigint,
    claim_from  bigint,
    claim_to    bigint,
    PRIMARY KEY (request_id, audience),
    CHECK ((claim_job IS NULL) = (claim_to IS NULL) AND (claim_to IS NULL) = (claim_from IS NULL))
);
GRANT SELECT, INSERT, UPDATE ON case_comment_notices TO itportal_runtime;

-- Comments made before this version were told one job each (kind
-- "notify", topic "request.commented"): those already told are marked
-- told; those whose old job still waits (created in the comment's own
-- transaction, so at the comment's time) are left for that job, which
-- tells them the new way.
INSERT INTO case_comment_notices (request_id, audience, told_up_to)
SELECT c.request_id, c.audience, COALESCE(max(c.id) FILTER (WHERE p.first IS NULL OR c.at < p.first), 0)
FROM (SELECT e.id, e.request_id, e.at, CASE WHEN e.actor_id = r.author_id THEN 'it_unit' ELSE 'requester' END AS audience
      FROM request_events e JOIN requests r ON r.id = e.request_id
      WHERE e.event = 'comment') c
LEFT JOIN (SELECT args->>'object_id' AS request_id, args->'audience'->>0 AS audience, min(created_at) AS first
           FROM river_job
           WHERE kind = 'notify' AND args->>'topic' = 'request.commented'
             AND state IN ('available', 'scheduled', 'retryable', 'running', 'pending')
           GROUP BY 1, 2) p ON p.request_id = c.request_id::text AND p.audience = c.audience
GROUP BY c.request_id, c.audience;

-- +goose Down
DROP TABLE case_comment_notices;
DROP TABLE mail_rate_buckets;
