package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"itportal/internal/testkit"
)

// TestAdminJobsShowsAndRetriesFailures: a job given up after its last
// attempt is listed with its (escaped) error; "Försök igen" queues it.
func TestAdminJobsShowsAndRetriesFailures(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var id int64
	if err := h.Owner.QueryRow(ctx, `
		INSERT INTO river_job (args, kind, max_attempts, state, errors, attempt, attempted_at, finalized_at, queue, priority)
		VALUES ('{"topic":"system.role_changed"}', 'notify', 25, 'discarded',
			ARRAY['{"error":"<script>alert(1)</script> 451 try again later","attempt":25,"at":"2026-11-01T10:00:00Z"}'::jsonb], 25, now(), now(), 'default', 1)
		RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	adm := h.SignedIn(admin)
	var page testkit.Response
	if _, err := h.Owner.Exec(ctx, `INSERT INTO river_job (args, kind, max_attempts, state, queue, priority) SELECT '{"topic":"x"}', 'notify', 25, 'available', 'default', 1 FROM generate_series(1, 95)`); err != nil {
		t.Fatal(err)
	}
	// A batch for 40 people, paused for the rate after 15 mails: 25 left.
	var batch int64
	if err := h.Owner.QueryRow(ctx, `
		INSERT INTO river_job (args, kind, max_attempts, state, queue, priority, scheduled_at)
		VALUES (jsonb_build_object('topic', 'document.acknowledge', 'person_ids', (SELECT jsonb_agg(g) FROM generate_series(1, 40) g)),
			'notify', 25, 'scheduled', 'notify', 1, now() + interval '1 minute')
		RETURNING id`).Scan(&batch); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO mail_log (idempotency_key, job_id, recipient, subject)
		SELECT $1::bigint || ':a' || g || '@example.lillaedet.se', $1::bigint, 'a' || g || '@example.lillaedet.se', 'Att kvittera' FROM generate_series(1, 15) g`, batch); err != nil {
		t.Fatal(err)
	}
	page = adm.Get("/admin/jobb")
	if !strings.Contains(page.Body, "120 aviseringar väntar") || !strings.Contains(page.Body, "minst 4 minuter") {
		t.Errorf("backlog not shown against the rate:\n%s", page.Body)
	}
	if page.StatusCode != 200 || !strings.Contains(page.Body, "451 try again later") || !strings.Contains(page.Body, "Gav upp") ||
		!strings.Contains(page.Body, "Avisering") || strings.Contains(page.Body, "system.role_changed") {
		t.Fatalf("jobs page: %d\n%s", page.StatusCode, page.Body)
	}
	testkit.AssertInert(t, "jobs page", page.Body)
	if resp := adm.Post("/admin/jobb/"+itoa(id)+"/forsok-igen", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d\n%s", resp.StatusCode, resp.Body)
	}
	var state string
	_ = h.Owner.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&state)
	if state != "available" {
		t.Errorf("after retry: %s", state)
	}
}

// TestHandelserOnTheStartPage: what a person was told is listed on the
// start page with a link within the portal, inert whatever the subject.
func TestHandelserOnTheStartPage(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)
	if _, err := h.Owner.Exec(context.Background(), `
		INSERT INTO notifications (person_id, job_id, subject, link)
		SELECT id, 1, 'Ärende IT 2026/0001 är beslutat: <img src=x onerror=alert(1)>', 'https://annan.example/arenden/1'
		FROM people WHERE email = $1`, employee.Email); err != nil {
		t.Fatal(err)
	}
	page := emp.Get("/")
	if !strings.Contains(page.Body, "Händelser") || !strings.Contains(page.Body, `href="/arenden/1"`) || !strings.Contains(page.Body, "IT 2026/0001 är beslutat") {
		t.Fatalf("start page:\n%s", page.Body)
	}
	testkit.AssertInert(t, "start page with Händelser", page.Body)
}
