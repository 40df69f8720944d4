package portal

// The rules of "Riktlinjer för IT" that the compliance board checks: R1–R14
// of the domain description; the contract rules R15–R16, the licence rule
// R17 and the personal data processors R18–R19 (issue 20); training
// R20–R21, the platform R22, network access R23 and mailboxes R24 (issue
// 21); each with the section it comes from and what
// is checked. What counts as a breach of each check is SQL
// (internal/postgres/compliance_checks.go); how a breach is described to
// people is the server's (internal/server/compliance.go).

// Rule is one rule as the board shows it.
type Rule struct {
	ID      string // "R1"
	Slug    string // "r1": the drill-down is /efterlevnad/{slug}
	Section string // the section of Riktlinjer för IT it comes from, "4.3"
	Heading string // that section's heading, to link into the document's text
	Title   string // what the rule says, in Swedish
	// Municipal rules concern the whole municipality, not one department:
	// only IT-enheten's side sees their breaches.
	Municipal bool
	Checks    []Check
}

// Check is one thing the board checks for a rule.
type Check struct {
	Key  string // the kind of breach row it produces, e.g. "r1_missing"
	What string // what it checks, in Swedish
	// Guard checks must always be 0: the portal (or the database) already
	// refuses what they look for, so a breach means a safeguard failed.
	Guard bool
}

