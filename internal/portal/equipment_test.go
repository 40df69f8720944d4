package portal

import (
	"strings"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func dp(s string) *time.Time { t := d(s); return &t }

func TestMonthlyCharge(t *testing.T) {
	computer := []PricePoint{{Type: EquipmentComputer, ValidFrom: d("2026-01-01"), MonthlyOre: 300_00}}
	rent := func(id, dept int64, from string, to *time.Time) ChargeRental {
		return ChargeRental{RentalPeriod: RentalPeriod{ID: id, EquipmentID: 1, DepartmentID: dept, From: d(from), To: to}, Type: EquipmentComputer}
	}
	type want struct {
		dept    int64
		days    int
		monthly int64
		amount  int64
	}
	cases := []struct {
		name    string
		month   string
		rentals []ChargeRental
		prices  []PricePoint
		want    []want
	}{
		{"the whole month pays the monthly price", "2026-11-01", []ChargeRental{rent(1, 10, "2026-03-01", nil)}, computer,
			[]want{{10, 30, 300_00, 300_00}}},
		{"31 days of 31 pay the monthly price", "2026-12-01", []ChargeRental{rent(1, 10, "2026-03-01", nil)}, computer,
			[]want{{10, 31, 300_00, 300_00}}},
		{"leap February: 29 days pay the monthly price", "2028-02-01", []ChargeRental{rent(1, 10, "2026-03-01", nil)}, computer,
			[]want{{10, 29, 300_00, 300_00}}},
		{"leap February: from the 15th is 15 of 29 days", "2028-02-01", []ChargeRental{rent(1, 10, "2028-02-15", nil)}, computer,
			[]want{{10, 15, 300_00, 155_17}}}, // 300 × 15/29 = 155.172…
		{"February of a common year: the last day only", "2027-02-01", []ChargeRental{rent(1, 10, "2027-02-28", nil)}, computer,
			[]want{{10, 1, 300_00, 10_71}}}, // 300/28 = 10.714…
		{"rented from the last day of a 31-day month", "2026-10-01", []ChargeRental{rent(1, 10, "2026-10-31", nil)}, computer,
			[]want{{10, 1, 300_00, 9_68}}}, // 300/31 = 9.677…
		{"returned on the first day of the next month: the whole month", "2026-11-01", []ChargeRental{rent(1, 10, "2026-11-01", dp("2026-12-01"))}, computer,
			[]want{{10, 30, 300_00, 300_00}}},
		{"returned on the 1st: nothing that month", "2026-12-01", []ChargeRental{rent(1, 10, "2026-11-01", dp("2026-12-01"))}, computer, nil},
		{"a change of renter mid-month: the new renter pays the change day", "2026-11-01",
			[]ChargeRental{rent(1, 10, "2026-01-01", dp("2026-11-16")), rent(2, 20, "2026-11-16", nil)}, computer,
			[]want{{10, 15, 300_00, 150_00}, {20, 15, 300_00, 150_00}}},
		{"a price change mid-month splits the line", "2026-11-01", []ChargeRental{rent(1, 10, "2026-01-01", nil)},
			append(append([]PricePoint{}, computer...), PricePoint{Type: EquipmentComputer, ValidFrom: d("2026-11-11"), MonthlyOre: 330_00}),
			[]want{{10, 10, 300_00, 100_00}, {10, 20, 330_00, 220_00}}},
		{"a change of user in one department is one line", "2026-11-01",
			[]ChargeRental{rent(1, 10, "2026-01-01", dp("2026-11-08")), rent(2, 10, "2026-11-08", nil)}, computer,
			[]want{{10, 30, 300_00, 300_00}}},
		{"no price in the list yet: charged nothing, said so", "2025-12-01", []ChargeRental{rent(1, 10, "2025-12-20", nil)}, computer,
			[]want{{10, 12, 0, 0}}},
		{"a rental that begins next month is not charged", "2026-11-01", []ChargeRental{rent(1, 10, "2026-12-01", nil)}, computer, nil},
		{"other types have their own price", "2026-11-01",
			[]ChargeRental{{RentalPeriod: RentalPeriod{EquipmentID: 2, DepartmentID: 10, From: d("2026-01-01")}, Type: EquipmentMonitor}},
			append(append([]PricePoint{}, computer...), PricePoint{Type: EquipmentMonitor, ValidFrom: d("2026-01-01"), MonthlyOre: 45_00}),
			[]want{{10, 30, 45_00, 45_00}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := MonthlyCharge(d(c.month), c.rentals, c.prices)
			if len(got) != len(c.want) {
				t.Fatalf("%d lines, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				g := got[i]
				if g.DepartmentID != w.dept || g.Days != w.days || g.MonthlyOre != w.monthly || g.AmountOre != w.amount {
					t.Errorf("line %d: department %d, %d days at %d = %d; want department %d, %d days at %d = %d",
						i, g.DepartmentID, g.Days, g.MonthlyOre, g.AmountOre, w.dept, w.days, w.monthly, w.amount)
				}
			}
		})
	}
}

func TestMonthlyChargeNoPriceIsSaid(t *testing.T) {
	lines := MonthlyCharge(d("2026-11-01"), []ChargeRental{{RentalPeriod: RentalPeriod{EquipmentID: 1, DepartmentID: 1, From: d("2026-01-01")}, Type: EquipmentPrinter}}, nil)
	if len(lines) != 1 || !lines[0].NoPrice {
		t.Fatalf("a type without a price: %+v", lines)
	}
}

func TestCorrectionsOfAClosedMonth(t *testing.T) {
	charged := map[ChargeKey]ChargeSum{{10, 1}: {31, 300_00}}
	// After closing, the piece turned out to have moved to department 20 on the 16th.
	now := MonthlyCharge(d("2026-10-01"), []ChargeRental{
		{RentalPeriod: RentalPeriod{EquipmentID: 1, DepartmentID: 10, From: d("2026-01-01"), To: dp("2026-10-16")}, Type: EquipmentComputer},
		{RentalPeriod: RentalPeriod{EquipmentID: 1, DepartmentID: 20, From: d("2026-10-16")}, Type: EquipmentComputer},
	}, []PricePoint{{Type: EquipmentComputer, ValidFrom: d("2026-01-01"), MonthlyOre: 300_00}})
	got := Corrections(now, charged)
	if got[ChargeKey{10, 1}] != (ChargeSum{-16, -154_84}) {
		t.Errorf("the old renter's correction: %+v", got[ChargeKey{10, 1}])
	}
	if got[ChargeKey{20, 1}] != (ChargeSum{16, 154_84}) {
		t.Errorf("the new renter's correction: %+v", got[ChargeKey{20, 1}])
	}
	if again := Corrections(now, map[ChargeKey]ChargeSum{{10, 1}: {15, 145_16}, {20, 1}: {16, 154_84}}); len(again) != 0 {
		t.Errorf("a corrected month owes more: %+v", again)
	}
	// Returned before the month began: the whole charge is paid back.
	if got := Corrections(nil, charged); got[ChargeKey{10, 1}] != (ChargeSum{-31, -300_00}) {
		t.Errorf("a charge with nothing behind it: %+v", got)
	}
}

func TestPlanRental(t *testing.T) {
	running := []RentalPeriod{{ID: 7, DepartmentID: 10, From: d("2026-03-01")}}
	ended := []RentalPeriod{{ID: 7, DepartmentID: 10, From: d("2026-03-01"), To: dp("2026-06-01")}}
	cases := []struct {
		name     string
		periods  []RentalPeriod
		scrapped *time.Time
		from     string
		until    *time.Time
		endID    int64
		errField string
		errText  string
	}{
		{"first rental", nil, nil, "2026-11-01", nil, 0, "", ""},
		{"a change of renter ends the running period", running, nil, "2026-11-16", nil, 7, "", ""},
		{"after a return nothing ends", ended, nil, "2026-11-16", nil, 0, "", ""},
		{"the same day as a period begins overlaps", running, nil, "2026-03-01", nil, 0, "from", "redan en uthyrning från 2026-03-01"},
		{"before a later period overlaps it", running, nil, "2026-02-01", nil, 0, "from", "redan en uthyrning"},
		{"scrapped equipment is not rented", nil, dp("2026-10-01"), "2026-11-01", nil, 0, "from", "skrotad"},
		{"the end before the start", nil, nil, "2026-11-01", dp("2026-10-31"), 0, "until", "före startdatumet"},
		{"an absurd year", nil, nil, "2206-11-01", nil, 0, "from", "mellan 1990 och 2100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, errs := PlanRental(c.periods, c.scrapped, d(c.from), c.until)
			if c.errField == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				if plan.EndID != c.endID {
					t.Errorf("ends %d, want %d", plan.EndID, c.endID)
				}
				return
			}
			if !strings.Contains(errs[c.errField], c.errText) {
				t.Errorf("%s: %q, want %q", c.errField, errs[c.errField], c.errText)
			}
		})
	}
}

