package server_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

var (
	ruleCountRe = regexp.MustCompile(`(?s)<tr data-rule="(R\d+)">.*?data-testid="rule-count">([^<]*)<.*?data-testid="rule-state"[^>]*>(?:<span aria-hidden="true">[^<]*</span>)?([^<]*)<`)
	ruleTotalRe = regexp.MustCompile(`data-testid="rule-total">([^<]*)<`)
	breachRowRe = regexp.MustCompile(`(?s)<table class="list" data-testid="breaches">.*?<tbody>(.*?)</tbody>`)
	nextPageRe  = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	fixLinkRe   = regexp.MustCompile(`<a href="([^"]+)">Åtgärda<`)
)

// glanceSeed breaks rules for the board: 60 systems of SOC without an
// administrator or operations (120 R1 breaches: three pages of 50) and a
// website of KLF off the official address, administered by the employee.
func glanceSeed(t *testing.T, h *portaltest.Portal) {
	t.Helper()
	ctx := context.Background()
	if _, err := h.Owner.Exec(ctx, `
		WITH s AS (INSERT INTO systems (name, lifecycle, introduced_before_portal)
		           SELECT 'System ' || lpad(g::text, 2, '0'), 'i_drift', true FROM generate_series(1, 60) g RETURNING id)
		INSERT INTO role_assignments (system_id, role, department_id, valid)
		SELECT s.id, 'owner', (SELECT id FROM departments WHERE short_name = 'SOC'), '[2024-01-01,)' FROM s`); err != nil {
		t.Fatal(err)
	}
	var person int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE email = $1`, employee.Email).Scan(&person)
	if _, err := h.Owner.Exec(ctx, `
		WITH s AS (INSERT INTO systems (name, lifecycle, introduced_before_portal, represents_municipality, web_address)
		           VALUES ('Besöksportalen', 'i_drift', true, true, 'http://besok.example.org/') RETURNING id)
		INSERT INTO role_assignments (system_id, role, department_id, person_id, operator, valid)
		SELECT s.id, r.role, CASE WHEN r.role = 'owner' THEN (SELECT id FROM departments WHERE short_name = 'KLF') END,
		       CASE WHEN r.role = 'administrator' THEN $1::bigint END, CASE WHEN r.role = 'operations' THEN 'IT-enheten' END, '[2024-01-01,)'
		FROM s CROSS JOIN (VALUES ('owner'), ('administrator'), ('operations')) r(role)`, person); err != nil {
		t.Fatal(err)
	}
	// A document everyone must acknowledge, acknowledged by no one: R9
	// counts people, listed one row per department.
	if _, err := h.Owner.Exec(ctx, `
		WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, audience_all, must_acknowledge)
		           VALUES ('regler-for-it-sakerhet', 'Regler för IT-säkerhet', 'regler', 'kommunchefen', true, true) RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at, published_by, created_by)
		SELECT d.id, 1, 'Text', '<p>Text</p>', repeat('a', 64), '2024-01-01', now() - interval '1 day', p.id, p.id FROM d, (SELECT min(id) AS id FROM people) p`); err != nil {
		t.Fatal(err)
	}
	h.Recompute()
}

var peopleInRowRe = regexp.MustCompile(`(\d+) medarbetare har`)

// drillRows follows a drill-down's pages without JavaScript (the pager's
// plain links) and returns every row's HTML and the pages' bodies.
func drillRows(t *testing.T, b *testkit.Browser, path string) (rows []string, pages []string) {
	t.Helper()
	for path != "" && len(pages) < 20 {
		page := b.Get(path)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, page.StatusCode)
		}
		pages = append(pages, page.Body)
		if m := breachRowRe.FindStringSubmatch(page.Body); m != nil {
			rows = append(rows, strings.Split(m[1], "<tr>")[1:]...)
		}
		path = ""
		if m := nextPageRe.FindStringSubmatch(page.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return rows, pages
}

// TestComplianceBoardAtAGlance: the board shows per rule a count in
// correct Swedish and a state tag, and not the long explanation, which is
// on the rule's page; for every rule and viewer the drill-down's count is
// the board's, its rows (page by page, 50 a page) and its download list
// that many; every Åtgärda link leads to a page the viewer may use.
func TestComplianceBoardAtAGlance(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee) // signed in first: a person the seed can name
	it, adm := h.SignedIn(itUnit), h.SignedIn(admin)
	glanceSeed(t, h)
	for _, who := range []struct {
		name   string
		b      *testkit.Browser
		counts map[string]string // rules with breaches for this viewer
	}{
		// "*": some breaches (R9 counts everyone signed in who must acknowledge).
		// R15: no system of the seed is covered by a contract (60 of SOC, 1 of KLF).
		{"IT-enheten", it, map[string]string{"R1": "120 avvikelser", "R9": "*", "R13": "1 avvikelse", "R14": "1 avvikelse", "R15": "61 avvikelser"}},
		{"administratör", adm, map[string]string{"R1": "120 avvikelser", "R9": "*", "R13": "1 avvikelse", "R14": "1 avvikelse", "R15": "61 avvikelser"}},
		{"medarbetare", emp, map[string]string{"R1": "120 avvikelser", "R9": "1 avvikelse", "R14": "–", "R15": "60 avvikelser"}},
	} {
		board := who.b.Get("/efterlevnad")
		if board.StatusCode != http.StatusOK {
			t.Fatalf("%s: board %d", who.name, board.StatusCode)
		}
		if strings.Contains(board.Body, portal.Rules[0].Checks[0].What) || strings.Contains(board.Body, `class="checks"`) {
			t.Errorf("%s: the board still lists what each rule checks", who.name)
		}
		rows := ruleCountRe.FindAllStringSubmatch(board.Body, -1)
		if len(rows) != len(portal.Rules) {
			t.Fatalf("%s: %d rule rows with a count and a state, want %d\n%s", who.name, len(rows), len(portal.Rules), board.Body)
		}
		for _, r := range rows {
			id, count, state := r[1], r[2], strings.TrimSpace(r[3])
			want, breached := who.counts[id]
			if !breached {
				want = "0 avvikelser"
			}
			if want == "*" && components(count) > 0 {
				want = count
			}
			if count != want {
				t.Errorf("%s: %s shows %q, want %q", who.name, id, count, want)
			}
			wantState := map[bool]string{true: "Avvikelser", false: "OK"}[breached]
			if count == "–" {
				wantState = "Följs upp av IT-enheten"
			}
			if state != wantState {
				t.Errorf("%s: %s's state is %q, want %q", who.name, id, state, wantState)
			}
			// The rule's own page: the same count, every row listed.
			slug := strings.ToLower(id)
			list, pages := drillRows(t, who.b, "/efterlevnad/"+slug)
			first := pages[0]
			if !strings.Contains(first, "Vad som kontrolleras") {
				t.Errorf("%s: %s's page does not say what is checked", who.name, id)
			}
			if count == "–" {
				if ruleTotalRe.MatchString(first) || len(list) != 0 {
					t.Errorf("%s: %s is not theirs to follow up, yet listed", who.name, id)
				}
				continue
			}
			total := ruleTotalRe.FindStringSubmatch(first)
			if total == nil || total[1] != count {
				t.Errorf("%s: %s's page counts %v, the board %q", who.name, id, total, count)
			}
			listed := len(list)
			if id == "R9" || id == "R10" { // rows of many people: their numbers add up
				listed = 0
				for _, row := range list {
					if m := peopleInRowRe.FindStringSubmatch(row); m != nil {
						listed += components(m[1])
					}
				}
			}
			if n := components(count); listed != n {
				t.Errorf("%s: %s lists %d over %d rows and %d pages, the board counts %d", who.name, id, listed, len(list), len(pages), n)
			}
			if count == "120 avvikelser" && (len(pages) != 3 || !strings.Contains(first, "Sida 1 av 3")) {
				t.Errorf("%s: %s has %d pages, want 3 of 50", who.name, id, len(pages))
			}
			if breached {
				exp := who.b.Get("/efterlevnad/" + slug + "/avvikelser.csv")
				cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(exp.Body, "\ufeff")))
				cr.Comma = ';'
				records, err := cr.ReadAll()
				if exp.StatusCode != http.StatusOK || err != nil {
					t.Fatalf("%s: %s download: %d %v", who.name, id, exp.StatusCode, err)
				}
				dataRows, people := 0, 0
				for _, rec := range records {
					if len(rec) > 4 && rec[0] == id {
						dataRows++
						people += components(rec[4])
					}
				}
				if dataRows != len(list) || people != components(count) {
					t.Errorf("%s: %s's download has %d rows, the pages %d", who.name, id, dataRows, len(list))
				}
				if x := who.b.Get("/efterlevnad/" + slug + "/avvikelser.xlsx"); x.StatusCode != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
					t.Errorf("%s: %s xlsx: %d", who.name, id, x.StatusCode)
				}
			}
			// Every fix offered can be used by this viewer.
			for _, body := range pages {
				for _, m := range fixLinkRe.FindAllStringSubmatch(body, -1) {
					href := html.UnescapeString(m[1])
					if got := who.b.Get(href); got.StatusCode != http.StatusOK {
						t.Errorf("%s: %s offers Åtgärda %s, which answers %d", who.name, id, href, got.StatusCode)
					}
				}
			}
		}
	}
	// Who may not change roles is not offered the role form; the
	// employee administers the website and is offered its form.
	for _, p := range []struct {
		name string
		b    *testkit.Browser
	}{{"administratör", h.SignedIn(admin)}, {"medarbetare", emp}} {
		if strings.Contains(p.b.Get("/efterlevnad/r1").Body, ">Åtgärda<") {
			t.Errorf("%s is offered Åtgärda on R1 without the right to change roles", p.name)
		}
	}
	if !strings.Contains(h.SignedIn(itUnit).Get("/efterlevnad/r1").Body, "/roller?roll=") {
		t.Error("IT-enheten is not offered the role form on R1")
	}
}

// components reads the number of "120 avvikelser".
func components(count string) int {
	n := 0
	for _, c := range count {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestComplianceHistoryChart: the board shows the last 12 months per rule
// as an SVG with a text alternative and the same numbers in a table: the
// recorded month's count, "–" where nothing was recorded, the viewer's
// department only and no municipal rule for an employee; no script.
func TestComplianceHistoryChart(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it, emp := h.SignedIn(itUnit), h.SignedIn(employee)
	if body := it.Get("/efterlevnad").Body; !strings.Contains(body, `data-testid="history-empty"`) {
		t.Errorf("before any day is recorded, the board does not say so:\n%s", body)
	}
	// Two months ago: SOC had 5 R1 breaches, KLF 2; R14 1 (municipal).
	// Last month was not recorded.
	day := portal.DateOf(h.Clock.Now()).AddDate(0, -2, 0)
	if _, err := h.Owner.Exec(ctx, `INSERT INTO compliance_history_days (day) VALUES ($1)`, day); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO compliance_history (day, check_key, department_id, n)
		VALUES ($1, 'r1_missing', (SELECT id FROM departments WHERE short_name = 'SOC'), 5),
		       ($1, 'r1_missing', (SELECT id FROM departments WHERE short_name = 'KLF'), 2),
		       ($1, 'r14_none', 0, 1)`, day); err != nil {
		t.Fatal(err)
	}
	month := []string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}[day.Month()-1] + " " + itoa(int64(day.Year()))
	cellsOf := func(body, rule string) []string {
		table := regexp.MustCompile(`(?s)data-testid="history-table">(.*?)</table>`).FindStringSubmatch(body)
		if table == nil {
			t.Fatalf("no history table:\n%s", body)
		}
		heads := regexp.MustCompile(`<th scope="col">([^<]*)</th>`).FindAllStringSubmatch(table[1], -1)
		row := regexp.MustCompile(`(?s)<tr><th scope="row">` + rule + `</th>(.*?)</tr>`).FindStringSubmatch(table[1])
		if row == nil {
			return nil
		}
		cells := regexp.MustCompile(`<td class="count">([^<]*)</td>`).FindAllStringSubmatch(row[1], -1)
		out := map[string]string{}
		for i, c := range cells {
			out[heads[i+1][1]] = c[1]
		}
		return []string{out[month], out[heads[len(heads)-2][1]], strconvLen(len(cells))}
	}
	board := it.Get("/efterlevnad")
	if !strings.Contains(board.Body, `<svg role="img" aria-labelledby="historik-titel historik-beskrivning"`) ||
		!strings.Contains(board.Body, `<title id="historik-titel">Avvikelser per regel de senaste 12 månaderna, alla förvaltningar</title>`) ||
		!strings.Contains(board.Body, "Flest avvikelser: R1 med 7 avvikelser i "+month+".") {
		t.Errorf("the chart or its text alternative is missing:\n%s", board.Body)
	}
	if got := cellsOf(board.Body, "R1"); got == nil || got[0] != "7" || got[1] != "–" || got[2] != "12" {
		t.Errorf("IT-enheten's R1 row: %v, want 7 in %s, – last month, 12 months", got, month)
	}
	if got := cellsOf(board.Body, "R14"); got == nil || got[0] != "1" {
		t.Errorf("IT-enheten's R14 row: %v", got)
	}
	if got := cellsOf(board.Body, "R2"); got == nil || got[0] != "0" {
		t.Errorf("a rule without breaches that day: %v, want 0", got)
	}
	testkit.AssertInert(t, "board with history", board.Body)
	mine := emp.Get("/efterlevnad").Body
	if got := cellsOf(mine, "R1"); got == nil || got[0] != "5" {
		t.Errorf("the employee's R1 row: %v, want SOC's 5", got)
	}
	if got := cellsOf(mine, "R14"); got != nil {
		t.Errorf("the employee sees the municipal rule's history: %v", got)
	}
}

func strconvLen(n int) string { return itoa(int64(n)) }
