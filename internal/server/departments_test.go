package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAdminManagesDepartments(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	adm := h.SignedIn(admin)
	if resp := adm.Post("/admin/forvaltningar", url.Values{"name": {""}, "short_name": {"x"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `href="#name"`) {
		t.Fatalf("empty name: %d", resp.StatusCode)
	}
	if resp := adm.Post("/admin/forvaltningar", url.Values{"name": {"socialförvaltningen"}, "short_name": {"SOC2"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "finns redan") {
		t.Errorf("duplicate name (other case): %d", resp.StatusCode)
	}
	if resp := adm.Post("/admin/forvaltningar", url.Values{"name": {"Tekniska förvaltningen"}, "short_name": {"TEK"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	var id int64
	if err := h.Pool.QueryRow(context.Background(), `SELECT id FROM departments WHERE short_name = 'TEK'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if resp := confirmThenPost(t, adm, "/admin/forvaltningar/"+itoa(id), url.Values{"name": {"Tekniska förvaltningen"}, "short_name": {"TEK"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	var active bool
	_ = h.Pool.QueryRow(context.Background(), `SELECT active FROM departments WHERE id = $1`, id).Scan(&active)
	if active {
		t.Error("not deactivated")
	}
	var audits int
	_ = h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE object_type = 'department'`).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d audit rows, want 2", audits)
	}
	// A deactivated department can no longer be chosen as an owner.
	it := h.SignedIn(itUnit)
	if page := it.Get("/system?forvaltning=" + itoa(id)); strings.Contains(page.Body, `value="`+itoa(id)+`"`) {
		t.Error("a deactivated department is offered in the register's filter")
	}
}
