package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// TestBulkReminders: IT-enheten reminds every overdue systemförvaltare
// from the start page, and a manager reminds their staff who have not
// acknowledged: each asks first (nothing enqueued by the first POST), then
// enqueues one reminder per person with one audit entry and says how many.
// Someone without the right sees no button and gets 403.
func TestBulkReminders(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	startPageData(t, h)
	asa, nils := personID(t, h, employee.Email), personID(t, h, noGroups.Email)
	jobs := func(kind string, person int64) int {
		var n int
		key := "person_id"
		if kind == "notify_ack_reminder" {
			key = "person_ids"
		}
		if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND (args->$2 = to_jsonb($3::bigint) OR args->$2 @> to_jsonb(ARRAY[$3::bigint]))`,
			kind, key, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	audited := func(action string) int {
		var n int
		_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1`, action).Scan(&n)
		return n
	}

	// IT-enheten: the overdue evaluations.
	it := h.SignedIn(itUnit)
	if !strings.Contains(it.Get("/").Body, `data-testid="remind-overdue"`) {
		t.Fatal("IT-enheten's start page has no reminder of overdue evaluations")
	}
	ask := it.Post("/utvarderingar/paminn", nil)
	if ask.StatusCode != http.StatusOK || !strings.Contains(ask.Body, "Är du säker?") || !strings.Contains(ask.Body, "1 systemförvaltare för 1 system med försenad utvärdering") {
		t.Fatalf("the confirmation: %d\n%s", ask.StatusCode, ask.Body)
	}
	if n := jobs("notify_evaluation", asa); n != 0 || audited("evaluation.overdue_reminded") != 0 {
		t.Fatalf("the first POST enqueued %d reminders", n)
	}
	if resp := confirmThenPost(t, it, "/utvarderingar/paminn", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("confirmed: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if home := it.Get("/"); !strings.Contains(home.Body, "Påminnelser skickas till 1 systemförvaltare om 1 system med försenad utvärdering.") {
		t.Errorf("no message saying how many:\n%s", home.Body)
	}
	if n := jobs("notify_evaluation", asa); n != 1 {
		t.Errorf("%d evaluation reminders to the systemförvaltare, want 1", n)
	}
	if n := audited("evaluation.overdue_reminded"); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}

	// A manager: Nils has not acknowledged, Sara has.
	emp := h.SignedIn(employee)
	home := emp.Get("/")
	if strings.Contains(home.Body, `data-testid="remind-overdue"`) {
		t.Error("an employee is offered the reminder of overdue evaluations")
	}
	if resp := emp.Post("/utvarderingar/paminn", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee reminding systemförvaltare: %d", resp.StatusCode)
	}
	if !strings.Contains(home.Body, `data-testid="remind-staff"`) {
		t.Fatalf("the manager's start page has no reminder:\n%s", section(home.Body, "home-staff"))
	}
	ask = emp.Post("/efterlevnad/kvittenser/paminn", nil)
	if ask.StatusCode != http.StatusOK || !strings.Contains(ask.Body, "skickas till 1 medarbetare i din personal") {
		t.Fatalf("the manager's confirmation: %d\n%s", ask.StatusCode, ask.Body)
	}
	if n := jobs("notify_ack_reminder", nils); n != 0 {
		t.Fatalf("the first POST enqueued %d reminders", n)
	}
	if resp := confirmThenPost(t, emp, "/efterlevnad/kvittenser/paminn", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", resp.StatusCode)
	}
	if !strings.Contains(emp.Get("/").Body, "Påminnelser skickas till 1 medarbetare i din personal.") {
		t.Error("no message saying how many were reminded")
	}
	sara := personID(t, h, portaltest.Requester.Email)
	if jobs("notify_ack_reminder", nils) != 1 || jobs("notify_ack_reminder", sara) != 0 {
		t.Errorf("reminders: Nils %d (want 1), Sara %d (want 0)", jobs("notify_ack_reminder", nils), jobs("notify_ack_reminder", sara))
	}
	if n := audited("acknowledgement.staff_reminded"); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}

	// Someone who manages nobody, and IT-enheten, may not.
	req := h.SignedIn(portaltest.Requester)
	if strings.Contains(req.Get("/").Body, `data-testid="remind-staff"`) {
		t.Error("someone who manages nobody is offered the staff reminder")
	}
	if resp := req.Post("/efterlevnad/kvittenser/paminn", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("someone who manages nobody: %d", resp.StatusCode)
	}
	if resp := it.Post("/efterlevnad/kvittenser/paminn", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("IT-enheten reminding staff it does not manage: %d", resp.StatusCode)
	}
}
