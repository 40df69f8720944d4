package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHandOverOfADepartingPerson(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	h.SignedIn(employee)
	var leaving, successor int64
	_ = h.Pool.QueryRow(ctx, `SELECT id FROM people WHERE identity_subject = 'dev-medarbetare'`).Scan(&leaving)
	if err := h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Efter Trädare', 'efter@example.lillaedet.se') RETURNING id`).Scan(&successor); err != nil {
		t.Fatal(err)
	}
	var systems []int64
	for _, name := range []string{"Alfa", "Beta", "Gamma"} {
		var id int64
		if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name) VALUES ($1) RETURNING id`, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2024-01-01,)')`, id, leaving); err != nil {
			t.Fatal(err)
		}
		systems = append(systems, id)
	}
	emp := h.SignedIn(noGroups)
	page := emp.Get("/personer/" + itoa(leaving))
	if page.StatusCode != 200 || strings.Count(page.Body, "Systemförvaltare") < 3 || strings.Contains(page.Body, "Lämna över") {
		t.Fatalf("person page for an employee: %d", page.StatusCode)
	}
	if resp := emp.Post("/personer/"+itoa(leaving)+"/overlamna", url.Values{"successor": {itoa(successor)}, "from": {"2025-06-01"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee hand-over: %d", resp.StatusCode)
	}
	it := h.SignedIn(itUnit)
	page = it.Get("/personer/" + itoa(leaving) + "?sok=Efter")
	if !strings.Contains(page.Body, `value="`+itoa(successor)+`"`) {
		t.Fatalf("successor not offered:\n%s", page.Body)
	}
	// Handing over to oneself is a field error, nothing changes.
	if resp := it.Post("/personer/"+itoa(leaving)+"/overlamna", url.Values{"successor": {itoa(leaving)}, "from": {"2025-06-01"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("hand-over to oneself: %d", resp.StatusCode)
	}
	resp := it.Post("/personer/"+itoa(leaving)+"/overlamna", url.Values{"successor": {itoa(successor)}, "from": {"2025-06-01"},
		"appointed_by": {"Socialchefen"}, "steg": {"bekrafta"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("hand-over: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := it.Get(resp.Header.Get("Location")); !strings.Contains(page.Body, "3 systemförvaltarroller är överlämnade till Efter Trädare från 2025-06-01: Alfa, Beta och Gamma.") {
		t.Errorf("the confirmation does not say what was handed over:\n%s", page.Body)
	}
	for _, id := range systems {
		var before, after int64
		_ = h.Pool.QueryRow(ctx, `SELECT person_id FROM role_assignments WHERE system_id = $1 AND valid @> '2025-05-31'::date`, id).Scan(&before)
		_ = h.Pool.QueryRow(ctx, `SELECT person_id FROM role_assignments WHERE system_id = $1 AND valid @> '2025-06-01'::date`, id).Scan(&after)
		if before != leaving || after != successor {
			t.Errorf("system %d: before %d after %d", id, before, after)
		}
	}
	var audits, jobs int
	_ = h.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'system.role_changed'`).Scan(&audits)
	_ = h.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_role_change'`).Scan(&jobs)
	if audits != 3 || jobs != 3 {
		t.Errorf("%d audit rows and %d notification jobs, want one each per system", audits, jobs)
	}
}
