package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestPagesShowChangesAtOnce: the register's list and searches, the
// departments and the signed-in person are read from PostgreSQL on every
// request. A change made through this replica shows on the very next page,
// and so does one made elsewhere (here: SQL from the test, as another
// replica would commit it).
func TestPagesShowChangesAtOnce(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	resp := it.Post("/system/ny", sysForm("Alfasystemet"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	id := idInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	for range 2 {
		if page := it.Get("/system"); !strings.Contains(page.Body, "Alfasystemet") {
			t.Fatalf("new system missing from the register:\n%s", page.Body)
		}
	}

	// A search, and the form shows each search's own term and filters.
	for range 2 {
		page := it.Get("/system?q=Alfasystemet")
		if !strings.Contains(page.Body, ">Alfasystemet</a>") || !strings.Contains(page.Body, `name="q" value="Alfasystemet"`) {
			t.Fatalf("search does not find the system:\n%s", page.Body)
		}
	}
	page := it.Get("/system?q=Alfa&livscykel=i_drift")
	if !strings.Contains(page.Body, `name="q" value="Alfa"`) || !strings.Contains(page.Body, `<option value="i_drift" selected>`) {
		t.Fatalf("the form does not show this search's term and filter:\n%s", page.Body)
	}
	if page := it.Get("/system"); strings.Contains(page.Body, `value="Alfa"`) || strings.Contains(page.Body, `<option value="i_drift" selected>`) {
		t.Fatalf("the unfiltered page shows another search's form:\n%s", page.Body)
	}

	// Another replica renames it.
	if _, err := h.Owner.Exec(ctx, `UPDATE systems SET name = 'Betasystemet' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if page := it.Get("/system?q=Alfasystemet"); strings.Contains(page.Body, ">Alfasystemet</a>") {
		t.Fatalf("a search shows the old name after a change made elsewhere:\n%s", page.Body)
	}
	if page := it.Get("/system"); !strings.Contains(page.Body, "Betasystemet") || strings.Contains(page.Body, "Alfasystemet") {
		t.Fatalf("a change made elsewhere is not shown:\n%s", page.Body)
	}

	// This replica renames it: shown at once.
	form := it.Get("/system/" + id + "/redigera")
	edit := sysForm("Gammasystemet")
	edit.Set("row_version", regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(form.Body)[1])
	if resp := it.Post("/system/"+id+"/redigera", edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := it.Get("/system"); !strings.Contains(page.Body, "Gammasystemet") || strings.Contains(page.Body, "Betasystemet") {
		t.Fatalf("this replica's own change is not shown:\n%s", page.Body)
	}

	// A new department elsewhere appears in the register's filter.
	if page := it.Get("/system"); strings.Contains(page.Body, "Miljöförvaltningen") {
		t.Fatal("department shown before it exists")
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO departments (name, short_name) VALUES ('Miljöförvaltningen', 'MIL')`); err != nil {
		t.Fatal(err)
	}
	if page := it.Get("/system"); !strings.Contains(page.Body, "Miljöförvaltningen") {
		t.Fatal("a department added elsewhere is missing from the filter")
	}

	// IT-enheten's role is taken away elsewhere: the next request is refused.
	if resp := it.Get("/system/ny"); resp.StatusCode != http.StatusOK {
		t.Fatalf("IT-enheten's form: %d", resp.StatusCode)
	}
	if _, err := h.Owner.Exec(ctx, `DELETE FROM person_roles WHERE person_id = (SELECT id FROM people WHERE email = $1)`, itUnit.Email); err != nil {
		t.Fatal(err)
	}
	if resp := it.Get("/system/ny"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a revoked role still works: %d", resp.StatusCode)
	}
}

// TestSystemBreachesFollowChanges: a system's breaches follow a change made
// elsewhere at the next view.
func TestSystemBreachesFollowChanges(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	resp := it.Post("/system/ny", sysForm("Deltasystemet"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	id := idInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	for range 2 {
		if page := it.Get("/system/" + id); !strings.Contains(page.Body, "Systemet saknar systemförvaltare") {
			t.Fatalf("the missing administrator is not shown:\n%s", page.Body)
		}
	}
	// Another replica appoints an administrator: through the portal, so
	// the breaches change with it.
	other := h.Replica()
	it2 := other.SignedIn(itUnit)
	var person int64
	_ = h.Owner.QueryRow(ctx, `SELECT min(id) FROM people`).Scan(&person)
	form := it2.Get("/system/" + id + "/roller?roll=administrator")
	version := regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(form.Body)
	if version == nil {
		t.Fatalf("role form:\n%s", form.Body)
	}
	if resp := it2.Post("/system/"+id+"/roller", url.Values{"roll": {"administrator"}, "holder": {itoa(person)}, "from": {"2025-01-01"}, "row_version": {version[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change on the other replica: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := it.Get("/system/" + id); strings.Contains(page.Body, "Systemet saknar systemförvaltare") {
		t.Fatalf("a breach fixed elsewhere is still shown:\n%s", page.Body)
	}
}
