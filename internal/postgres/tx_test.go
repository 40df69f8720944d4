package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// TestStoreErrorsNameTheOperation: a failure of the store says which
// operation failed (and keeps its cause reachable), while the portal's own
// errors come back exactly as they were made, and an unreachable database
// is still Unavailable.
func TestStoreErrorsNameTheOperation(t *testing.T) {
	ctx := context.Background()
	db := testkit.NewDB(t)
	var personID int64
	if err := db.OwnerPool(t).QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Ada Admin', 'ada@example.lillaedet.se') RETURNING id`).Scan(&personID); err != nil {
		t.Fatal(err)
	}
	admin := &portal.Actor{PersonID: personID, Name: "Ada Admin", Roles: []portal.Role{portal.RoleAdmin}}
	pool := db.Pool(t)
	deps := postgres.NewDepartmentService(pool)

	t.Run("a statement fails inside the transaction", func(t *testing.T) {
		// The uploads table accepts only the purposes it knows.
		_, err := postgres.NewUploadService(pool).Store(ctx, admin, "no_such_purpose", "a.csv", []byte("x"))
		if err == nil || !strings.HasPrefix(err.Error(), "store upload for no_such_purpose: ") {
			t.Fatalf("err = %v, want it to name the operation", err)
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Fatalf("err = %v, want the check violation reachable", err)
		}
		if portal.KindOf(err) != portal.KindInternal || portal.MessageOf(err) != "" {
			t.Fatalf("kind %v, message %q: a store failure is internal", portal.KindOf(err), portal.MessageOf(err))
		}
	})

	t.Run("the transaction cannot begin", func(t *testing.T) {
		closed, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: db.URL})
		if err != nil {
			t.Fatal(err)
		}
		closed.Close()
		err = postgres.NewRequestService(closed, nil, "").Decide(ctx, admin, 42, portal.ActionGrant, "", "req")
		if err == nil || !strings.HasPrefix(err.Error(), "decide case 42: ") {
			t.Fatalf("err = %v, want it to name the operation", err)
		}
		_, err = postgres.NewDepartmentService(closed).Save(ctx, admin, portal.Department{Name: "Miljöförvaltningen", ShortName: "MF"}, "req")
		if err == nil || !strings.HasPrefix(err.Error(), `save department "Miljöförvaltningen": `) {
			t.Fatalf("err = %v, want it to name the operation", err)
		}
	})

	t.Run("domain errors are not wrapped", func(t *testing.T) {
		for _, c := range []struct {
			name string
			err  error
			kind portal.Kind
			msg  string
		}{
			{"refused before the transaction", func() error {
				_, err := deps.Save(ctx, &portal.Actor{PersonID: personID}, portal.Department{Name: "Miljöförvaltningen", ShortName: "MF"}, "req")
				return err
			}(), portal.KindForbidden, "Bara administratörer hanterar förvaltningar."},
			{"not found inside a read", func() error {
				_, err := deps.Get(ctx, admin, 999999)
				return err
			}(), portal.KindNotFound, "Förvaltningen finns inte."},
			{"refused inside the transaction", func() error {
				_, err := deps.Save(ctx, admin, portal.Department{ID: 999999, Name: "Miljöförvaltningen", ShortName: "MF"}, "req")
				return err
			}(), portal.KindNotFound, "Förvaltningen finns inte."},
			{"a unique violation told as invalid input", func() error {
				if _, err := deps.Save(ctx, admin, portal.Department{Name: "Socialförvaltningen", ShortName: "SOC"}, "req"); err != nil {
					t.Fatal(err)
				}
				_, err := deps.Save(ctx, admin, portal.Department{Name: "Socialförvaltningen", ShortName: "SOC2"}, "req")
				return err
			}(), portal.KindInvalid, "Namnet finns redan."},
		} {
			if portal.KindOf(c.err) != c.kind || c.err.Error() != c.msg || portal.MessageOf(c.err) != c.msg {
				t.Errorf("%s: err = %v (kind %v), want %q (kind %v) as it is", c.name, c.err, portal.KindOf(c.err), c.msg, c.kind)
			}
		}
	})

	t.Run("an unreachable database is unavailable", func(t *testing.T) {
		down, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: "postgres://nobody@127.0.0.1:1/none?sslmode=disable"})
		if err != nil {
			t.Fatal(err)
		}
		defer down.Close()
		_, err = postgres.NewDepartmentService(down).Save(ctx, admin, portal.Department{Name: "Miljöförvaltningen", ShortName: "MF"}, "req")
		const msg = "Tjänsten är tillfälligt otillgänglig."
		if portal.KindOf(err) != portal.KindUnavailable || portal.MessageOf(err) != msg || !strings.HasPrefix(err.Error(), msg) {
			t.Fatalf("err = %v (kind %v), want Unavailable, not wrapped", err, portal.KindOf(err))
		}
	})
}
