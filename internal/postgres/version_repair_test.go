package postgres_test

import (
	"context"
	"testing"

	"itportal/internal/postgres"
)

// TestProductVersionsRepaired: migration 00028 gives back the product
// version that saves through the system form overwrote with the row
// counter, as the audit log shows it, logs the repair, and leaves every
// real version alone.
func TestProductVersionsRepaired(t *testing.T) {
	t.Parallel()
	db, owner := migratedTo(t, 26)
	ctx := context.Background()
	// Each system's history as the audit log has it: the row counter is 1
	// at creation and grows with every logged change of facts or roles.
	type change struct{ action, before, after string }
	systems := []struct {
		name, stored string
		history      []change
		want         string
	}{
		// Registered, an owner, a real version, then two saves by the form.
		{"Formulärsparat", "4", []change{{"system.role_changed", "", ""}, {"system.updated", "", "12.1"}, {"system.updated", "12.1", "3"}, {"system.updated", "3", "4"}}, "12.1"},
		// Only real changes ("2.0" is not the counter, 2, at that moment).
		{"Äkta", "2.0", []change{{"system.updated", "", "2.0"}}, "2.0"},
		// A form save, then a real change: the real one stands.
		{"Rättat sedan", "5.5", []change{{"system.role_changed", "", ""}, {"system.updated", "1.0", "2"}, {"system.updated", "2", "5.5"}}, "5.5"},
		// A form save, but the stored version is not what it wrote: leave it.
		{"Ändrat utanför", "7", []change{{"system.updated", "1.0", "1"}}, "7"},
	}
	ids := map[string]int64{}
	for _, s := range systems {
		var id int64
		if err := owner.QueryRow(ctx, `INSERT INTO systems (name, version) VALUES ($1, $2) RETURNING id`, s.name, s.stored).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[s.name] = id
		if _, err := owner.Exec(ctx, `INSERT INTO audit_log (action, object_type, object_id, changes) VALUES ('system.created', 'system', $1::bigint::text, '{}')`, id); err != nil {
			t.Fatal(err)
		}
		for _, c := range s.history {
			changes := map[string]any{"role": "owner"}
			if c.action == "system.updated" {
				changes = map[string]any{"version": map[string]any{"before": c.before, "after": c.after}}
			}
			if _, err := owner.Exec(ctx, `INSERT INTO audit_log (action, object_type, object_id, changes) VALUES ($1, 'system', $2::bigint::text, $3)`, c.action, id, changes); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := postgres.Migrate(ctx, db.OwnerURL, quietLog); err != nil {
		t.Fatal(err)
	}
	for _, s := range systems {
		var version string
		var corrections int
		if err := owner.QueryRow(ctx, `SELECT version, (SELECT count(*) FROM audit_log WHERE object_id = $1::bigint::text AND action = 'system.corrected') FROM systems WHERE id = $1::bigint`, ids[s.name]).Scan(&version, &corrections); err != nil {
			t.Fatal(err)
		}
		if version != s.want {
			t.Errorf("%s: version %q, want %q", s.name, version, s.want)
		}
		if want := map[bool]int{true: 1, false: 0}[s.want != s.stored]; corrections != want {
			t.Errorf("%s: %d corrections logged, want %d", s.name, corrections, want)
		}
	}
	var before, after string
	if err := owner.QueryRow(ctx, `SELECT changes->'version'->>'before', changes->'version'->>'after' FROM audit_log WHERE action = 'system.corrected'`).Scan(&before, &after); err != nil || before != "4" || after != "12.1" {
		t.Errorf("the correction logged %q → %q (%v), want 4 → 12.1", before, after, err)
	}
	report, err := postgres.NewAuditChain(owner, nil).Verify(ctx, nil)
	if err != nil || !report.OK() {
		t.Errorf("the audit chain after the repair: %+v %v", report.Problems, err)
	}
}
