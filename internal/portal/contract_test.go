package portal

import (
	"math/rand"
	"testing"
	"time"
)

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func show(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}

func TestTermMonthRule(t *testing.T) {
	for _, c := range []struct {
		start  string
		months int
		want   string
	}{
		{"2025-01-01", 12, "2025-12-31"},
		{"2025-03-15", 1, "2025-04-14"},
		{"2025-01-31", 1, "2025-02-28"}, // no 31 February: the last day of February
		{"2024-01-31", 1, "2024-02-29"}, // leap year
		{"2024-01-30", 1, "2024-02-29"},
		{"2023-01-29", 1, "2023-02-28"},
		{"2024-03-31", 1, "2024-04-30"},
		{"2024-03-31", 3, "2024-06-30"},
		{"2025-01-31", 12, "2026-01-30"},
		{"2024-02-29", 12, "2025-02-28"}, // from a leap day
		{"2024-02-29", 48, "2028-02-28"}, // to the next leap day
		{"2025-12-01", 2, "2026-01-31"},
		{"2025-11-30", 3, "2026-02-28"},
	} {
		if got := show(AddTermMonths(day(c.start), c.months)); got != c.want {
			t.Errorf("%s + %d months ends %s, want %s", c.start, c.months, got, c.want)
		}
	}
}

func TestNoticeRule(t *testing.T) {
	for _, c := range []struct {
		end    string
		months int
		want   string
	}{
		{"2025-12-31", 3, "2025-09-30"},
		{"2025-12-31", 6, "2025-06-30"},
		{"2026-05-30", 3, "2026-02-27"}, // from 28 February the period ends 27 May; from 1 March, 31 May
		{"2024-05-31", 3, "2024-02-29"}, // leap year
		{"2025-05-31", 3, "2025-02-28"},
		{"2025-04-30", 2, "2025-02-28"},
		{"2025-12-31", 0, "2025-12-31"}, // no notice period: the last day itself
		{"2026-01-30", 1, "2025-12-30"},
	} {
		if got := show(NoticeDeadline(day(c.end), c.months)); got != c.want {
			t.Errorf("term ending %s, %d months' notice: by %s, want %s", c.end, c.months, got, c.want)
		}
	}
}

