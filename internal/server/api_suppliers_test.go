package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestAPISuppliersAndContractsPage: /api/v1/suppliers and
// /api/v1/contracts page 50 at a time in name order with a cursor, every
// row once; a contract carries its current term's end and its next notice
// date as the domain computes them; a supplier's document lists the
// systems it delivers; a forged cursor is a 400 problem and anonymous a
// 401.
func TestAPISuppliersAndContractsPage(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO suppliers (name, normalised_name, org_number)
		SELECT 'Leverantör ' || lpad(g::text, 3, '0'), 'leverantör ' || lpad(g::text, 3, '0'), '556' || lpad(g::text, 3, '0') || '-0000'
		FROM generate_series(1, 60) g`); err != nil {
		t.Fatal(err)
	}
	h.SignedIn(itUnit).Get("/") // the IT unit's person exists
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO contracts (name, supplier_id, procurement, start_on, initial_months, notice_months, renewal_months, department_id, responsible_id)
		SELECT 'Avtal ' || lpad(g::text, 3, '0'), (SELECT min(id) FROM suppliers), 'lou', DATE '2099-01-01', 24, 6, 12,
		       (SELECT min(id) FROM departments), (SELECT min(id) FROM people)
		FROM generate_series(1, 55) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, lifecycle, supplier, supplier_id) SELECT 'Lönesystem', 'i_drift', 'Lev 1', min(id) FROM suppliers`); err != nil {
		t.Fatal(err)
	}
	if resp := h.Browser().Get("/api/v1/suppliers"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
	b := h.SignedIn(employee)
	if resp := b.Get("/api/v1/contracts?cursor=%21%21"); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a forged cursor: %d", resp.StatusCode)
	}
	type item struct {
		ID             int64   `json:"id"`
		Name           string  `json:"name"`
		CurrentTermEnd string  `json:"current_term_end"`
		NextNoticeDate *string `json:"next_notice_date"`
		Active         bool    `json:"active"`
	}
	walk := func(path, key string) ([]item, int) {
		var all []item
		pages, cursor := 0, ""
		for {
			u := path
			if cursor != "" {
				u += "?cursor=" + url.QueryEscape(cursor)
			}
			resp := b.Get(u)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d\n%s", u, resp.StatusCode, resp.Body)
			}
			var page map[string]json.RawMessage
			var rows []item
			var next *string
			if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(page[key], &rows); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(page["next_cursor"], &next)
			pages++
			if pages == 1 && len(rows) != 50 {
				t.Errorf("%s: the first page has %d rows, want 50", path, len(rows))
			}
			all = append(all, rows...)
			if next == nil {
				return all, pages
			}
			cursor = *next
		}
	}
	suppliers, pages := walk("/api/v1/suppliers", "suppliers")
	if len(suppliers) != 60 || pages != 2 || suppliers[0].Name != "Leverantör 001" || suppliers[59].Name != "Leverantör 060" {
		t.Errorf("suppliers: %d in %d pages", len(suppliers), pages)
	}
	contracts, pages := walk("/api/v1/contracts", "contracts")
	if len(contracts) != 55 || pages != 2 {
		t.Fatalf("contracts: %d in %d pages", len(contracts), pages)
	}
	seen := map[int64]bool{}
	for i, c := range contracts {
		if seen[c.ID] || (i > 0 && c.Name < contracts[i-1].Name) {
			t.Errorf("contract %q twice or out of name order", c.Name)
		}
		seen[c.ID] = true
	}
	if c := contracts[0]; c.CurrentTermEnd != "2100-12-31" || c.NextNoticeDate == nil || *c.NextNoticeDate != "2100-06-30" || c.Active {
		t.Errorf("a contract's dates: %+v", c)
	}
	var one struct {
		Name           string  `json:"name"`
		NextNoticeDate *string `json:"next_notice_date"`
		Systems        []any   `json:"systems"`
	}
	resp := b.Get("/api/v1/contracts/" + itoa(contracts[0].ID))
	if err := json.Unmarshal([]byte(resp.Body), &one); err != nil || resp.StatusCode != 200 || one.Name != "Avtal 001" || one.NextNoticeDate == nil {
		t.Errorf("one contract: %d %v %+v", resp.StatusCode, err, one)
	}
	var sup struct {
		Systems []struct {
			Name string `json:"name"`
		} `json:"systems"`
		Contracts []item `json:"contracts"`
	}
	resp = b.Get("/api/v1/suppliers/" + itoa(suppliers[0].ID))
	if err := json.Unmarshal([]byte(resp.Body), &sup); err != nil || len(sup.Systems) != 1 || sup.Systems[0].Name != "Lönesystem" || len(sup.Contracts) != 55 {
		t.Errorf("one supplier: %d %v systems %d contracts %d", resp.StatusCode, err, len(sup.Systems), len(sup.Contracts))
	}
	if resp := b.Get("/api/v1/suppliers/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a supplier that does not exist: %d", resp.StatusCode)
	}
}