func TestPlanReturn(t *testing.T) {
	periods := []RentalPeriod{{ID: 7, From: d("2026-03-01"), To: dp("2026-06-01")}, {ID: 8, From: d("2026-08-01")}}
	if p, msg := PlanReturn(periods, d("2026-09-15")); msg != "" || p.ID != 8 {
		t.Errorf("return of the running period: %d %q", p.ID, msg)
	}
	if _, msg := PlanReturn(periods, d("2026-07-01")); !strings.Contains(msg, "inte uthyrd") {
		t.Errorf("return when not rented: %q", msg)
	}
	if _, msg := PlanReturn(periods, d("2026-08-01")); !strings.Contains(msg, "börjar den dagen") {
		t.Errorf("return on the first day: %q", msg)
	}
}

func TestOverlappingRentals(t *testing.T) {
	p := []RentalPeriod{
		{EquipmentID: 1, From: d("2026-01-01"), To: dp("2026-02-01")},
		{EquipmentID: 1, From: d("2026-02-01")},                       // touches, does not overlap
		{EquipmentID: 1, From: d("2026-03-01"), To: dp("2026-04-01")}, // inside the open one
		{EquipmentID: 2, From: d("2026-01-01")},                       // another piece
	}
	got := OverlappingRentals(p)
	if len(got) != 1 || got[0] != [2]int{1, 2} {
		t.Errorf("overlaps: %v", got)
	}
}

