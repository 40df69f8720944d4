package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

func goodEquipment() url.Values {
	return url.Values{"type": {"dator"}, "manufacturer": {"Dell"}, "model": {"Latitude 5450"}, "serial_number": {"7XK2M93"},
		"inventory_number": {"IT-2026-0042"}, "purchased_on": {"2026-03-15"}, "price": {"12 499,50"}, "life_months": {"48"},
		"location": {"Kommunhuset"}, "in_repair": {"nej"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// TestEquipmentFormRefusesBadInput: a purchase date in the future, a
// negative or absurd price, a life of no months, a duplicate serial or
// inventory number, hostile and overlong text each get a Swedish message
// on the form with the values kept, and nothing is saved; markup in free
// text is kept as text and shown escaped. A plain employee cannot add
// equipment.
func TestEquipmentFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM equipment`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if resp := h.SignedIn(employee).Post("/utrustning/ny", goodEquipment()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee adds equipment: %d", resp.StatusCode)
	}
	it := h.SignedIn(itUnit)
	tomorrow := time.Now().In(time.UTC).AddDate(0, 0, 2).Format("2006-01-02")
	for _, c := range []struct {
		what  string
		form  url.Values
		says  string
		keeps string
	}{
		{"purchase date in the future", with(goodEquipment(), "purchased_on", tomorrow), "kan inte vara i framtiden", `value="` + tomorrow + `"`},
		{"not a date", with(goodEquipment(), "purchased_on", "15/3 2026"), "ÅÅÅÅ-MM-DD", `value="15/3 2026"`},
		{"negative price", with(goodEquipment(), "price", "-500"), "kan inte vara negativt", `value="-500"`},
		{"absurd price", with(goodEquipment(), "price", "99 000 000"), "orimligt högt", `value="99 000 000"`},
		{"no life", with(goodEquipment(), "life_months", "0"), "minst 1 månad", `value="Latitude 5450"`},
		{"hostile serial number", with(goodEquipment(), "serial_number", "<script>alert(1)</script>"), "får bara innehålla", `value="&lt;script&gt;alert(1)&lt;/script&gt;"`},
		{"overlong model", with(goodEquipment(), "model", strings.Repeat("å", 201)), "högst 200 tecken", `value="7XK2M93"`},
	} {
		resp := it.Post("/utrustning/ny", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.says) || !strings.Contains(resp.Body, c.keeps) || !strings.Contains(resp.Body, "<title>Fel: ") {
			t.Errorf("%s: %d, message or values missing", c.what, resp.StatusCode)
		}
		if strings.Contains(resp.Body, "<script>alert") {
			t.Errorf("%s: markup shown unescaped", c.what)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d pieces saved from refused forms", n)
	}
	resp := it.Post("/utrustning/ny", with(goodEquipment(), "location", `<img src=x onerror=alert(1)> Hus A`))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	page := it.Get(resp.Header.Get("Location"))
	if !strings.Contains(page.Body, "&lt;img src=x") || strings.Contains(page.Body, "<img src=x") {
		t.Error("the equipment page does not show the stored location as text")
	}
	// The same serial number, type and manufacturer (in other letters'
	// case), and the same inventory number, are refused.
	resp = it.Post("/utrustning/ny", with(goodEquipment(), "serial_number", "7xk2m93", "manufacturer", "DELL", "inventory_number", "IT-2026-0043"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "samma typ och tillverkare med det serienumret") {
		t.Errorf("a duplicate serial number: %d", resp.StatusCode)
	}
	resp = it.Post("/utrustning/ny", with(goodEquipment(), "serial_number", "OTHER1", "inventory_number", "it-2026-0042"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Inventarienumret finns redan") {
		t.Errorf("a duplicate inventory number: %d", resp.StatusCode)
	}
	if n := count(); n != 1 {
		t.Errorf("%d pieces after duplicates, want 1", n)
	}
}

// TestEquipmentRentalFormRefusesBadInput: a rental with a date that is no
// date, one that overlaps the history, and one of scrapped equipment are
// refused on the equipment's page with a Swedish message, nothing saved.
func TestEquipmentRentalFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	h.SignedIn(employee) // the person who uses the piece exists once signed in
	resp := it.Post("/utrustning/ny", goodEquipment())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	href := resp.Header.Get("Location")
	var soc, buf int64
	if err := h.Owner.QueryRow(ctx, `SELECT (SELECT id FROM departments WHERE short_name = 'SOC'), (SELECT id FROM departments WHERE short_name <> 'SOC' ORDER BY id LIMIT 1)`).Scan(&soc, &buf); err != nil {
		t.Fatal(err)
	}
	rent := func(dept int64, from string) testkit.Response {
		return it.Post(href+"/hyr", url.Values{"department_id": {itoa(dept)}, "from": {from}, "person": {portaltest.Employee.Email}})
	}
	if r := rent(soc, "2026-04-01"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("rent: %d\n%s", r.StatusCode, r.Body)
	}
	for _, c := range []struct {
		what, from, says string
	}{
		{"not a date", "1 april", "ÅÅÅÅ-MM-DD"},
		{"overlapping the history", "2026-04-01", "redan en uthyrning från 2026-04-01"},
	} {
		r := rent(buf, c.from)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, c.says) || !strings.Contains(r.Body, `value="`+c.from+`"`) {
			t.Errorf("%s: %d, message or value missing", c.what, r.StatusCode)
		}
	}
	if r := it.Post(href+"/aterlamna", url.Values{"returned_on": {"2026-06-01"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d", r.StatusCode)
	}
	if r := it.Post(href+"/skrota", url.Values{"scrapped_on": {"2026-06-02"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("scrap: %d", r.StatusCode)
	}
	r := rent(buf, "2026-07-01")
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "skrotad") {
		t.Errorf("renting scrapped equipment: %d", r.StatusCode)
	}
	var periods int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM equipment_rentals`).Scan(&periods)
	if periods != 1 {
		t.Errorf("%d rental periods, want 1", periods)
	}
	page := it.Get(href)
	if !strings.Contains(page.Body, "Skrotad") || !strings.Contains(page.Body, "2026-05-31") {
		t.Error("the page does not show the scrapping and the last rented day")
	}
}

// TestChargeReportByRole: IT-enheten sees every department's charge and
// downloads it for the finance system; a manager sees their own
// department's and no other's; an employee who manages nobody sees none.
func TestChargeReportByRole(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	boss := h.SignedIn(employee) // SOC; made a manager below
	other := h.SignedIn(portaltest.Requester)
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO people (name, department_id, manager_id)
		SELECT 'Medarbetare Ett', department_id, id FROM people WHERE email = $1`, portaltest.Employee.Email); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO equipment_prices (type, valid_from, monthly_ore) VALUES ('dator', '2026-01-01', 31000);
		WITH e AS (INSERT INTO equipment (type, model, serial_number, inventory_number, purchased_on, price_ore, life_months)
		           VALUES ('dator', 'Latitude', 'S1', 'IT-SOC-1', '2025-01-01', 1200000, 48), ('dator', 'Latitude', 'S2', 'IT-BUF-1', '2025-01-01', 1200000, 48)
		           RETURNING id, inventory_number)
		INSERT INTO equipment_rentals (equipment_id, department_id, valid)
		SELECT e.id, CASE WHEN e.inventory_number = 'IT-SOC-1' THEN (SELECT id FROM departments WHERE short_name = 'SOC')
		                  ELSE (SELECT min(id) FROM departments WHERE short_name <> 'SOC') END,
		       daterange('2026-10-16', NULL) FROM e`); err != nil {
		t.Fatal(err)
	}
	it := h.SignedIn(itUnit)
	all := it.Get("/utrustning/debitering?manad=2026-10")
	// 310 kr × 16/31 days = 160 kr for each.
	if all.StatusCode != http.StatusOK || !strings.Contains(all.Body, "IT-SOC-1") || !strings.Contains(all.Body, "IT-BUF-1") || !strings.Contains(all.Body, "320\u00a0kr") {
		t.Fatalf("IT-enheten's charge: %d\n%s", all.StatusCode, all.Body)
	}
	mine := boss.Get("/utrustning/debitering?manad=2026-10")
	if mine.StatusCode != http.StatusOK || !strings.Contains(mine.Body, "IT-SOC-1") || strings.Contains(mine.Body, "IT-BUF-1") || !strings.Contains(mine.Body, "160\u00a0kr") {
		t.Errorf("the manager's charge: %d", mine.StatusCode)
	}
	if strings.Contains(mine.Body, "Stäng 2026-10") {
		t.Error("a manager is offered to close the month")
	}
	var buf int64
	_ = h.Owner.QueryRow(ctx, `SELECT min(id) FROM departments WHERE short_name <> 'SOC'`).Scan(&buf)
	if r := boss.Get("/utrustning/debitering?manad=2026-10&forvaltning=" + itoa(buf)); r.StatusCode != http.StatusForbidden {
		t.Errorf("the manager reads another department's charge: %d", r.StatusCode)
	}
	if r := boss.Get("/utrustning/debitering.xlsx?manad=2026-10&forvaltning=" + itoa(buf)); r.StatusCode != http.StatusForbidden {
		t.Errorf("the manager downloads another department's charge: %d", r.StatusCode)
	}
	if r := other.Get("/utrustning/debitering?manad=2026-10"); r.StatusCode != http.StatusForbidden {
		t.Errorf("an employee reads a charge: %d", r.StatusCode)
	}
	if r := other.Post("/utrustning/debitering/stang", url.Values{"manad": {"2026-10"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("an employee closes a month: %d", r.StatusCode)
	}
	if r := it.Get("/utrustning/debitering?manad=2026-13"); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "ÅÅÅÅ-MM") {
		t.Errorf("a month that is none: %d", r.StatusCode)
	}
	// The spreadsheet for the finance system has a row per line with the amount.
	x := it.Get("/utrustning/debitering.xlsx?manad=2026-10")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	rows, err := f.GetRows("Debitering")
	if err != nil || len(rows) != 4 { // title, header, two lines
		t.Fatalf("xlsx rows: %v %v", rows, err)
	}
	if !strings.Contains(strings.Join(rows[2], "|"), "IT-BUF-1") && !strings.Contains(strings.Join(rows[3], "|"), "IT-BUF-1") {
		t.Errorf("xlsx lines: %v", rows)
	}
	// Closing takes a confirmation; the closed month says so and has no close button.
	conf := it.Post("/utrustning/debitering/stang", url.Values{"manad": {"2026-10"}})
	if conf.StatusCode != http.StatusOK || !strings.Contains(conf.Body, "Är du säker?") {
		t.Fatalf("the confirmation: %d", conf.StatusCode)
	}
	if r := it.Post("/utrustning/debitering/stang", url.Values{"manad": {"2026-10"}, "bekraftad": {"ja"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d", r.StatusCode)
	}
	closed := it.Get("/utrustning/debitering?manad=2026-10")
	if !strings.Contains(closed.Body, "Stängd") || strings.Contains(closed.Body, "Stäng 2026-10") || !strings.Contains(closed.Body, "320\u00a0kr") {
		t.Errorf("the closed month's page")
	}
}
