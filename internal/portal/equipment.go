package portal

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// IT equipment (Riktlinjer för IT §6): IT-enheten owns the municipality's
// equipment and the departments rent it, with the licences of the standard
// software included in the monthly rent. A piece is rented to a department
// (and optionally used by a person) over dated periods, [from, to) like
// the role periods: a change of renter ends the running period the day
// before and opens a new one; nothing is overwritten.

// The kinds of equipment.
const (
	EquipmentComputer = "dator"
	EquipmentMonitor  = "skarm"
	EquipmentPhone    = "mobiltelefon"
	EquipmentTablet   = "surfplatta"
	EquipmentPrinter  = "skrivare"
	EquipmentNetwork  = "natverksutrustning"
	EquipmentOther    = "ovrigt"
)

// EquipmentTypes in order, with Swedish labels.
var EquipmentTypes = []Choice{
	{EquipmentComputer, "Dator"}, {EquipmentMonitor, "Skärm"}, {EquipmentPhone, "Mobiltelefon"}, {EquipmentTablet, "Surfplatta"},
	{EquipmentPrinter, "Skrivare"}, {EquipmentNetwork, "Nätverksutrustning"}, {EquipmentOther, "Övrigt"},
}

// The states a piece of equipment is in. Rented and in stock follow from
// the rental periods (a period runs today, or none does); in repair and
// scrapped are set by IT-enheten.
const (
	EquipmentInStock  = "i_lager"
	EquipmentRented   = "uthyrd"
	EquipmentRepair   = "pa_reparation"
	EquipmentScrapped = "skrotad"
)

// EquipmentStatuses in order, with Swedish labels.
var EquipmentStatuses = []Choice{
	{EquipmentInStock, "I lager"}, {EquipmentRented, "Uthyrd"}, {EquipmentRepair, "På reparation"}, {EquipmentScrapped, "Skrotad"},
}

// Limits of the equipment's fields.
const (
	MaxEquipmentPriceOre = 10_000_000_00 // 10 million kronor: above any single piece
	MaxMonthlyRentOre    = 100_000_00    // 100 000 kronor a month
	MaxLifeMonths        = 240           // 20 years
)

// EquipmentInput is the equipment form as typed.
type EquipmentInput struct {
	Type            string
	Manufacturer    string
	Model           string
	SerialNumber    string
	InventoryNumber string
	PurchasedOn     string
	Price           string // kronor, "12 499,50"
	LifeMonths      string
	Location        string
	InRepair        bool
	Notes           string
}

// EquipmentFields are a piece's checked facts.
type EquipmentFields struct {
	Type            string
	Manufacturer    string
	Model           string
	SerialNumber    string
	InventoryNumber string
	PurchasedOn     time.Time
	PriceOre        int64
	LifeMonths      int
	Location        string
	InRepair        bool
	Notes           string
}

