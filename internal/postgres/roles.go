package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// PrepareRoles creates the owner, runtime and app roles and the database
// (when missing) on a cluster where conn is a superuser: what an operator
// does once by hand in production (docs/operations.md), done for `itportal
// dev` and the tests. The owner runs migrations; the app role logs in and
// holds only what itportal_runtime is granted.
func PrepareRoles(ctx context.Context, conn *pgx.Conn, database string) error {
	stmts := []string{
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itportal_runtime') THEN CREATE ROLE itportal_runtime NOLOGIN; END IF;
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itportal_owner') THEN CREATE ROLE itportal_owner LOGIN; END IF;
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itportal_app') THEN CREATE ROLE itportal_app LOGIN IN ROLE itportal_runtime; END IF;
		END $$`,
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return err
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, database).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		// CREATE DATABASE takes no parameters; the name is a constant here.
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{database}.Sanitize()+` OWNER itportal_owner`); err != nil {
			return err
		}
	}
	return nil
}