// Rules lists the rules in order, with their checks.
var Rules = []Rule{
	{ID: "R1", Slug: "r1", Section: "4.3", Heading: "4.3 Systemförvaltare",
		Title: "Varje system har i dag en systemägare, en systemförvaltare och en driftsansvarig.",
		Checks: []Check{
			{Key: "r1_missing", What: "System som i dag saknar systemägare, systemförvaltare eller driftsansvarig. Ett planerat system räknas först från sitt startdatum, ett avvecklat inte alls."},
			{Key: "r1_inactive", What: "Systemförvaltare som inte längre är aktiva (anställningen har upphört eller kontot är avaktiverat)."},
		}},
	{ID: "R2", Slug: "r2", Section: "4.2", Heading: "4.2 Systemägare",
		Title: "Rollerna har perioder med datum; historiken är hel, skrivs aldrig över och visar vem som ändrade.",
		Checks: []Check{
			{Key: "r2_overlap", What: "Två innehavare av samma roll samma dag (ska aldrig hända: portalen tillåter det inte).", Guard: true},
			{Key: "r2_gap", What: "Avslutade luckor i historiken: dagar då ingen hade rollen."},
			{Key: "r2_author", What: "Rollbyten utan registrerad upphovsperson (gjorda utanför portalens formulär)."},
		}},
	{ID: "R3", Slug: "r3", Section: "4.4.1", Heading: "4.4.1 Drift av verksamhetssystem",
		Title: "IT-enheten underrättas utan dröjsmål när ägare, förvaltare eller driftsansvar ändras.",
		Checks: []Check{
			{Key: "r3_failed", What: "Rollbyten vars avisering misslyckades (försöks igen eller har getts upp)."},
			{Key: "r3_waiting", What: "Rollbyten vars avisering fortfarande väntar i kön efter en timme."},
			{Key: "r3_missing", What: "Rollbyten utan någon avisering en timme efteråt."},
		}},
	{ID: "R4", Slug: "r4", Section: "4.2.1", Heading: "4.2.1 Införande och uppgradering av verksamhetssystem",
		Title: "Införande och uppgradering godkänns av IT-enheten med mål, plattform och ekonomisk konsekvens som underlag och en skriftlig motivering.",
		Checks: []Check{
			{Key: "r4_criteria", What: "Beslutade ärenden om införande eller uppgradering utan mål, plattformskompatibilitet, ekonomisk konsekvens eller motivering (ska vara 0).", Guard: true},
			{Key: "r4_no_case", What: "System i drift utan beviljat ärende om införande och utan markeringen Infört före IT-portalen."},
		}},
	{ID: "R5", Slug: "r5", Section: "4.5", Heading: "4.5 Fastställande av IT-infrastruktur",
		Title: "Inget ärende beviljas utan bekräftad finansiering (utom anmälan om driftförändring).",
		Checks: []Check{
			{Key: "r5_financing", What: "Beviljade ärenden utan bekräftad finansiering (ska vara 0).", Guard: true},
		}},
	{ID: "R6", Slug: "r6", Section: "7", Heading: "7. Programvara",
		Title: "Programvara med öppen källkod används efter särskild prövning av chefen för IT-enheten.",
		Checks: []Check{
			{Key: "r6_open_source", What: "System markerade som öppen källkod utan beviljat ärende om öppen källkod, beslutat av chefen för IT-enheten."},
		}},
	{ID: "R7", Slug: "r7", Section: "7", Heading: "7. Programvara",
		Title: "Egenutvecklade applikationer används bara efter särskilt beslut av chefen för IT-enheten.",
		Checks: []Check{
			{Key: "r7_self_developed", What: "System markerade som egenutvecklade utan beviljat ärende om egenutvecklad applikation, beslutat av chefen för IT-enheten."},
		}},
	{ID: "R8", Slug: "r8", Section: "4.2.1", Heading: "4.2.1 Införande och uppgradering av verksamhetssystem",
		Title: "Ett beslut är slutligt och fattas en gång.",
		Checks: []Check{
			{Key: "r8_decisions", What: "Ärenden med mer än ett beslut i tidslinjen (ska vara 0).", Guard: true},
		}},
	{ID: "R9", Slug: "r9", Section: "3", Heading: "3. Medel för att uppnå syftet",
		Title: "Nyanställda kvitterar Regler för IT-säkerhet (och andra styrdokument som ska kvitteras).",
		Checks: []Check{
			{Key: "r9_never", What: "Medarbetare som aldrig har kvitterat ett styrdokument som de ska kvittera, per dokument och förvaltning."},
		}},
	{ID: "R10", Slug: "r10", Section: "12", Heading: "12. Användning och ansvar",
		Title: "En ny version av ett styrdokument kvitteras på nytt av alla den gäller.",
		Checks: []Check{
			{Key: "r10_again", What: "Medarbetare som har kvitterat en tidigare version men inte den som kräver ny kvittens, per dokument och förvaltning."},
		}},
	{ID: "R11", Slug: "r11", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "En kvittens visar vem som kvitterade, vilken version och exakt vilken text, och när; den ändras aldrig.",
		Checks: []Check{
			{Key: "r11_hash", What: "Kvittenser som inte stämmer med texten i den version som kvitterades (ska vara 0).", Guard: true},
		}},
	{ID: "R12", Slug: "r12", Section: "3", Heading: "3. Medel för att uppnå syftet",
		Title: "Varje system utvärderas minst var tolfte månad.",
		Checks: []Check{
			{Key: "r12_overdue", What: "System i drift eller under avveckling vars utvärdering är försenad."},
		}},
	{ID: "R13", Slug: "r13", Section: "10", Heading: "10. Internetförbindelse och webbplats",
		Title: "Webbplatser som representerar kommunen använder den officiella adressen.",
		Checks: []Check{
			{Key: "r13_address", What: "Webbplatser som representerar kommunen men inte ligger på https och kommunens officiella adress."},
		}},
	{ID: "R14", Slug: "r14", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "Ärenden, beslut och rollbyten sparas i en historik som aldrig ändras.", Municipal: true,
		Checks: []Check{
			{Key: "r14_failed", What: "Den senaste nattliga kontrollen av granskningsloggen hittade en ändring eller ett fel.", Guard: true},
			{Key: "r14_stale", What: "Ingen kontroll av granskningsloggen har lyckats de senaste 48 timmarna."},
			{Key: "r14_none", What: "Granskningsloggen har aldrig kontrollerats."},
		}},
	{ID: "R15", Slug: "r15", Section: "7", Heading: "7. Programvara",
		Title: "Varje system i drift omfattas av ett gällande avtal, så att licenserna är köpta enligt villkoren. Egenutvecklade system är inte köpta och räknas inte.",
		Checks: []Check{
			{Key: "r15_no_contract", What: "System i drift, som inte är markerade som egenutvecklade, utan något avtal som gäller i dag."},
		}},
	{ID: "R16", Slug: "r16", Section: "4.2", Heading: "4.2 Systemägare",
		Title: "Inget avtal passerar sin sista dag utan ett registrerat beslut om uppsägning eller fortsättning. Ett avtal som förlängs automatiskt och inte är uppsagt har förlängts.",
		Checks: []Check{
			{Key: "r16_ended", What: "Avtal som inte förlängs automatiskt och vars avtalsperiod har löpt ut, utan att en uppsägning eller en utnyttjad option har registrerats."},
		}},
	{ID: "R17", Slug: "r17", Section: "7", Heading: "7. Programvara",
		Title: "Licenser i användning överstiger inte antalet köpta (§7). En platslicens gäller hur många som helst.",
		Checks: []Check{
			{Key: "r17_overused", What: "Licenser för system som inte är avvecklade där antalet i användning, som det senast räknades, är större än antalet köpta."},
		}},
	{ID: "R18", Slug: "r18", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "Ett system med personuppgifter som en leverantör driver har ett undertecknat personuppgiftsbiträdesavtal (§8).",
		Checks: []Check{
			{Key: "r18_no_agreement", What: "System i drift eller under avveckling med personuppgifter, som en leverantör driver (SaaS eller entreprenad) eller som har ett registrerat personuppgiftsbiträde, utan ett undertecknat personuppgiftsbiträdesavtal."},
		}},
	{ID: "R19", Slug: "r19", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "Tillsynen av varje personuppgiftsbiträde är inte försenad (§8).",
		Checks: []Check{
			{Key: "r19_overdue", What: "Personuppgiftsbiträden, för system som inte är avvecklade, vars nästa tillsyn skulle ha gjorts före i dag."},
		}},
	{ID: "R20", Slug: "r20", Section: "5", Heading: "5. Utbildning",
		Title: "Personal som ska gå en obligatorisk utbildning har gått den inom dess intervall (§5).",
		Checks: []Check{
			{Key: "r20_missing", What: "Medarbetare som ska gå en obligatorisk kurs men aldrig har gått den, per kurs och förvaltning."},
			{Key: "r20_overdue", What: "Medarbetare vars obligatoriska kurs ska gås om: intervallet sedan senaste tillfället har löpt ut."},
		}},
	{ID: "R21", Slug: "r21", Section: "5", Heading: "5. Utbildning",
		Title: "Varje system i drift med obligatorisk utbildning har haft ett utbildningstillfälle de senaste 12 månaderna (§5).",
		Checks: []Check{
			{Key: "r21_no_session", What: "System i drift vars obligatoriska kurs inte har haft något tillfälle de senaste 12 månaderna (en ny kurs har sina första 12 månader på sig)."},
		}},
	{ID: "R22", Slug: "r22", Section: "4.5", Heading: "4.5 Fastställande av IT-infrastruktur",
		Title: "Inga system i drift kör på en plattformskomponent vars avveckling har passerat sitt slutdatum, eller som inte är tillåten (§4.5).",
		Checks: []Check{
			{Key: "r22_platform", What: "System i drift som kör på en plattformskomponent under avveckling vars slutdatum har passerat, eller på en komponent som inte är tillåten."},
		}},
	{ID: "R23", Slug: "r23", Section: "6", Heading: "6. IT-utrustning",
		Title: "Ingen nätanslutning används efter sitt slutdatum (§6).",
		Checks: []Check{
			{Key: "r23_expired", What: "Beviljade nätanslutningar för bolag och samarbetsparter vars giltighetstid har gått ut utan att IT-enheten har registrerat att anslutningen är stängd."},
		}},
	{ID: "R24", Slug: "r24", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "Varje funktionsbrevlåda har en aktiv bevakare (§8).",
		Checks: []Check{
			{Key: "r24_unwatched", What: "Funktionsbrevlådor och delade brevlådor i bruk som i dag saknar en aktiv bevakare (en ersättare räcker inte)."},
		}},
}

// RuleBySlug returns the rule with the drill-down slug ("r1").
func RuleBySlug(slug string) (Rule, bool) {
	for _, r := range Rules {
		if r.Slug == slug {
			return r, true
		}
	}
	return Rule{}, false
}

// RuleOfCheck returns the rule a check belongs to ("r1_missing" → R1).
func RuleOfCheck(key string) (Rule, bool) {
	i, ok := ruleIndexOfCheck[key]
	if !ok {
		return Rule{}, false
	}
	return Rules[i], true
}

// RuleIndex is a rule's place in Rules (its order on the board), or -1.
func RuleIndex(id string) int {
	for i, r := range Rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// CheckKeys are the keys of every check, in board order.
func CheckKeys() []string {
	var out []string
	for _, r := range Rules {
		for _, c := range r.Checks {
			out = append(out, c.Key)
		}
	}
	return out
}

var ruleIndexOfCheck = func() map[string]int {
	m := map[string]int{}
	for i, r := range Rules {
		for _, c := range r.Checks {
			m[c.Key] = i
		}
	}
	return m
}()