// Parse checks the form against today's date and returns the facts with
// Swedish messages per field.
func (in EquipmentInput) Parse(today time.Time) (EquipmentFields, map[string]string) {
	errs := map[string]string{}
	oneLine := func(v string) string { return strings.Join(strings.Fields(v), " ") }
	f := EquipmentFields{Type: strings.TrimSpace(in.Type), Manufacturer: oneLine(in.Manufacturer), Model: oneLine(in.Model),
		SerialNumber: oneLine(in.SerialNumber), InventoryNumber: oneLine(in.InventoryNumber), Location: oneLine(in.Location),
		InRepair: in.InRepair, Notes: strings.TrimSpace(in.Notes)}
	if LabelOf(EquipmentTypes, f.Type) == f.Type {
		errs["type"] = "Välj typ av utrustning."
	}
	text := func(field, v string, max int, required string) {
		if m := checkText(v, max, false); m != "" {
			errs[field] = m
		} else if v == "" && required != "" {
			errs[field] = required
		}
	}
	text("manufacturer", f.Manufacturer, 100, "")
	text("model", f.Model, 200, "Ange modell, till exempel Latitude 5450.")
	text("serial_number", f.SerialNumber, 100, "Ange serienumret som det står på utrustningen.")
	text("inventory_number", f.InventoryNumber, 50, "Ange inventarienumret, till exempel IT-2026-0042.")
	text("location", f.Location, 200, "")
	for field, v := range map[string]string{"serial_number": f.SerialNumber, "inventory_number": f.InventoryNumber} {
		if _, bad := errs[field]; !bad && !identifierText(v) {
			errs[field] = "Numret får bara innehålla bokstäver, siffror, bindestreck, snedstreck, punkt och mellanslag."
		}
	}
	if m := checkText(f.Notes, 2000, true); m != "" {
		errs["notes"] = m
	}
	f.PurchasedOn = parseDate(in.PurchasedOn, "purchased_on", true, errs)
	if _, bad := errs["purchased_on"]; !bad {
		switch {
		case f.PurchasedOn.After(today):
			errs["purchased_on"] = "Inköpsdatumet kan inte vara i framtiden."
		case f.PurchasedOn.Year() < 1990:
			errs["purchased_on"] = "Ange ett inköpsdatum från 1990 eller senare."
		}
	}
	if ore, msg := ParseAmount(in.Price); msg != "" {
		errs["price"] = strings.Replace(msg, "500 000 000", "10 000 000", 1)
	} else if ore > MaxEquipmentPriceOre {
		errs["price"] = "Priset är orimligt högt: högst 10 000 000 kronor. Kontrollera att det är angivet i kronor."
	} else {
		f.PriceOre = ore
	}
	life := strings.TrimSpace(in.LifeMonths)
	n, err := strconv.Atoi(life)
	switch {
	case life == "":
		errs["life_months"] = "Ange förväntad livslängd i månader, till exempel 48."
	case err != nil || len(life) > 4:
		errs["life_months"] = "Ange livslängden som ett heltal antal månader, till exempel 48."
	case n <= 0:
		errs["life_months"] = "Livslängden måste vara minst 1 månad."
	case n > MaxLifeMonths:
		errs["life_months"] = "Livslängden är orimligt lång: högst 240 månader (20 år)."
	default:
		f.LifeMonths = n
	}
	return f, errs
}

// identifierText reports whether v is a serial or inventory number:
// letters, digits, hyphen, slash, full stop, underscore and space.
func identifierText(v string) bool {
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-/._ ", r) {
			return false
		}
	}
	return true
}

// EndOfLife is the first day a piece is past its expected life: its
// purchase date plus the life in months (a day past the end of the target
// month becomes its last day, like the contract terms).
func EndOfLife(purchased time.Time, lifeMonths int) time.Time {
	return addMonths(dateOnly(purchased), lifeMonths)
}

// PastLife reports whether a piece bought on purchased with the expected
// life is past it on day.
func PastLife(purchased time.Time, lifeMonths int, day time.Time) bool {
	return !dateOnly(day).Before(EndOfLife(purchased, lifeMonths))
}

// CanManageEquipment reports whether the actor keeps the inventory, the
// price list and the rentals, and closes the months: IT-enheten and its
// head.
func CanManageEquipment(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead) }

// SeesAllEquipment reports whether the actor reads every department's
// equipment and charge: IT-enheten, its head and deputy, administrators.
func SeesAllEquipment(a *Actor) bool {
	return a.HasAny(RoleITUnit, RoleITHead, RoleITHeadDeputy, RoleAdmin)
}

// EquipmentScope is what of the inventory an actor reads.
type EquipmentScope struct {
	All          bool
	DepartmentID int64 // a manager's own department (0: none)
	PersonID     int64 // everyone reads what they use themselves
}

// EquipmentScopeOf is the one place that says who reads which equipment:
// IT-enheten and administrators all of it; a manager (someone with staff)
// their own department's, and its charge; everyone the pieces they use.
func EquipmentScopeOf(a *Actor, manages bool) EquipmentScope {
	if a == nil {
		return EquipmentScope{}
	}
	if SeesAllEquipment(a) {
		return EquipmentScope{All: true, PersonID: a.PersonID}
	}
	s := EquipmentScope{PersonID: a.PersonID}
	if manages && a.DepartmentID != 0 {
		s.DepartmentID = a.DepartmentID
	}
	return s
}

