package server

import (
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// TestDescribeBreachEveryCheck: every check of the board has a Swedish
// description that says what is wrong and who fixes it, from what the
// check found (the rows here are what the compliance checks return for
// the cases of postgres' TestComplianceEveryRule).
func TestDescribeBreachEveryCheck(t *testing.T) {
	since := time.Date(2025, 4, 1, 0, 0, 0, 0, portal.Stockholm)
	until := time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		b    postgres.ComplianceBreach
		text string
	}{
		{postgres.ComplianceBreach{Check: "r1_missing", Detail: "operations"}, "saknar driftsansvarig"},
		{postgres.ComplianceBreach{Check: "r1_inactive", Detail: "administrator", PersonID: 3, PersonName: "Anna Andersson"}, "Anna Andersson är inte längre aktiv"},
		{postgres.ComplianceBreach{Check: "r2_overlap", Detail: "operations", Since: since, Until: &until}, "två innehavare"},
		{postgres.ComplianceBreach{Check: "r2_gap", Detail: "administrator", Since: since, Until: &until}, "Systemförvaltare saknades 2025-04-01–2025-04-30"},
		{postgres.ComplianceBreach{Check: "r2_author", Detail: "operations", RefText: "2025-06-01"}, "ingen registrerad upphovsperson"},
		{postgres.ComplianceBreach{Check: "r3_missing", Detail: "administrator", RefText: "2025-01-01"}, "ingen avisering"},
		{postgres.ComplianceBreach{Check: "r3_waiting", Detail: "administrator", RefText: "2025-01-01"}, "väntat i kön"},
		{postgres.ComplianceBreach{Check: "r3_failed", Detail: "administrator", RefText: "2025-01-01"}, "misslyckades"},
		{postgres.ComplianceBreach{Check: "r4_criteria", Detail: "goal,motivation", RefID: 4, RefText: "IT 2026/0001"}, "utan övergripande mål, skriftlig motivering"},
		{postgres.ComplianceBreach{Check: "r4_no_case", SystemID: 1}, "utan ett beviljat ärende om införande"},
		{postgres.ComplianceBreach{Check: "r5_financing", Detail: "uppgradering", RefID: 4, RefText: "IT 2026/0002"}, "utan bekräftad finansiering"},
		{postgres.ComplianceBreach{Check: "r6_open_source", Detail: "not_head", SystemID: 1}, "någon annan än chefen"},
		{postgres.ComplianceBreach{Check: "r7_self_developed", SystemID: 1}, "utan beviljat ärende om egenutvecklad"},
		{postgres.ComplianceBreach{Check: "r8_decisions", Detail: "2", RefID: 4, RefText: "IT 2026/0003"}, "har 2 beslut"},
		{postgres.ComplianceBreach{Check: "r9_never", Detail: "Regler för IT-säkerhet", RefText: "1", Count: 1}, "1 medarbetare har aldrig kvitterat Regler för IT-säkerhet"},
		{postgres.ComplianceBreach{Check: "r10_again", Detail: "Regler för IT-säkerhet", RefText: "2", Count: 1}, "inte kvitterat den nya versionen 2"},
		{postgres.ComplianceBreach{Check: "r11_hash", Detail: "Regler för IT-säkerhet", RefText: "1", PersonID: 3}, "stämmer inte med versionens text"},
		{postgres.ComplianceBreach{Check: "r12_overdue", SystemID: 1, Until: &until}, "Utvärderingen är försenad"},
		{postgres.ComplianceBreach{Check: "r13_address", SystemID: 1, Detail: "http://www.lillaedet.se.evil.example/"}, "http://www.lillaedet.se.evil.example/"},
		{postgres.ComplianceBreach{Check: "r14_failed", Detail: "hash mismatch", RefID: 17}, "vid post 17."},
		{postgres.ComplianceBreach{Check: "r14_stale"}, "48 timmarna"},
		{postgres.ComplianceBreach{Check: "r14_none"}, "aldrig kontrollerats"},
		{postgres.ComplianceBreach{Check: "r15_no_contract", SystemID: 1, RefText: "Visma AB"}, "omfattas inte av något avtal i IT-portalen. Leverantör enligt registret: Visma AB."},
		{postgres.ComplianceBreach{Check: "r15_no_contract", SystemID: 1, Detail: "ended"}, "inget av avtalen som omfattar det gäller i dag"},
		{postgres.ComplianceBreach{Check: "r22_platform", SystemID: 1, Detail: "avveckling", RefID: 2, RefText: "Windows Server 2012 R2", Until: &until}, "Windows Server 2012 R2, vars avveckling skulle vara klar 2025-04-30"},
		{postgres.ComplianceBreach{Check: "r22_platform", SystemID: 1, Detail: "ej_tillaten", RefID: 3, RefText: "Internet Explorer 11"}, "Internet Explorer 11, som inte är tillåten"},
		{postgres.ComplianceBreach{Check: "r17_overused", SystemID: 1, Detail: "per_anvandare", RefID: 5, RefText: "120/100", Since: since}, "Licensen per användare används av 120 men bara 100 är köpta"},
		{postgres.ComplianceBreach{Check: "r16_ended", Detail: "Skolplattform", RefID: 3, RefText: "Visma AB", Until: &until, PersonName: "Anna Andersson"}, "Avtalet Skolplattform med Visma AB löpte ut 2025-04-30"},
		{postgres.ComplianceBreach{Check: "r23_expired", Detail: "Lilla Edets Bostäder AB", RefID: 5, RefText: "IT 2026/0004", Until: &until}, "Nätanslutningen för Lilla Edets Bostäder AB (ärende IT 2026/0004) gällde till och med 2025-04-30"},
		{postgres.ComplianceBreach{Check: "r24_unwatched", Detail: "bygglov@lillaedet.se", RefID: 2}, "Ingen bevakar brevlådan bygglov@lillaedet.se i dag"},
		{postgres.ComplianceBreach{Check: "r20_missing", PersonName: "Anna Andersson", Detail: "E-post och kalender", RefID: 2}, "Anna Andersson har inte gått den obligatoriska kursen E-post och kalender."},
		{postgres.ComplianceBreach{Check: "r20_overdue", PersonName: "Anna Andersson", Detail: "Diariet", RefID: 2, RefText: "2023-05-04"}, "ska gå om den obligatoriska kursen Diariet (senast gått 2023-05-04)"},
		{postgres.ComplianceBreach{Check: "r21_no_session", SystemID: 1, Detail: "Diariet grundkurs", RefID: 2, RefText: "2024-11-01"}, "har inte haft något tillfälle de senaste 12 månaderna. Senaste tillfället var 2024-11-01."},
		{postgres.ComplianceBreach{Check: "r18_no_agreement", SystemID: 1, Detail: "missing"}, "inget personuppgiftsbiträdesavtal är registrerat"},
		{postgres.ComplianceBreach{Check: "r18_no_agreement", SystemID: 1, Detail: "unsigned"}, "avtalet är inte undertecknat"},
		{postgres.ComplianceBreach{Check: "r19_overdue", SystemID: 1, Until: &until, Detail: "2024-04-30"}, "senast 2025-04-30. Senaste tillsyn: 2024-04-30."},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.b.Check] = true
		got := describeBreach(c.b, "https://www.lillaedet.se")
		if !strings.Contains(got.Message, c.text) || got.Fix == "" {
			t.Errorf("%s: message %q fix %q; want %q in the message", c.b.Check, got.Message, got.Fix, c.text)
		}
		if w := developerWord(got.Message + " " + got.Fix); w != "" {
			t.Errorf("%s says %q to people: %q %q", c.b.Check, w, got.Message, got.Fix)
		}
	}
	// What the board says it checks is plain Swedish too.
	for _, r := range portal.Rules {
		texts := []string{r.Title}
		for _, c := range r.Checks {
			texts = append(texts, c.What)
		}
		for _, text := range texts {
			if w := developerWord(text); w != "" {
				t.Errorf("%s says %q to people: %q", r.ID, w, text)
			}
		}
	}
	for _, k := range portal.CheckKeys() {
		if !seen[k] {
			t.Errorf("check %s has no description case", k)
		}
	}
}

// developerWord returns the first word of the developers' that text shows
// people, or "".
func developerWord(text string) string {
	for _, w := range []string{"databas", "kontrollsumm", "hash", "SHA", "ITPORTAL_", "itportal ", "--", "Europe/Stockholm", "_id", "seq "} {
		if strings.Contains(text, w) {
			return w
		}
	}
	return ""
}

// TestAuditLabelsArePlainSwedish: every action the portal records reads as
// Swedish in a person's or system's history, never as its event name.
func TestAuditLabelsArePlainSwedish(t *testing.T) {
	for _, action := range []string{"person.imported_from_hr", "person.created_by_import", "person.employment_ended", "document.acknowledged",
		"request.submitted", "api_token.created", "system.role_change_renotified",
		"platform_component.added", "platform_component.status_changed", "system.platform_changed", "something.new_and_unknown"} {
		got := auditLabel(action)
		if strings.ContainsAny(got, "._") || got == "" {
			t.Errorf("%s is shown as %q", action, got)
		}
	}
}
