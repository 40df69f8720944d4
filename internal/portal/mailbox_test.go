package portal

import (
	"strings"
	"testing"
	"time"
)

func dayPtr(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// TestMailboxFieldsValidate: an address is a valid e-mail address, kept in
// lower case; kind, department and purpose are required; hostile and
// overly long text is refused with a Swedish message.
func TestMailboxFieldsValidate(t *testing.T) {
	ok := func() MailboxFields {
		return MailboxFields{Address: " Bygglov@LillaEdet.se ", Kind: MailboxFunctional, DepartmentID: 3, Purpose: "Ansökningar om bygglov"}
	}
	for _, c := range []struct {
		name   string
		change func(*MailboxFields)
		field  string
		want   string
	}{
		{"valid", func(*MailboxFields) {}, "", ""},
		{"no address", func(f *MailboxFields) { f.Address = " " }, "address", "Ange brevlådans e-postadress"},
		{"not an address", func(f *MailboxFields) { f.Address = "bygglov at lillaedet" }, "address", "giltig e-postadress"},
		{"a display name", func(f *MailboxFields) { f.Address = "Bygglov <bygglov@lillaedet.se>" }, "address", "giltig e-postadress"},
		{"script in the address", func(f *MailboxFields) { f.Address = "<script>@lillaedet.se" }, "address", "giltig e-postadress"},
		{"unknown kind", func(f *MailboxFields) { f.Kind = "privat" }, "kind", "funktionsbrevlåda eller en delad"},
		{"no department", func(f *MailboxFields) { f.DepartmentID = 0 }, "department", "förvaltning"},
		{"no purpose", func(f *MailboxFields) { f.Purpose = "" }, "purpose", "Beskriv"},
		{"NUL in the purpose", func(f *MailboxFields) { f.Purpose = "a\x00b" }, "purpose", "inte är tillåtna"},
		{"long purpose", func(f *MailboxFields) { f.Purpose = strings.Repeat("å", MaxMailboxPurpose+1) }, "purpose", "högst 2000 tecken"},
		{"closed in year 20", func(f *MailboxFields) { f.ClosedOn = dayPtr("0020-01-01") }, "closed_on", "mellan 1990 och 2100"},
	} {
		f := ok()
		c.change(&f)
		errs := f.Validate()
		if c.field == "" {
			if len(errs) != 0 || f.Address != "bygglov@lillaedet.se" {
				t.Errorf("%s: %v, address %q", c.name, errs, f.Address)
			}
			continue
		}
		if !strings.Contains(errs[c.field], c.want) || len(errs) != 1 {
			t.Errorf("%s: %v, want %s: %q", c.name, errs, c.field, c.want)
		}
	}
}

// TestWatcherInputCheck: a period names a person and a role, starts on a
// date and ends (when it does) on or after it.
func TestWatcherInputCheck(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    WatcherInput
		field string
		want  string
	}{
		{"open period", WatcherInput{Email: "Anna@lillaedet.se", Role: WatcherMain, From: dayPtr("2026-01-01")}, "", ""},
		{"one day", WatcherInput{Email: "anna@lillaedet.se", Role: WatcherDeputy, From: dayPtr("2026-01-01"), To: dayPtr("2026-01-01")}, "", ""},
		{"reversed", WatcherInput{Email: "anna@lillaedet.se", Role: WatcherMain, From: dayPtr("2026-02-01"), To: dayPtr("2026-01-31")}, "to", "före den första"},
		{"no start", WatcherInput{Email: "anna@lillaedet.se", Role: WatcherMain}, "from", "första dagen"},
		{"far future", WatcherInput{Email: "anna@lillaedet.se", Role: WatcherMain, From: dayPtr("2026-01-01"), To: dayPtr("9999-12-31")}, "to", "mellan 1990 och 2100"},
		{"no person", WatcherInput{Role: WatcherMain, From: dayPtr("2026-01-01")}, "email", "Ange e-postadressen"},
		{"hostile person", WatcherInput{Email: "<script>alert(1)</script>", Role: WatcherMain, From: dayPtr("2026-01-01")}, "email", "giltig e-postadress"},
		{"no role", WatcherInput{Email: "anna@lillaedet.se", Role: "chef", From: dayPtr("2026-01-01")}, "role", "bevakare eller ersättare"},
		{"long reason", WatcherInput{Email: "anna@lillaedet.se", Role: WatcherMain, From: dayPtr("2026-01-01"), Reason: strings.Repeat("x", 2001)}, "reason", "högst 2000"},
	} {
		errs := c.in.Check()
		if c.field == "" {
			if len(errs) != 0 || c.in.Email != strings.ToLower(c.in.Email) {
				t.Errorf("%s: %v", c.name, errs)
			}
			continue
		}
		if !strings.Contains(errs[c.field], c.want) || len(errs) != 1 {
			t.Errorf("%s: %v, want %s: %q", c.name, errs, c.field, c.want)
		}
	}
}