// ReadsCharge reports whether the scope may read department's monthly charge.
func (s EquipmentScope) ReadsCharge(department int64) bool {
	return s.All || (s.DepartmentID != 0 && s.DepartmentID == department)
}

// RentalPeriod is one period a piece is rented to a department: [From,
// To), To nil while it runs.
type RentalPeriod struct {
	ID           int64
	EquipmentID  int64
	DepartmentID int64
	PersonID     int64 // 0: nobody named
	From         time.Time
	To           *time.Time // exclusive; nil: until further notice
}

// covers reports whether the period includes day.
func (p RentalPeriod) covers(day time.Time) bool {
	return !day.Before(p.From) && (p.To == nil || day.Before(*p.To))
}

// RentalPlan is what a change of renter does: the period running on the
// day ends there (EndID 0: none runs) and a new one begins.
type RentalPlan struct {
	EndID int64
	EndAt time.Time
	New   RentalPeriod
}

// PlanRental checks a new renter from from (until the day until, included,
// when set) against the piece's periods and scrapping, and says which
// period ends. A change is dated: it cannot begin on or before the start
// of another period that begins later or the same day (that would rewrite
// history: record a change from a later day, or return the piece first),
// and its end cannot reach into a later period.
func PlanRental(periods []RentalPeriod, scrappedOn *time.Time, from time.Time, until *time.Time) (RentalPlan, map[string]string) {
	errs := map[string]string{}
	if scrappedOn != nil {
		errs["from"] = "Utrustningen är skrotad och kan inte hyras ut."
		return RentalPlan{}, errs
	}
	if from.Year() < 1990 || from.Year() > 2100 {
		errs["from"] = "Ange ett datum mellan 1990 och 2100."
		return RentalPlan{}, errs
	}
	plan := RentalPlan{New: RentalPeriod{From: from}}
	if until != nil {
		if until.Before(from) {
			errs["until"] = "Slutdatumet kan inte vara före startdatumet."
			return RentalPlan{}, errs
		}
		end := until.AddDate(0, 0, 1)
		plan.New.To = &end
	}
	for _, p := range periods {
		switch {
		case !p.From.Before(from):
			errs["from"] = "Utrustningen har redan en uthyrning från " + p.From.Format("2006-01-02") + ". Välj ett senare datum eller ändra från den dagen."
			return RentalPlan{}, errs
		case p.covers(from):
			plan.EndID, plan.EndAt = p.ID, from
		}
	}
	return plan, errs
}

// PlanReturn says which period a return on day ends: the one running on
// the day before (the return day itself is not rented).
func PlanReturn(periods []RentalPeriod, day time.Time) (RentalPeriod, string) {
	for _, p := range periods {
		if p.From.Before(day) && (p.To == nil || p.To.After(day)) {
			return p, ""
		}
		if p.From.Equal(day) {
			return RentalPeriod{}, "Uthyrningen börjar den dagen: återlämna från en senare dag, eller välj en annan förvaltning från den dagen."
		}
	}
	return RentalPeriod{}, "Utrustningen är inte uthyrd den dagen."
}

