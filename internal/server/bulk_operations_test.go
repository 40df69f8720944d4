package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBulkChangeOfOperations: IT-enheten chooses systems on the register
// list and gives them a new driftsansvarig. The first POST lists each
// system's old → new and changes nothing; the confirmed one changes each
// (one audit entry and one R3 notification per change, the system that
// already had the operator left as it is). No system chosen, an unknown
// system or a bad date gives a Swedish message on the form, the chosen
// systems still chosen, and nothing changed. Others see no checkboxes.
func TestBulkChangeOfOperations(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	ids := map[string]int64{}
	for _, name := range []string{"Treserva", "Procapita", "Visma Lön"} {
		var id int64
		if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle) VALUES ($1, 'i_drift') RETURNING id`, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, operator, valid) VALUES
		($1, 'operations', 'IT-enheten', '[2024-01-01,)'), ($2, 'operations', 'CGI', '[2024-01-01,)')`, ids["Treserva"], ids["Visma Lön"]); err != nil {
		t.Fatal(err)
	}
	count := func(sql string, args ...any) int {
		var n int
		if err := h.Owner.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	changes := func() int {
		return count(`SELECT count(*) FROM audit_log WHERE action = 'system.role_changed'`)
	}
	notices := func() int { return count(`SELECT count(*) FROM river_job WHERE kind = 'notify_role_change'`) }
	operator := func(name string) string {
		var op string
		_ = h.Owner.QueryRow(ctx, `SELECT COALESCE(operator, '') FROM role_assignments WHERE system_id = $1 AND role = 'operations' AND valid @> current_date`, ids[name]).Scan(&op)
		return op
	}

	it := h.SignedIn(itUnit)
	list := it.Get("/system")
	if !strings.Contains(list.Body, `data-testid="bulk-operations"`) || !strings.Contains(list.Body, `name="system" value="`+itoa(ids["Procapita"])+`"`) ||
		!strings.Contains(list.Body, "Byt driftsansvarig för valda system") {
		t.Fatalf("IT-enheten's register has no bulk change:\n%s", list.Body)
	}
	emp := h.SignedIn(employee)
	if body := emp.Get("/system").Body; strings.Contains(body, `data-testid="bulk-operations"`) || strings.Contains(body, `name="system"`) {
		t.Error("an employee is offered the bulk change")
	}
	if resp := emp.Post("/system/byt-driftsansvarig", url.Values{"system": {itoa(ids["Treserva"])}, "driftsansvarig": {"Tieto"}, "from": {"2026-01-01"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's bulk change: %d", resp.StatusCode)
	}

	all := []string{itoa(ids["Treserva"]), itoa(ids["Procapita"]), itoa(ids["Visma Lön"])}
	before, sent := changes(), notices()
	for _, bad := range []struct {
		name, want string
		form       url.Values
	}{
		{"no system", "Välj minst ett system i listan.", url.Values{"driftsansvarig": {"CGI"}, "from": {"2026-01-01"}}},
		{"unknown system", "Ett av de valda systemen finns inte", url.Values{"system": {all[0], "999999"}, "driftsansvarig": {"CGI"}, "from": {"2026-01-01"}}},
		{"not a number", "Ett av de valda systemen finns inte", url.Values{"system": {all[0], "1; DROP TABLE systems"}, "driftsansvarig": {"CGI"}, "from": {"2026-01-01"}}},
		{"date format", "Ange datumet som 2025-03-01.", url.Values{"system": {all[0]}, "driftsansvarig": {"CGI"}, "from": {"1/1 2026"}}},
		{"no operator", "Ange IT-enheten eller leverantörens namn", url.Values{"system": {all[0]}, "driftsansvarig": {"  "}, "from": {"2026-01-01"}}},
	} {
		for _, confirmed := range []string{"", "ja"} {
			f := url.Values{}
			for k, v := range bad.form {
				f[k] = v
			}
			if confirmed != "" {
				f.Set("bekraftad", confirmed)
			}
			resp := it.Post("/system/byt-driftsansvarig", f)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, bad.want) || !strings.Contains(resp.Body, `class="error-summary"`) {
				t.Errorf("%s (bekraftad=%q): %d, want 422 with %q\n%s", bad.name, confirmed, resp.StatusCode, bad.want, resp.Body)
			}
			if len(bad.form["system"]) > 0 && !strings.Contains(resp.Body, `value="`+all[0]+`" checked`) {
				t.Errorf("%s: the chosen system is not kept chosen", bad.name)
			}
		}
	}
	if changes() != before || notices() != sent || operator("Treserva") != "IT-enheten" {
		t.Fatalf("bad input changed something: %d role changes, %d notices, Treserva %q", changes()-before, notices()-sent, operator("Treserva"))
	}

	// The confirmation lists old → new and changes nothing.
	form := url.Values{"system": all, "driftsansvarig": {"CGI"}, "from": {"2026-01-01"}, "appointed_by": {"Chefen för IT-enheten"}}
	ask := it.Post("/system/byt-driftsansvarig", form)
	for _, want := range []string{"Är du säker?", "Byt driftsansvarig för 2 system", "Treserva: IT-enheten → CGI", "Procapita: ingen driftsansvarig → CGI",
		"Har redan CGI och ändras inte: Visma Lön.", "Beslutat av: Chefen för IT-enheten."} {
		if !strings.Contains(ask.Body, want) {
			t.Errorf("the confirmation lacks %q", want)
		}
	}
	if changes() != before || operator("Treserva") != "IT-enheten" {
		t.Fatal("the first POST changed roles")
	}
	resp := confirmThenPost(t, it, "/system/byt-driftsansvarig", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/system" {
		t.Fatalf("confirmed: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	if body := it.Get("/system").Body; !strings.Contains(body, "CGI är nu driftsansvarig för 2 system från 2026-01-01.") {
		t.Errorf("no message saying what changed:\n%s", body)
	}
	for _, name := range []string{"Treserva", "Procapita", "Visma Lön"} {
		if op := operator(name); op != "CGI" {
			t.Errorf("%s: driftsansvarig %q, want CGI", name, op)
		}
	}
	if n := changes() - before; n != 2 {
		t.Errorf("%d audit entries, want one per changed system (2)", n)
	}
	if n := notices() - sent; n != 2 {
		t.Errorf("%d R3 notifications, want one per changed system (2)", n)
	}
	if n := count(`SELECT count(*) FROM role_assignments WHERE system_id = $1 AND role = 'operations'`, ids["Visma Lön"]); n != 1 {
		t.Errorf("Visma Lön, which already had CGI, has %d operations periods, want 1", n)
	}

	// The confirmed form sent again (a second tab, a reload) changes nothing
	// and says so.
	again := url.Values{"bekraftad": {"ja"}}
	for k, v := range form {
		again[k] = v
	}
	if resp := it.Post("/system/byt-driftsansvarig", again); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the confirmed form again: %d", resp.StatusCode)
	}
	if body := it.Get("/system").Body; !strings.Contains(body, "Inget ändrades: de valda systemen har redan CGI som driftsansvarig.") {
		t.Errorf("the repeated change does not say nothing changed:\n%s", body)
	}
	if n := changes() - before; n != 2 {
		t.Errorf("the repeated change made %d audit entries in all, want still 2", n)
	}
}
