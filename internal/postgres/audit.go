package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ActorID    int64          // 0 for the system itself
	Action     string         // e.g. "person.roles_changed"
	ObjectType string         // e.g. "person"
	ObjectID   string         // the object's id as text
	Changes    map[string]any // changed fields, before/after
	RequestID  string
}

// appendAudit writes an audit row inside the caller's transaction, so the
// row exists exactly when the change it describes does.
func appendAudit(ctx context.Context, tx pgx.Tx, e AuditEntry) error {
	changes := e.Changes
	if changes == nil {
		changes = map[string]any{}
	}
	var actor *int64
	if e.ActorID != 0 {
		actor = &e.ActorID
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_log (actor_id, action, object_type, object_id, changes, request_id)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		actor, e.Action, e.ObjectType, e.ObjectID, changes, e.RequestID)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditRow is an audit entry as read back.
type AuditRow struct {
	ID         int64          `db:"id"`
	At         time.Time      `db:"at"`
	ActorID    *int64         `db:"actor_id"`
	ActorName  *string        `db:"actor_name"`
	Action     string         `db:"action"`
	ObjectType string         `db:"object_type"`
	ObjectID   string         `db:"object_id"`
	Changes    map[string]any `db:"changes"`
	RequestID  string         `db:"request_id"`
}

// auditFor reads the audit trail of one object, oldest first.
func auditFor(ctx context.Context, q pgx.Tx, objectType, objectID string) ([]AuditRow, error) {
	rows, err := q.Query(ctx, auditSelect, objectType, objectID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[AuditRow])
}

// auditSelect reads an object's audit trail ($1 its type, $2 its id),
// oldest first, as AuditRows.
const auditSelect = `
	SELECT a.id, a.at, a.actor_id, p.name AS actor_name, a.action, a.object_type, a.object_id, a.changes, a.request_id
	FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id
	WHERE a.object_type = $1 AND a.object_id = $2
	ORDER BY a.id`
