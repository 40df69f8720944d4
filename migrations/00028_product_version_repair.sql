-- The system form posted two fields named "version": the row version (for
-- optimistic locking) and the product version. The portal read the first,
-- so every save through the form stored the row counter as the product
-- version, and logged it as a change.
--
-- The audit log tells such a save from a real one: the row counter is 1 at
-- creation and grows by one with every logged change of facts or roles, so
-- a logged "version" change whose new value is exactly the counter at that
-- moment was the form's. A system whose product version is still such a
-- value gets back the value it had before the first of them (after its
-- last real change), and the repair is logged as a change of its own.
--
-- A version typed when a system was created through the form was never
-- stored anywhere, so it cannot be recovered; those systems keep an empty
-- version.

-- +goose Up
-- +goose StatementBegin
WITH entries AS (
    SELECT a.seq, a.object_id::bigint AS system_id, a.action, a.changes,
           1 + count(*) FILTER (WHERE a.action IN ('system.updated', 'system.role_changed'))
                   OVER (PARTITION BY a.object_id ORDER BY a.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS counter
    FROM audit_log a
    WHERE a.object_type = 'system' AND a.object_id ~ '^[0-9]+$'
      AND a.action IN ('system.created', 'system.updated', 'system.role_changed')
),
versions AS (
    SELECT system_id, seq,
           changes -> 'version' ->> 'before' AS before,
           changes -> 'version' ->> 'after' AS after,
           changes -> 'version' ->> 'after' = counter::text AS forged
    FROM entries
    WHERE action = 'system.updated' AND jsonb_typeof(changes -> 'version') = 'object'
),
latest AS (
    SELECT DISTINCT ON (system_id) system_id, after, forged FROM versions ORDER BY system_id, seq DESC
),
last_real AS (
    SELECT system_id, max(seq) AS seq FROM versions WHERE NOT forged GROUP BY system_id
),
restore AS (
    SELECT DISTINCT ON (v.system_id) v.system_id, COALESCE(v.before, '') AS version, l.after AS forged_version
    FROM versions v
    JOIN latest l ON l.system_id = v.system_id AND l.forged
    LEFT JOIN last_real r ON r.system_id = v.system_id
    WHERE v.forged AND (r.seq IS NULL OR v.seq > r.seq)
    ORDER BY v.system_id, v.seq
),
repaired AS (
    UPDATE systems s SET version = r.version, row_version = s.row_version + 1, updated_at = now()
    FROM restore r
    WHERE s.id = r.system_id AND s.version = r.forged_version
    RETURNING s.id, r.forged_version, r.version
)
INSERT INTO audit_log (actor_id, action, object_type, object_id, changes, request_id)
SELECT NULL, 'system.corrected', 'system', id::text,
       jsonb_build_object('version', jsonb_build_object('before', forged_version, 'after', version),
                          'reason', 'Produktversionen återställd: systemformuläret hade sparat ett internt versionsnummer som produktversion.'),
       'migration-00028'
FROM repaired
ORDER BY id;
-- +goose StatementEnd

-- +goose Down
-- The repair is logged; undoing it would store the wrong versions again.
SELECT 1;
