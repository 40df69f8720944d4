package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAPISystems(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	for i := range 7 {
		if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, lifecycle) VALUES ($1, 'i_drift')`, "Ärende "+string(rune('A'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, lifecycle) VALUES ('<script>alert(1)</script>', 'planerad')`); err != nil {
		t.Fatal(err)
	}
	// Anonymous: 401 with a problem document.
	resp := h.Browser().Get("/api/v1/systems")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("anonymous: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	b := h.SignedIn(employee)
	type page struct {
		Systems []struct {
			ID    int64  `json:"id"`
			Name  string `json:"name"`
			URL   string `json:"url"`
			Label string `json:"lifecycle_label"`
		} `json:"systems"`
		NextCursor *string `json:"next_cursor"`
	}
	var names []string
	cursor := ""
	for range 10 {
		resp := b.Get("/api/v1/systems?limit=3&livscykel=i_drift&cursor=" + url.QueryEscape(cursor))
		if resp.StatusCode != 200 {
			t.Fatalf("api: %d %s", resp.StatusCode, resp.Body)
		}
		var p page
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Systems {
			names = append(names, s.Name)
			if !strings.HasPrefix(s.URL, h.URL+"/system/") || s.Label != "I drift" {
				t.Errorf("system %+v", s)
			}
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if strings.Join(names, ",") != "Ärende A,Ärende B,Ärende C,Ärende D,Ärende E,Ärende F,Ärende G" {
		t.Errorf("paged through %q", names)
	}
	// One system, hostile name escaped for any HTML consumer.
	var id int64
	_ = h.Pool.QueryRow(ctx, `SELECT id FROM systems WHERE lifecycle = 'planerad'`).Scan(&id)
	resp = b.Get("/api/v1/systems/" + itoa(id))
	if resp.StatusCode != 200 || strings.Contains(resp.Body, "<script>") || !strings.Contains(resp.Body, `\u003cscript\u003e`) {
		t.Errorf("one system: %d %s", resp.StatusCode, resp.Body)
	}
	var one map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &one)
	if roles, ok := one["roles"].(map[string]any); !ok || roles["administrator"] != nil {
		t.Errorf("roles: %v", one["roles"])
	}
	// Errors are problem details.
	for path, status := range map[string]int{"/api/v1/systems/999999": 404, "/api/v1/systems?cursor=!!!": 400, "/api/v1/systems?cursor=bm9wZQ": 400} {
		resp := b.Get(path)
		if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(resp.Body, `"status":`) {
			t.Errorf("%s: %d %q %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
		}
	}
}