func TestEquipmentInputParse(t *testing.T) {
	today := d("2026-12-02")
	good := EquipmentInput{Type: EquipmentComputer, Manufacturer: "Dell", Model: "Latitude 5450", SerialNumber: "7XK2M93",
		InventoryNumber: "IT-2026-0042", PurchasedOn: "2026-03-15", Price: "12 499,50", LifeMonths: "48", Location: "Kommunhuset"}
	if f, errs := good.Parse(today); len(errs) > 0 || f.PriceOre != 12_499_50 || f.LifeMonths != 48 {
		t.Fatalf("a good piece: %+v %v", f, errs)
	}
	cases := []struct {
		name  string
		edit  func(*EquipmentInput)
		field string
		text  string
	}{
		{"purchase date in the future", func(in *EquipmentInput) { in.PurchasedOn = "2026-12-03" }, "purchased_on", "framtiden"},
		{"purchase date not a date", func(in *EquipmentInput) { in.PurchasedOn = "15/3/2026" }, "purchased_on", "ÅÅÅÅ-MM-DD"},
		{"negative price", func(in *EquipmentInput) { in.Price = "-100" }, "price", "negativt"},
		{"absurd price", func(in *EquipmentInput) { in.Price = "25 000 000" }, "price", "orimligt"},
		{"price in letters", func(in *EquipmentInput) { in.Price = "tolv tusen" }, "price", "siffror"},
		{"life of zero months", func(in *EquipmentInput) { in.LifeMonths = "0" }, "life_months", "minst 1"},
		{"negative life", func(in *EquipmentInput) { in.LifeMonths = "-12" }, "life_months", "minst 1"},
		{"absurd life", func(in *EquipmentInput) { in.LifeMonths = "1200" }, "life_months", "orimligt"},
		{"unknown type", func(in *EquipmentInput) { in.Type = "rymdskepp" }, "type", "Välj typ"},
		{"hostile serial number", func(in *EquipmentInput) { in.SerialNumber = "<script>alert(1)</script>" }, "serial_number", "bara innehålla"},
		{"overlong model", func(in *EquipmentInput) { in.Model = strings.Repeat("x", 201) }, "model", "högst 200"},
		{"NUL in the location", func(in *EquipmentInput) { in.Location = "Hus\x00A" }, "location", "inte är tillåtna"},
		{"no inventory number", func(in *EquipmentInput) { in.InventoryNumber = "  " }, "inventory_number", "Ange inventarienumret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.edit(&in)
			_, errs := in.Parse(today)
			if !strings.Contains(errs[c.field], c.text) {
				t.Errorf("%s: %q, want %q (all: %v)", c.field, errs[c.field], c.text, errs)
			}
		})
	}
}