func TestContractDates(t *testing.T) {
	for _, c := range []struct {
		name   string
		terms  ContractTerms
		on     string
		end    string
		by     string
		kind   DeadlineKind
		active bool
		ended  bool
	}{
		{"fixed term, nothing to give notice of", ContractTerms{Start: day("2025-01-01"), InitialMonths: 12, NoticeMonths: 3},
			"2025-06-01", "2025-12-31", "-", DeadlineNone, true, false},
		{"tacit renewal, first term", ContractTerms{Start: day("2024-01-01"), InitialMonths: 24, NoticeMonths: 6, RenewalMonths: 12},
			"2025-03-01", "2025-12-31", "2025-06-30", DeadlineNotice, true, false},
		{"tacit renewal, on the deadline", ContractTerms{Start: day("2024-01-01"), InitialMonths: 24, NoticeMonths: 6, RenewalMonths: 12},
			"2025-06-30", "2025-12-31", "2025-06-30", DeadlineNotice, true, false},
		{"tacit renewal, deadline passed: notice ends the next term", ContractTerms{Start: day("2024-01-01"), InitialMonths: 24, NoticeMonths: 6, RenewalMonths: 12},
			"2025-07-01", "2025-12-31", "2026-06-30", DeadlineNotice, true, false},
		{"renewed twice", ContractTerms{Start: day("2024-01-01"), InitialMonths: 24, NoticeMonths: 6, RenewalMonths: 12},
			"2027-02-10", "2027-12-31", "2027-06-30", DeadlineNotice, true, false},
		{"month end, monthly renewal", ContractTerms{Start: day("2025-01-31"), InitialMonths: 1, RenewalMonths: 1},
			"2025-02-10", "2025-02-28", "2025-02-28", DeadlineNotice, true, false},
		{"month end, renewed into March", ContractTerms{Start: day("2025-01-31"), InitialMonths: 1, RenewalMonths: 1},
			"2025-03-01", "2025-03-30", "2025-03-30", DeadlineNotice, true, false},
		{"month end, leap year", ContractTerms{Start: day("2024-01-31"), InitialMonths: 1, RenewalMonths: 1},
			"2024-02-29", "2024-02-29", "2024-02-29", DeadlineNotice, true, false},
		{"notice from a short month", ContractTerms{Start: day("2025-05-31"), InitialMonths: 12, NoticeMonths: 3, RenewalMonths: 12},
			"2025-06-01", "2026-05-30", "2026-02-27", DeadlineNotice, true, false},
		{"notice in a leap February", ContractTerms{Start: day("2023-06-01"), InitialMonths: 12, NoticeMonths: 3, RenewalMonths: 12},
			"2023-06-01", "2024-05-31", "2024-02-29", DeadlineNotice, true, false},
		{"starting on a leap day", ContractTerms{Start: day("2024-02-29"), InitialMonths: 12, NoticeMonths: 1, RenewalMonths: 12},
			"2024-03-01", "2025-02-28", "2025-01-31", DeadlineNotice, true, false},
		{"one option of two used", ContractTerms{Start: day("2022-04-01"), InitialMonths: 24, NoticeMonths: 3, OptionCount: 2, OptionMonths: 12, OptionsUsed: 1},
			"2024-05-01", "2025-03-31", "2024-12-31", DeadlineOption, true, false},
		{"every option used", ContractTerms{Start: day("2022-04-01"), InitialMonths: 24, NoticeMonths: 3, OptionCount: 2, OptionMonths: 12, OptionsUsed: 2},
			"2024-05-01", "2026-03-31", "-", DeadlineNone, true, false},
		{"option deadline missed", ContractTerms{Start: day("2022-04-01"), InitialMonths: 24, NoticeMonths: 3, OptionCount: 2, OptionMonths: 12},
			"2024-02-01", "2024-03-31", "-", DeadlineNone, true, false},
		{"options and tacit renewal: notice", ContractTerms{Start: day("2022-04-01"), InitialMonths: 24, NoticeMonths: 3, OptionCount: 1, OptionMonths: 12, OptionsUsed: 1, RenewalMonths: 12},
			"2025-01-10", "2025-03-31", "2025-12-31", DeadlineNotice, true, false},
		{"expired", ContractTerms{Start: day("2020-01-01"), InitialMonths: 12, NoticeMonths: 1},
			"2022-01-01", "2020-12-31", "-", DeadlineNone, false, true},
		{"last day", ContractTerms{Start: day("2020-01-01"), InitialMonths: 12, NoticeMonths: 1},
			"2020-12-31", "2020-12-31", "-", DeadlineNone, true, false},
		{"terminated, still running", ContractTerms{Start: day("2020-01-01"), InitialMonths: 12, RenewalMonths: 12, NoticeMonths: 3, EndsOn: day("2024-12-31")},
			"2024-06-01", "2024-12-31", "-", DeadlineNone, true, false},
		{"terminated, ended", ContractTerms{Start: day("2020-01-01"), InitialMonths: 12, RenewalMonths: 12, NoticeMonths: 3, EndsOn: day("2024-12-31")},
			"2025-01-01", "2024-12-31", "-", DeadlineNone, false, true},
		{"before the start", ContractTerms{Start: day("2026-09-01"), InitialMonths: 36, NoticeMonths: 3, RenewalMonths: 12},
			"2026-01-15", "2029-08-31", "2029-05-31", DeadlineNotice, false, false},
		{"notice as long as the term", ContractTerms{Start: day("2025-01-01"), InitialMonths: 12, NoticeMonths: 12, RenewalMonths: 12},
			"2025-01-01", "2025-12-31", "2025-12-31", DeadlineNotice, true, false},
		{"a century of monthly renewals", ContractTerms{Start: day("1990-01-15"), InitialMonths: 12, NoticeMonths: 1, RenewalMonths: 1},
			"2099-12-20", "2100-01-14", "2100-01-14", DeadlineNotice, true, false},
	} {
		got := c.terms.On(day(c.on))
		if show(got.TermEnd) != c.end || show(got.NoticeBy) != c.by || got.Deadline != c.kind || got.Active != c.active || got.Ended != c.ended {
			t.Errorf("%s, on %s: end %s, notice by %s (%q), active %v, ended %v; want %s, %s (%q), %v, %v", c.name, c.on,
				show(got.TermEnd), show(got.NoticeBy), got.Deadline, got.Active, got.Ended, c.end, c.by, c.kind, c.active, c.ended)
		}
	}
}

