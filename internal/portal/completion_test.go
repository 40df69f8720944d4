package portal

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCompletionItems: IT-enheten may ask for any field of the kind but the
// department, and for the financing as one item that opens all its fields.
func TestCompletionItems(t *testing.T) {
	items := CompletionItemsOf(KindIntroduction)
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	if slices.Contains(names, "department") || !slices.Contains(names, "title") || !slices.Contains(names, CompletionFinancing) ||
		slices.Contains(names, "financing_confirmed") {
		t.Errorf("items: %v", names)
	}
	if items := CompletionItemsOf(KindOperationsChange); slices.ContainsFunc(items, func(c CompletionItem) bool { return c.Name == CompletionFinancing }) {
		t.Error("an operations change has no financing to ask for")
	}
	fields, err := CompletionFields(KindIntroduction, []string{CompletionFinancing, "need"})
	if err != nil || strings.Join(fields, ",") != "need,financing_source,financing_confirmed,financing_reference,financing_decided_by,financing_decided_on" {
		t.Errorf("fields: %v %v", fields, err)
	}
	if !FinancingAsked(fields) {
		t.Error("financing not asked")
	}
	if got := CompletionLabels(KindIntroduction, fields); len(got) != 2 || got[0] != "Behov" || !strings.HasPrefix(got[1], "Finansiering (4.5)") {
		t.Errorf("labels: %v", got)
	}
	for _, bad := range [][]string{{"department"}, {"software"}, {"title", "'; DROP TABLE requests"}} {
		if _, err := CompletionFields(KindIntroduction, bad); KindOf(err) != KindInvalid {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// TestAnswerCompletion: the answer changes only the asked fields; a field
// not asked may come along unchanged but not changed; confirmed financing
// needs who decided, the reference and a date not in the future; the
// changes say "before → after"; R5 then lets the case be granted.
func TestAnswerCompletion(t *testing.T) {
	cur := RequestFields{DepartmentID: 1, Title: "Nytt system", Description: "Beskrivning", Contact: "Anna",
		FinancingSource: "Budget 2027",
		Details: RequestDetails{Need: "Behov", GoalAlignment: "Mål", PlatformCompatibility: "Webb", Years: 3, NewSystemName: "X",
			PersonalData: "nej", AdministratorName: "Leila", AdministratorEmail: "leila@example.lillaedet.se"}}
	asked, _ := CompletionFields(KindIntroduction, []string{CompletionFinancing})
	if _, _, err := CheckDecision(KindIntroduction, StateInProgress, ActionGrant, "Bra", cur); KindOf(err) != KindConflict {
		t.Fatalf("granted without financing: %v", err)
	}
	yesterday := Today().AddDate(0, 0, -1).Format(time.DateOnly)
	good := url.Values{"financing_confirmed": {"ja"}, "financing_decided_by": {" Socialnämnden "}, "financing_reference": {"SN 2027/14"},
		"financing_decided_on": {yesterday}, "title": {"Nytt system "}, "comment": {"ignored"}}

	for name, form := range map[string]url.Values{
		"title": {"title": {"Annan rubrik"}}, "need": {"need": {"Annat"}}, "years": {"years": {"4"}}, "department": {"department": {"2"}},
	} {
		if _, _, err := AnswerCompletion(KindIntroduction, asked, cur, form); KindOf(err) != KindConflict || !strings.Contains(MessageOf(err), "har inte begärts") {
			t.Errorf("changing %s, not asked: %v", name, err)
		}
	}
	if _, _, err := AnswerCompletion(KindIntroduction, asked, cur, url.Values{"financing_confirmed": {"ja"}}); KindOf(err) != KindInvalid {
		t.Errorf("confirmed without the decision: %v", err)
	} else {
		fields := err.(*Error).Fields
		for _, f := range []string{"financing_decided_by", "financing_reference", "financing_decided_on"} {
			if fields[f] == "" {
				t.Errorf("no message for %s: %v", f, fields)
			}
		}
	}
	future := url.Values{"financing_confirmed": {"ja"}, "financing_decided_by": {"SN"}, "financing_reference": {"SN 1"},
		"financing_decided_on": {Today().AddDate(0, 0, 1).Format(time.DateOnly)}}
	if _, _, err := AnswerCompletion(KindIntroduction, asked, cur, future); KindOf(err) != KindInvalid || err.(*Error).Fields["financing_decided_on"] != "Datumet kan inte vara i framtiden." {
		t.Errorf("a decision dated tomorrow: %v", err)
	}
	if _, _, err := AnswerCompletion(KindIntroduction, asked, cur, url.Values{"financing_confirmed": {"kanske"}}); KindOf(err) != KindInvalid {
		t.Errorf("neither yes nor no: %v", err)
	}
	// Still not confirmed: no decision needed, nothing changes.
	if next, changes, err := AnswerCompletion(KindIntroduction, asked, cur, url.Values{"financing_confirmed": {"nej"}}); err != nil || len(changes) != 0 || next.FinancingConfirmed {
		t.Errorf("answering no: %v %v", changes, err)
	}

	next, changes, err := AnswerCompletion(KindIntroduction, asked, cur, good)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.Describe())
	}
	want := "Finansieringen är bekräftad: Nej → Ja; Beslut om finansiering: Ej angivet → SN 2027/14; " +
		"Vem beslutade om finansieringen?: Ej angivet → Socialnämnden; Datum för beslutet om finansiering: Ej angivet → " + yesterday
	if got := strings.Join(lines, "; "); got != want {
		t.Errorf("changes:\n%s\nwant\n%s", got, want)
	}
	if next.Title != cur.Title || next.Details != cur.Details || next.FinancingDecidedBy != "Socialnämnden" {
		t.Errorf("next: %+v", next)
	}
	if _, _, err := CheckDecision(KindIntroduction, StateInProgress, ActionGrant, "Bra", next); err != nil {
		t.Errorf("grant after the completion: %v", err)
	}
	// A field asked for is checked as a submission is.
	if _, _, err := AnswerCompletion(KindIntroduction, []string{"need"}, cur, url.Values{"need": {"  "}}); KindOf(err) != KindInvalid || err.(*Error).Fields["need"] == "" {
		t.Errorf("emptying a required field: %v", err)
	}
}