func TestPriceInputParse(t *testing.T) {
	if p, errs := (PriceInput{Type: EquipmentComputer, ValidFrom: "2027-01-01", Monthly: "320"}).Parse(); len(errs) > 0 || p.MonthlyOre != 320_00 {
		t.Fatalf("a good price: %+v %v", p, errs)
	}
	for _, in := range []PriceInput{
		{Type: EquipmentComputer, ValidFrom: "2027-01-15", Monthly: "320"},
		{Type: EquipmentComputer, ValidFrom: "2027-01-01", Monthly: "-5"},
		{Type: EquipmentComputer, ValidFrom: "2027-01-01", Monthly: "250 000"},
		{Type: "", ValidFrom: "2027-01-01", Monthly: "320"},
	} {
		if _, errs := in.Parse(); len(errs) == 0 {
			t.Errorf("accepted %+v", in)
		}
	}
}

func TestPastLife(t *testing.T) {
	if PastLife(d("2022-08-31"), 48, d("2026-08-30")) {
		t.Error("past its life a day early")
	}
	if !PastLife(d("2022-08-31"), 48, d("2026-08-31")) {
		t.Error("not past its life on the day")
	}
	if got := EndOfLife(d("2024-01-31"), 1); !got.Equal(d("2024-02-29")) {
		t.Errorf("end of life clamps to the month's last day: %s", got)
	}
}

func TestEquipmentScopeOf(t *testing.T) {
	employee := &Actor{PersonID: 1, DepartmentID: 5}
	if s := EquipmentScopeOf(employee, false); s.All || s.DepartmentID != 0 || s.ReadsCharge(5) {
		t.Errorf("an employee reads more than their own: %+v", s)
	}
	if s := EquipmentScopeOf(employee, true); !s.ReadsCharge(5) || s.ReadsCharge(6) {
		t.Errorf("a manager's charge: %+v", s)
	}
	if s := EquipmentScopeOf(&Actor{PersonID: 2, Roles: []Role{RoleITUnit}}, false); !s.All || !s.ReadsCharge(6) {
		t.Errorf("IT-enheten: %+v", s)
	}
	if CanManageEquipment(&Actor{Roles: []Role{RoleAdmin}}) || !CanManageEquipment(&Actor{Roles: []Role{RoleITUnit}}) {
		t.Error("who keeps the inventory")
	}
}

func TestParseMonth(t *testing.T) {
	if m, msg := ParseMonth("2026-11"); msg != "" || !m.Equal(d("2026-11-01")) {
		t.Errorf("2026-11: %s %q", m, msg)
	}
	for _, s := range []string{"2026-13", "nov", "2026-11-01", "<script>"} {
		if _, msg := ParseMonth(s); msg == "" {
			t.Errorf("accepted %q", s)
		}
	}
}