func TestContractTermsValidation(t *testing.T) {
	ok := ContractTerms{Start: day("2025-01-01"), InitialMonths: 12, NoticeMonths: 3, OptionCount: 2, OptionMonths: 12, OptionsUsed: 1, RenewalMonths: 12}
	if errs := ok.ValidateTerms(); len(errs) != 0 {
		t.Fatalf("valid terms refused: %v", errs)
	}
	for _, c := range []struct {
		field string
		edit  func(*ContractTerms)
	}{
		{"start", func(t *ContractTerms) { t.Start = time.Time{} }},
		{"start", func(t *ContractTerms) { t.Start = day("1899-01-01") }},
		{"initial_months", func(t *ContractTerms) { t.InitialMonths = 0 }},
		{"initial_months", func(t *ContractTerms) { t.InitialMonths = 10000 }},
		{"notice_months", func(t *ContractTerms) { t.NoticeMonths = 13 }},                                         // longer than the term
		{"notice_months", func(t *ContractTerms) { t.InitialMonths, t.RenewalMonths, t.NoticeMonths = 36, 3, 6 }}, // longer than the renewal
		{"notice_months", func(t *ContractTerms) { t.NoticeMonths = -1 }},
		{"option_count", func(t *ContractTerms) { t.OptionCount = -1 }},
		{"option_count", func(t *ContractTerms) { t.OptionCount = 99 }},
		{"option_months", func(t *ContractTerms) { t.OptionMonths = 0 }},
		{"option_months", func(t *ContractTerms) { t.OptionCount, t.OptionsUsed = 0, 0 }},
		{"options_used", func(t *ContractTerms) { t.OptionsUsed = 3 }},
		{"options_used", func(t *ContractTerms) { t.OptionsUsed = -1 }},
		{"renewal_months", func(t *ContractTerms) { t.RenewalMonths = -12 }},
		{"ends_on", func(t *ContractTerms) { t.EndsOn = day("2024-12-31") }}, // end before start
	} {
		terms := ok
		c.edit(&terms)
		errs := terms.ValidateTerms()
		if errs[c.field] == "" {
			t.Errorf("%+v: no message for %s (got %v)", terms, c.field, errs)
		}
	}
}

