package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
)

var (
	listedNumber = regexp.MustCompile(`<td[^>]*>(IT 20\d\d/\d{4})</td>`)
	homeWaiting  = regexp.MustCompile(`data-testid="home-waiting"><a href="[^"]*">(\d+|Inga) ärenden? väntar på dig`)
)

// listedNumbers are the case numbers of a list page, in its order.
func listedNumbers(body string) []string {
	var out []string
	for _, m := range listedNumber.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// homeCount is the start page's "N ärenden väntar på dig" (0 for "Inga").
func homeCount(t *testing.T, body string) string {
	t.Helper()
	m := homeWaiting.FindStringSubmatch(body)
	if m == nil {
		return "0"
	}
	if m[1] == "Inga" {
		return "0"
	}
	return m[1]
}

// TestWorkQueueAssignSortSearch: IT-enheten's work queue shows each
// case's handläggare, age, due date (overdue marked) and whether it waits
// on the viewer; "Tilldela mig" takes a case (a stale take-over is refused,
// someone else's case cannot be released, an employee cannot take one),
// sorting by a column and free-text search narrow and order the rows, a
// bad sortera= is explained beside the filter, and the start page's "N
// ärenden väntar på dig" is exactly the rows marked as the viewer's.
func TestWorkQueueAssignSortSearch(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	emp, it, head := h.SignedIn(employee), h.SignedIn(itUnit), h.SignedIn(itHead)

	var paths []string
	for _, name := range []string{"Bokningssystemet", "Arkivsystemet", "Cykelplanen"} {
		form := introductionForm(h, t, name)
		form.Set("title", "Införa "+name)
		paths = append(paths, fileCase(t, emp, "inforande", form))
	}
	numbers := map[string]string{}
	for _, p := range paths {
		numbers[p] = regexp.MustCompile(`IT 20\d\d/\d{4}`).FindString(emp.Get(p).Body)
	}
	// The first case was submitted 40 days ago: past its 30 days.
	if _, err := h.Owner.Exec(ctx, `UPDATE requests SET submitted_at = now() - interval '40 days' WHERE id = $1`, strings.TrimPrefix(paths[0], "/arenden/")); err != nil {
		t.Fatal(err)
	}

	q := it.Get("/arenden?vy=ko")
	if got := listedNumbers(q.Body); len(got) != 3 || got[0] != numbers[paths[0]] {
		t.Fatalf("queue, oldest first: %v\n%s", got, q.Body)
	}
	if n := strings.Count(q.Body, `data-testid="overdue"`); n != 1 {
		t.Errorf("%d cases marked overdue, want 1", n)
	}
	due := portal.DateOf(time.Now().Add(-40*24*time.Hour)).AddDate(0, 0, 30).Format(time.DateOnly)
	if !strings.Contains(q.Body, due) || !strings.Contains(q.Body, "40 dagar") {
		t.Errorf("queue lacks the due date %s or the age of the old case", due)
	}
	if n := strings.Count(q.Body, `data-testid="waits-on-me"`); n != 3 || !strings.Contains(q.Body, "3 ärenden väntar på dig") {
		t.Errorf("IT-enheten: %d rows marked as theirs", n)
	}

	// Tilldela mig.
	page := it.Get(paths[1])
	if !strings.Contains(page.Body, "Tilldela mig") || !strings.Contains(page.Body, `name="nuvarande" value="0"`) {
		t.Fatalf("no Tilldela mig on the case page:\n%s", page.Body)
	}
	if resp := emp.Post(paths[1]+"/handlaggare", url.Values{"atgard": {"tilldela"}, "nuvarande": {"0"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee taking a case: %d", resp.StatusCode)
	}
	if resp := it.Post(paths[1]+"/handlaggare", url.Values{"atgard": {"tilldela"}, "nuvarande": {"0"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", resp.StatusCode, resp.Body)
	}
	page = it.Get(paths[1])
	if !strings.Contains(page.Body, `data-testid="assignee">Mats Lindqvist`) || !strings.Contains(page.Body, "Släpp ärendet") {
		t.Errorf("case page after assignment:\n%s", page.Body)
	}
	// The IT head, with a page from before, is told who has it; nothing changes.
	stale := head.Post(paths[1]+"/handlaggare", url.Values{"atgard": {"tilldela"}, "nuvarande": {"0"}})
	if stale.StatusCode != http.StatusConflict || !strings.Contains(stale.Body, "har just tilldelats Mats Lindqvist") {
		t.Errorf("stale take-over: %d\n%s", stale.StatusCode, stale.Body)
	}
	if resp := head.Post(paths[1]+"/handlaggare", url.Values{"atgard": {"slapp"}, "nuvarande": {itoa(personID(t, h, itUnit.Email))}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("releasing another's case: %d", resp.StatusCode)
	}
	if resp := it.Post(paths[1]+"/handlaggare", url.Values{"atgard": {"ta"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown step: %d", resp.StatusCode)
	}
	var audited int
	if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'request.assigned' AND object_id = $1`, strings.TrimPrefix(paths[1], "/arenden/")).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit rows of the assignment: %d %v", audited, err)
	}

	// The queue shows the handläggare; the IT head no longer has that case.
	q = it.Get("/arenden?vy=ko")
	if !strings.Contains(q.Body, "<td>Mats Lindqvist</td>") {
		t.Errorf("queue lacks the handläggare")
	}
	for _, b := range []struct {
		name string
		view string
		want int
	}{{"IT-enheten", "ko", 3}, {"chefen", "ko", 2}} {
		br := it
		if b.name == "chefen" {
			br = head
		}
		list := br.Get("/arenden?vy=" + b.view)
		marked := strings.Count(list.Body, `data-testid="waits-on-me"`)
		if marked != b.want {
			t.Errorf("%s: %d rows marked, want %d", b.name, marked, b.want)
		}
		if got := homeCount(t, br.Get("/").Body); got != itoa(int64(marked)) {
			t.Errorf("%s: start page says %s, the queue marks %d", b.name, got, marked)
		}
	}
	// A komplettering waits on the requester: marked in Mina ärenden and counted on their start page.
	if resp := it.Post(paths[2]+"/steg", url.Values{"atgard": {"begar"}, "comment": {"Vilka licenser?"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask for completion: %d", resp.StatusCode)
	}
	mine := emp.Get("/arenden?vy=mina")
	if n := strings.Count(mine.Body, `data-testid="waits-on-me"`); n != 1 || homeCount(t, emp.Get("/").Body) != "1" {
		t.Errorf("requester: %d rows marked, start page %s", n, homeCount(t, emp.Get("/").Body))
	}
	if got := homeCount(t, it.Get("/").Body); got != "2" || strings.Count(it.Get("/arenden?vy=ko").Body, `data-testid="waits-on-me"`) != 2 {
		t.Errorf("IT-enheten after the komplettering: start page %s", got)
	}

	// Release.
	if resp := it.Post(paths[1]+"/handlaggare", url.Values{"atgard": {"slapp"}, "nuvarande": {itoa(personID(t, h, itUnit.Email))}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("release: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := it.Get(paths[1]); !strings.Contains(page.Body, `data-testid="assignee">ingen ännu`) {
		t.Errorf("released case still has a handläggare")
	}

	// Sorting by a column: links in the headers, aria-sort on the current one.
	byTitle := it.Get("/arenden?vy=ko&sortera=rubrik")
	if got := listedNumbers(byTitle.Body); strings.Join(got, ",") != strings.Join([]string{numbers[paths[1]], numbers[paths[0]], numbers[paths[2]]}, ",") {
		t.Errorf("sorted by title: %v", got)
	}
	if !strings.Contains(byTitle.Body, `aria-sort="ascending"><a href="/arenden?sortera=rubrik-fallande&amp;vy=ko"`) {
		t.Errorf("the sorted column's heading:\n%s", byTitle.Body)
	}
	if got := listedNumbers(it.Get("/arenden?vy=ko&sortera=rubrik-fallande").Body); len(got) != 3 || got[0] != numbers[paths[2]] {
		t.Errorf("sorted by title, descending: %v", got)
	}
	if got := listedNumbers(it.Get("/arenden?vy=ko&sortera=forfaller").Body); len(got) != 3 || got[0] != numbers[paths[0]] {
		t.Errorf("sorted by due date: %v", got)
	}
	bad := it.Get("/arenden?vy=ko&sortera=pris")
	if bad.StatusCode != http.StatusBadRequest || !strings.Contains(bad.Body, `id="sortera"`) || !strings.Contains(bad.Body, "Sortering: Okänt värde ”pris”") || len(listedNumbers(bad.Body)) != 3 {
		t.Errorf("bad sortera: %d\n%s", bad.StatusCode, bad.Body)
	}

	// Free-text search over number, title and system name.
	for query, want := range map[string]string{"arkiv": numbers[paths[1]], strings.TrimPrefix(numbers[paths[2]], "IT "): numbers[paths[2]], "Cykelplanen": numbers[paths[2]]} {
		got := listedNumbers(it.Get("/arenden?vy=ko&q=" + url.QueryEscape(query)).Body)
		if len(got) != 1 || got[0] != want {
			t.Errorf("search %q: %v, want %s", query, got, want)
		}
	}
	if none := it.Get("/arenden?vy=ko&q=" + url.QueryEscape("100%_")); none.StatusCode != http.StatusOK || len(listedNumbers(none.Body)) != 0 || !strings.Contains(none.Body, "Inga ärenden matchar") {
		t.Errorf("search with LIKE characters: %d", none.StatusCode)
	}
}

func personID(t *testing.T, h *portaltest.Portal, email string) int64 {
	t.Helper()
	var id int64
	if err := h.Owner.QueryRow(context.Background(), `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestWorkQueueInTheMenu: those who handle cases find Arbetskö in the
// menu, marked as the current page on the queue; an employee has no such
// item (the queue is not theirs).
func TestWorkQueueInTheMenu(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)
	if home := it.Get("/"); !strings.Contains(home.Body, `<a href="/arenden?vy=ko">Arbetskö</a>`) {
		t.Errorf("IT-enheten's menu lacks Arbetskö")
	}
	if q := it.Get("/arenden?vy=ko"); !strings.Contains(q.Body, `<a href="/arenden?vy=ko" aria-current="page">Arbetskö</a>`) {
		t.Errorf("Arbetskö is not the current menu item on the queue")
	}
	if home := h.SignedIn(employee).Get("/"); strings.Contains(home.Body, "Arbetskö") {
		t.Errorf("an employee's menu offers Arbetskö")
	}
}