// OverlappingRentals returns the index pairs of periods that share a day
// (of one piece): what the database's exclusion constraint refuses too.
func OverlappingRentals(periods []RentalPeriod) [][2]int {
	var out [][2]int
	for i := range periods {
		for j := i + 1; j < len(periods); j++ {
			a, b := periods[i], periods[j]
			if a.EquipmentID != b.EquipmentID {
				continue
			}
			aEndsAfterB := a.To == nil || a.To.After(b.From)
			bEndsAfterA := b.To == nil || b.To.After(a.From)
			if aEndsAfterB && bEndsAfterA {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}

// PriceInput is a row of the price list as typed.
type PriceInput struct {
	Type      string
	ValidFrom string
	Monthly   string // kronor a month
}

// PricePoint is a monthly rent for a type from a day on (until the next
// point of the type). Points are never changed; a new one is added.
type PricePoint struct {
	Type       string
	ValidFrom  time.Time
	MonthlyOre int64
}

// Parse checks a price list row.
func (in PriceInput) Parse() (PricePoint, map[string]string) {
	errs := map[string]string{}
	p := PricePoint{Type: strings.TrimSpace(in.Type)}
	if LabelOf(EquipmentTypes, p.Type) == p.Type {
		errs["price_type"] = "Välj typ av utrustning."
	}
	p.ValidFrom = parseDate(in.ValidFrom, "valid_from", true, errs)
	if _, bad := errs["valid_from"]; !bad && (p.ValidFrom.Year() < 1990 || p.ValidFrom.Year() > 2100) {
		errs["valid_from"] = "Ange ett datum mellan 1990 och 2100."
	}
	if _, bad := errs["valid_from"]; !bad && p.ValidFrom.Day() != 1 {
		errs["valid_from"] = "Ett pris gäller från en månads första dag, till exempel 2027-01-01."
	}
	if ore, msg := ParseAmount(in.Monthly); msg != "" {
		errs["monthly"] = strings.Replace(msg, "500 000 000", "100 000", 1)
	} else if ore > MaxMonthlyRentOre {
		errs["monthly"] = "Månadshyran är orimligt hög: högst 100 000 kronor. Kontrollera att den är angiven i kronor."
	} else {
		p.MonthlyOre = ore
	}
	return p, errs
}

// ParseMonth reads a month "2026-11" and returns its first day.
func ParseMonth(s string) (time.Time, string) {
	m, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, "Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-11."
	}
	if m.Year() < 1990 || m.Year() > 2100 {
		return time.Time{}, "Ange en månad mellan 1990 och 2100."
	}
	return m, ""
}

// MonthOf is the first day of day's month.
func MonthOf(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// ChargeRental is a rental period with what the charge needs of its piece.
type ChargeRental struct {
	RentalPeriod
	Type string
}

// ChargeLine is what one department pays for one piece in one month at
// one monthly price: the days it was rented at that price and the amount.
type ChargeLine struct {
	DepartmentID int64
	EquipmentID  int64
	First, Last  time.Time // the first and last charged day in the month
	Days         int
	MonthlyOre   int64
	AmountOre    int64
	NoPrice      bool // the price list had no price for the type on these days
}

// MonthlyCharge is the one place the monthly charge is computed. For each
// department and piece rented in month (the first day of the month), it
// counts the days rented at each monthly price of the piece's type (the
// price valid on each day: the latest point of the price list from that
// day or before) and charges
//
//	amount = monthly price × days rented ÷ days in the month
//
// rounded to the nearest öre (half an öre up), once per department, piece
// and price: a piece rented the whole month pays exactly the monthly
// price, whatever the month's length (28, 29, 30 or 31 days). A period's
// first day is rented and its end (the day of a return, or the new
// renter's first day) is not: on the day of a change of renter the new
// department pays. A day without a price in the list is charged nothing
// and the line says so (NoPrice). Lines come by department, then piece,
// then first day.
func MonthlyCharge(month time.Time, rentals []ChargeRental, prices []PricePoint) []ChargeLine {
	month = MonthOf(month)
	next := month.AddDate(0, 1, 0)
	daysInMonth := int64(daysIn(month))
	byType := map[string][]PricePoint{}
	for _, p := range prices {
		byType[p.Type] = append(byType[p.Type], p)
	}
	for t := range byType {
		sort.Slice(byType[t], func(i, j int) bool { return byType[t][i].ValidFrom.Before(byType[t][j].ValidFrom) })
	}
	type key struct {
		dept, equipment, monthly int64
		noPrice                  bool
	}
	acc := map[key]*ChargeLine{}
	var order []key
	add := func(r ChargeRental, from, to time.Time, monthly int64, noPrice bool) {
		if !from.Before(to) {
			return
		}
		k := key{r.DepartmentID, r.EquipmentID, monthly, noPrice}
		days := int(to.Sub(from).Hours()/24 + 0.5)
		last := to.AddDate(0, 0, -1)
		if l, ok := acc[k]; ok {
			l.Days += days
			if from.Before(l.First) {
				l.First = from
			}
			if last.After(l.Last) {
				l.Last = last
			}
			return
		}
		acc[k] = &ChargeLine{DepartmentID: r.DepartmentID, EquipmentID: r.EquipmentID, First: from, Last: last, Days: days, MonthlyOre: monthly, NoPrice: noPrice}
		order = append(order, k)
	}
	for _, r := range rentals {
		from, to := dateOnly(r.From), next
		if r.To != nil && r.To.Before(to) {
			to = dateOnly(*r.To)
		}
		if from.Before(month) {
			from = month
		}
		if !from.Before(to) {
			continue
		}
		// Walk the price points of the type over [from, to).
		points := byType[r.Type]
		day := from
		for day.Before(to) {
			var cur *PricePoint
			var nextChange time.Time
			for i := range points {
				if !points[i].ValidFrom.After(day) {
					cur = &points[i]
				} else {
					nextChange = points[i].ValidFrom
					break
				}
			}
			end := to
			if !nextChange.IsZero() && nextChange.Before(end) {
				end = nextChange
			}
			if cur == nil {
				add(r, day, end, 0, true)
			} else {
				add(r, day, end, cur.MonthlyOre, false)
			}
			day = end
		}
	}
	out := make([]ChargeLine, 0, len(order))
	for _, k := range order {
		l := acc[k]
		l.AmountOre = (l.MonthlyOre*int64(l.Days)*2 + daysInMonth) / (2 * daysInMonth)
		out = append(out, *l)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.DepartmentID != b.DepartmentID {
			return a.DepartmentID < b.DepartmentID
		}
		if a.EquipmentID != b.EquipmentID {
			return a.EquipmentID < b.EquipmentID
		}
		return a.First.Before(b.First)
	})
	return out
}

// ChargeTotal is the sum of lines' amounts.
func ChargeTotal(lines []ChargeLine) int64 {
	var t int64
	for _, l := range lines {
		t += l.AmountOre
	}
	return t
}

// ChargeKey is a department and piece, what a correction is reckoned by.
type ChargeKey struct{ DepartmentID, EquipmentID int64 }

// ChargeSum is what was charged for a key: days and amount.
type ChargeSum struct {
	Days      int
	AmountOre int64
}

// SumCharges adds lines up per department and piece.
func SumCharges(lines []ChargeLine) map[ChargeKey]ChargeSum {
	out := map[ChargeKey]ChargeSum{}
	for _, l := range lines {
		k := ChargeKey{l.DepartmentID, l.EquipmentID}
		s := out[k]
		s.Days += l.Days
		s.AmountOre += l.AmountOre
		out[k] = s
	}
	return out
}

// Corrections are what a closed month owes now that its rentals or prices
// were changed after it was closed: for each department and piece, what
// the month comes to today less what was charged for it (when closed, and
// in corrections since). A closed month's charge is never edited; its
// correction is charged in the next open month as its own lines.
func Corrections(now []ChargeLine, charged map[ChargeKey]ChargeSum) map[ChargeKey]ChargeSum {
	out := map[ChargeKey]ChargeSum{}
	sums := SumCharges(now)
	for k, s := range sums {
		c := charged[k]
		if d := (ChargeSum{s.Days - c.Days, s.AmountOre - c.AmountOre}); d != (ChargeSum{}) {
			out[k] = d
		}
	}
	for k, c := range charged {
		if _, ok := out[k]; ok {
			continue
		}
		if _, still := sums[k]; still {
			continue
		}
		if c != (ChargeSum{}) {
			out[k] = ChargeSum{-c.Days, -c.AmountOre}
		}
	}
	return out
}

// FormatSignedKronor is FormatKronor with a minus sign for a negative
// amount (a correction that pays back).
func FormatSignedKronor(ore int64) string {
	if ore < 0 {
		return "−" + FormatKronor(-ore)
	}
	return FormatKronor(ore)
}