// referenceTermEnd is the month rule written another way: Go's AddDate
// overflows a missing day into the next month, so the anniversary is then
// the first of that month.
func referenceTermEnd(start time.Time, months int) time.Time {
	next := start.AddDate(0, months, 0)
	if next.Day() != start.Day() {
		next = time.Date(next.Year(), next.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return next.AddDate(0, 0, -1)
}

// referenceNoticeBy searches day by day for the latest day from which a
// notice period still ends within the term.
func referenceNoticeBy(end time.Time, months int) time.Time {
	d := end
	for referenceTermEnd(d.AddDate(0, 0, 1), months).After(end) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// referenceOn walks the terms one by one from the start.
func referenceOn(t ContractTerms, on time.Time) ContractDates {
	if !t.EndsOn.IsZero() {
		return ContractDates{TermEnd: t.EndsOn, Active: !on.Before(t.Start) && !on.After(t.EndsOn), Ended: on.After(t.EndsOn)}
	}
	var ends []time.Time
	m := t.InitialMonths + t.OptionsUsed*t.OptionMonths
	for {
		e := referenceTermEnd(t.Start, m)
		ends = append(ends, e)
		if !e.Before(on) && (t.RenewalMonths == 0 || !referenceNoticeBy(e, t.NoticeMonths).Before(on)) {
			break
		}
		if t.RenewalMonths == 0 {
			return ContractDates{TermEnd: e, Ended: true}
		}
		m += t.RenewalMonths
	}
	out := ContractDates{Active: !on.Before(t.Start)}
	for _, e := range ends {
		if !e.Before(on) {
			out.TermEnd = e
			break
		}
	}
	last := ends[len(ends)-1]
	switch {
	case t.RenewalMonths > 0:
		out.NoticeBy, out.Deadline = referenceNoticeBy(last, t.NoticeMonths), DeadlineNotice
	case t.OptionCount > t.OptionsUsed && !referenceNoticeBy(last, t.NoticeMonths).Before(on):
		out.NoticeBy, out.Deadline = referenceNoticeBy(last, t.NoticeMonths), DeadlineOption
	}
	return out
}

// TestContractDatesProperty compares On over random valid terms and days
// with the slow reference, and checks what must always hold.
func TestContractDatesProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(20))
	base := day("1985-01-01")
	for i := 0; i < 5000; i++ {
		terms := ContractTerms{Start: base.AddDate(0, 0, rng.Intn(365*100)), InitialMonths: 1 + rng.Intn(72)}
		terms.NoticeMonths = rng.Intn(min(terms.InitialMonths, 24) + 1)
		if rng.Intn(2) == 0 {
			terms.RenewalMonths = max(terms.NoticeMonths, 1+rng.Intn(24))
		}
		if rng.Intn(3) == 0 {
			terms.OptionCount = 1 + rng.Intn(4)
			terms.OptionMonths = 1 + rng.Intn(36)
			terms.OptionsUsed = rng.Intn(terms.OptionCount + 1)
		}
		if rng.Intn(8) == 0 {
			terms.EndsOn = terms.Start.AddDate(0, 0, rng.Intn(4000))
		}
		if errs := terms.ValidateTerms(); len(errs) != 0 {
			t.Fatalf("generated invalid terms %+v: %v", terms, errs)
		}
		on := terms.Start.AddDate(0, 0, rng.Intn(365*30)-365*2)
		got, want := terms.On(on), referenceOn(terms, on)
		if got != want {
			t.Fatalf("%+v on %s: got %+v, reference %+v", terms, show(on), got, want)
		}
		if !got.NoticeBy.IsZero() && got.NoticeBy.Before(on) {
			t.Fatalf("%+v on %s: the next deadline %s has passed", terms, show(on), show(got.NoticeBy))
		}
		if got.Active && got.TermEnd.Before(on) {
			t.Fatalf("%+v on %s: active, but the term ended %s", terms, show(on), show(got.TermEnd))
		}
		if got.Active == got.Ended && !on.Before(terms.Start) {
			t.Fatalf("%+v on %s: active %v and ended %v", terms, show(on), got.Active, got.Ended)
		}
		// A day later, the deadline never moves earlier.
		if later := terms.On(on.AddDate(0, 0, 1)); !got.NoticeBy.IsZero() && !later.NoticeBy.IsZero() && later.NoticeBy.Before(got.NoticeBy) {
			t.Fatalf("%+v: the deadline moved from %s to %s", terms, show(got.NoticeBy), show(later.NoticeBy))
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		in   string
		ore  int64
		fail bool
	}{
		{"125 000", 12500000, false}, {"1 250,50", 125050, false}, {"1250.5", 125050, false}, {"0", 0, false},
		{"500 000 000", MaxAmountOre, false}, {"125 000 kr", 12500000, false},
		{"-100", 0, true}, {"500 000 001", 0, true}, {"99999999999999999999", 0, true}, {"12,345", 0, true},
		{"1e6", 0, true}, {"", 0, true}, {"<script>", 0, true},
	} {
		got, msg := ParseAmount(c.in)
		if (msg != "") != c.fail || got != c.ore {
			t.Errorf("ParseAmount(%q) = %d, %q", c.in, got, msg)
		}
	}
	if got := FormatKronor(125050); got != "1\u00a0250,50\u00a0kr" {
		t.Errorf("FormatKronor: %q", got)
	}
}

func TestContractInput(t *testing.T) {
	good := ContractInput{Name: "Verksamhetssystem", SupplierID: "1", Procurement: ProcurementLOU, Start: "2025-01-01", InitialMonths: "36",
		NoticeMonths: "6", RenewalMonths: "12", DepartmentID: "2", ResponsibleEmail: "anna@lillaedet.se"}
	if _, errs := good.Parse(); len(errs) != 0 {
		t.Fatalf("good input refused: %v", errs)
	}
	for _, c := range []struct {
		field string
		edit  func(*ContractInput)
	}{
		{"name", func(in *ContractInput) { in.Name = "  " }},
		{"name", func(in *ContractInput) { in.Name = "a\x00b" }},
		{"supplier_id", func(in *ContractInput) { in.SupplierID = "x" }},
		{"procurement", func(in *ContractInput) { in.Procurement = "annat" }},
		{"direct_award_reason", func(in *ContractInput) { in.Procurement = ProcurementDirectAward }},
		{"parent_id", func(in *ContractInput) { in.ParentID = "3" }},
		{"start", func(in *ContractInput) { in.Start = "1 januari" }},
		{"initial_months", func(in *ContractInput) { in.InitialMonths = "tre" }},
		{"notice_months", func(in *ContractInput) { in.NoticeMonths = "48" }},
		{"responsible_email", func(in *ContractInput) { in.ResponsibleEmail = "anna" }},
		{"terminated_by", func(in *ContractInput) { in.EndsOn, in.TerminatedOn = "2026-12-31", "2026-06-01" }},
		{"ends_on", func(in *ContractInput) {
			in.TerminatedBy, in.TerminatedOn, in.EndsOn = "kommunen", "2024-01-01", "2024-12-31"
		}},
		{"terminated_on", func(in *ContractInput) {
			in.TerminatedBy, in.TerminatedOn, in.EndsOn = "kommunen", "2027-01-01", "2026-12-31"
		}},
	} {
		in := good
		c.edit(&in)
		if _, errs := in.Parse(); errs[c.field] == "" {
			t.Errorf("%+v: no message for %s (got %v)", in, c.field, errs)
		}
	}
}