// TestCheckWatchEnd: a period is ended on a day before its present end, at
// the earliest on its first day.
func TestCheckWatchEnd(t *testing.T) {
	from := *dayPtr("2026-03-01")
	for _, c := range []struct {
		name string
		to   *time.Time
		last *time.Time
		want string
	}{
		{"open, ended", nil, dayPtr("2026-05-31"), ""},
		{"its first day", nil, dayPtr("2026-03-01"), ""},
		{"before it starts", nil, dayPtr("2026-02-28"), "före periodens första dag"},
		{"no day", nil, nil, "Ange sista dagen"},
		{"shortened", dayPtr("2026-12-31"), dayPtr("2026-06-30"), ""},
		{"not shorter", dayPtr("2026-12-31"), dayPtr("2026-12-31"), "slutar redan 2026-12-31"},
	} {
		if got := CheckWatchEnd(from, c.to, c.last); !strings.Contains(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestCanEditMailbox: IT-enheten edits every department's mailboxes, a
// manager their own department's, nobody else any.
func TestCanEditMailbox(t *testing.T) {
	it := &Actor{PersonID: 1, Roles: []Role{RoleITUnit}}
	manager := &Actor{PersonID: 2, DepartmentID: 5}
	for _, c := range []struct {
		name    string
		a       *Actor
		dept    int64
		manages bool
		own     int64
		ok      bool
		msg     string
	}{
		{"IT-enheten", it, 9, false, 0, true, ""},
		{"the head", &Actor{PersonID: 3, Roles: []Role{RoleITHead}}, 9, false, 0, true, ""},
		{"a manager, own department", manager, 5, true, 5, true, ""},
		{"a manager, another department", manager, 6, true, 5, false, "din egen förvaltning"},
		{"a manager moved since signing in", manager, 5, true, 6, false, "din egen förvaltning"},
		{"staff without staff of their own", manager, 5, false, 5, false, "förvaltningens chefer"},
		{"an administrator", &Actor{PersonID: 4, Roles: []Role{RoleAdmin}}, 5, false, 0, false, "förvaltningens chefer"},
		{"nobody", nil, 5, true, 5, false, "Logga in"},
	} {
		err := CanEditMailbox(c.a, c.dept, c.manages, c.own)
		if (err == nil) != c.ok || (err != nil && (KindOf(err) != KindForbidden || !strings.Contains(MessageOf(err), c.msg))) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestMailboxState: the status tag says whether someone watches today.
func TestMailboxState(t *testing.T) {
	for _, c := range []struct {
		closed             bool
		watchers, deputies int
		label              string
		breach             bool
	}{
		{false, 0, 0, "Ingen bevakare", true},
		{false, 0, 2, "Ingen bevakare, bara ersättare", true},
		{false, 1, 0, "Bevakas, ingen ersättare", false},
		{false, 2, 1, "Bevakas", false},
		{true, 0, 0, "Stängd", false},
	} {
		if label, breach := MailboxState(c.closed, c.watchers, c.deputies); label != c.label || breach != c.breach {
			t.Errorf("%+v: %q %v", c, label, breach)
		}
	}
}
