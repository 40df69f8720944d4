package server

import (
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
)

// roleLabel is a role's Swedish name in running text.
func roleLabel(role string) string { return strings.ToLower(portal.SystemRole(role).Label()) }

// sectionOf is the guideline's section of a breach's rule ("4.3").
func sectionOf(b postgres.ComplianceBreach) string {
	r, _ := portal.RuleOfCheck(b.Check)
	return r.Section
}

// sinceDate is the Stockholm date a breach began, or "" when unknown.
func sinceDate(b postgres.ComplianceBreach) string {
	if b.Since.IsZero() {
		return ""
	}
	return portal.DateOf(b.Since).Format(dateLayout)
}

// breachText is a breach described for people: what is wrong, who can fix
// it and how, and the page to fix it on (when there is one).
type breachText struct {
	Message string
	Fix     string
	Link    string
}

// describeBreach says in Swedish what a breach the checks found means;
// official is the municipality's official web address (R13).
func describeBreach(r postgres.ComplianceBreach, official string) breachText {
	var b breachText
	count := max(r.Count, 1)
	system := "/system/" + strconv.FormatInt(r.SystemID, 10)
	caseLink := "/arenden/" + strconv.FormatInt(r.RefID, 10)
	owner := "Systemägaren"
	if r.DepartmentName != "" {
		owner = "Systemägaren (" + r.DepartmentName + ")"
	}
	switch r.Check {
	case "r1_missing":
		b.Message = "Systemet saknar " + roleLabel(r.Detail) + "."
		b.Fix = "IT-enheten registrerar en ny innehavare under Ändra roller."
		if r.Detail == string(portal.RoleAdministrator) {
			b.Fix = owner + " utser en systemförvaltare; IT-enheten registrerar den under Ändra roller."
		}
		b.Link = system + "/roller?roll=" + r.Detail
	case "r1_inactive":
		b.Message = "Systemförvaltaren " + r.PersonName + " är inte längre aktiv: systemet saknar systemförvaltare."
		b.Fix = owner + " utser en ny systemförvaltare; IT-enheten registrerar den (Överlämna på personens sida eller Ändra roller)."
		b.Link = "/personer/" + strconv.FormatInt(r.PersonID, 10)
	case "r2_overlap":
		b.Message = portal.SystemRole(r.Detail).Label() + " har två innehavare samma dagar" + periodText(r.Since, r.Until) + "."
		b.Fix = "Portalens spärr mot två innehavare samtidigt har kringgåtts: IT-enheten rättar perioderna och utreder hur det gick till."
		b.Link = system + "/historik"
	case "r2_gap":
		b.Message = portal.SystemRole(r.Detail).Label() + " saknades" + periodText(r.Since, r.Until) + "."
		b.Fix = "Om någon faktiskt hade rollen rättar IT-enheten historiken med en bakåtdaterad ändring under Ändra roller."
		b.Link = system + "/historik"
	case "r2_author":
		b.Message = "Bytet av " + roleLabel(r.Detail) + " från " + r.RefText + " har ingen registrerad upphovsperson."
		b.Fix = "IT-enheten tar reda på vem som gjorde ändringen och antecknar det; rollbyten görs i portalen så att de får en upphovsperson."
		b.Link = system + "/historik"
	case "r3_failed", "r3_waiting", "r3_missing":
		what := "Bytet av " + roleLabel(r.Detail) + " från " + r.RefText
		switch r.Check {
		case "r3_failed":
			b.Message = what + ": aviseringen till IT-enheten misslyckades."
			b.Fix = "En administratör ser felet under Bakgrundsjobb och försöker igen, eller IT-enheten skickar aviseringen på nytt här."
		case "r3_waiting":
			b.Message = what + ": aviseringen har väntat i kön i mer än en timme."
			b.Fix = "En administratör kontrollerar under Bakgrundsjobb att portalens bakgrundsjobb körs."
		default:
			b.Message = what + ": ingen avisering skickades till IT-enheten."
			b.Fix = "IT-enheten skickar aviseringen här; rollbyten görs i portalen så att aviseringen skickas direkt."
		}
		b.Link = system + "/historik"
	case "r4_criteria":
		var missing []string
		for _, m := range strings.Split(r.Detail, ",") {
			switch m {
			case "goal":
				missing = append(missing, "övergripande mål")
			case "platform":
				missing = append(missing, "kompatibilitet med plattformen")
			case "economy":
				missing = append(missing, "ekonomisk konsekvens (antal år)")
			case "motivation":
				missing = append(missing, "skriftlig motivering")
			}
		}
		b.Message = "Ärende " + r.RefText + " beslutades utan " + strings.Join(missing, ", ") + "."
		b.Fix = "Portalens kontroll har kringgåtts: IT-enheten utreder hur beslutet kom till och dokumenterar underlaget i ett nytt ärende."
		b.Link = caseLink
	case "r4_no_case":
		b.Message = "Systemet är i drift utan ett beviljat ärende om införande."
		b.Fix = owner + " lämnar in ett ärende om införande. Infördes systemet före IT-portalen markerar IT-enheten det som Infört före IT-portalen och skriver varför under Anteckningar; systemförvaltaren kan föreslå det i systemets uppgifter."
		b.Link = system + "/redigera"
	case "r5_financing":
		b.Message = "Ärende " + r.RefText + " beviljades utan bekräftad finansiering."
		b.Fix = "Portalens kontroll har kringgåtts: IT-enheten utreder beslutet och förvaltningen bekräftar finansieringen i ett nytt ärende."
		b.Link = caseLink
	case "r6_open_source", "r7_self_developed":
		kind, label := portal.KindOpenSource, "öppen källkod"
		if r.Check == "r7_self_developed" {
			kind, label = portal.KindSelfDeveloped, "egenutvecklat"
		}
		b.Message = "Systemet är markerat som " + label + " utan beviljat ärende om " + strings.ToLower(kind.Label()) + " från chefen för IT-enheten."
		if r.Detail == "not_head" {
			b.Message = "Systemet är markerat som " + label + "; ärendet beviljades av någon annan än chefen för IT-enheten."
		}
		if r.RefText != "" {
			b.Message += " Beslutsreferens i registret: " + r.RefText + "."
		}
		b.Fix = owner + " lämnar in ett ärende om " + strings.ToLower(kind.Label()) + " som chefen för IT-enheten prövar; är markeringen fel tar IT-enheten bort den."
		b.Link = "/arenden/nytt?typ=" + string(kind) + "&system_id=" + strconv.FormatInt(r.SystemID, 10)
	case "r8_decisions":
		b.Message = "Ärende " + r.RefText + " har " + r.Detail + " beslut i tidslinjen."
		b.Fix = "Portalens spärr mot ett andra beslut har kringgåtts: IT-enheten utreder vilket beslut som gäller."
		b.Link = caseLink
	case "r9_never", "r10_again":
		people := components.CountOf(count, components.Employees)
		if r.Check == "r9_never" {
			b.Message = people + " har aldrig kvitterat " + r.Detail + " (version " + r.RefText + ")."
		} else {
			b.Message = people + " har inte kvitterat den nya versionen " + r.RefText + " av " + r.Detail + "."
		}
		b.Fix = "Cheferna ser till att medarbetarna läser och kvitterar; portalen påminner dem varje vecka. Uppföljning per person under Kvittenser."
		b.Link = "/efterlevnad/kvittenser"
	case "r11_hash":
		b.Message = "Kvittensen av " + r.Detail + " version " + r.RefText + " stämmer inte med versionens text."
		b.Fix = "IT-enheten utreder avvikelsen med kvittensunderlaget (kvittenser ändras aldrig); personen kvitterar på nytt."
		b.Link = "/efterlevnad/bevis.csv?person=" + strconv.FormatInt(r.PersonID, 10)
	case "r12_overdue":
		due := ""
		if r.Until != nil {
			due = r.Until.Format(dateLayout)
		}
		b.Message = "Utvärderingen är försenad (skulle ha gjorts senast " + due + ")."
		b.Fix = "Systemförvaltaren gör utvärderingen."
		if r.PersonName != "" {
			b.Fix = "Systemförvaltaren " + r.PersonName + " gör utvärderingen."
		}
		b.Link = system
	case "r13_address":
		b.Message = "Webbplatsen " + r.Detail + " använder inte kommunens officiella adress " + official + "."
		b.Fix = "Systemförvaltaren flyttar webbplatsen till kommunens officiella adress (https) och föreslår den nya webbadressen i registret, där IT-enheten bekräftar den."
		b.Link = system + "/redigera"
	case "r14_failed":
		// The verification's own finding (r.Detail) is for the operators,
		// in the log and the verification command; people read where.
		b.Message = "Kontrollen av granskningsloggen hittade en ändring eller ett fel"
		if r.RefID != 0 {
			b.Message += " vid post " + strconv.FormatInt(r.RefID, 10)
		}
		b.Message += "."
		b.Fix = "IT-enheten låter driften kontrollera granskningsloggen på nytt och utreder vad som har ändrats."
	case "r14_stale":
		b.Message = "Ingen kontroll av granskningsloggen har lyckats de senaste 48 timmarna."
		b.Fix = "En administratör kontrollerar under Bakgrundsjobb att den nattliga kontrollen körs."
		b.Link = "/admin/jobb"
	case "r14_none":
		b.Message = "Granskningsloggen har aldrig kontrollerats."
		b.Fix = "Den nattliga kontrollen körs klockan 02.30; IT-enheten kan be driften köra den direkt."
	case "r15_no_contract":
		b.Message = "Systemet är i drift men omfattas inte av något avtal i IT-portalen."
		if r.Detail == "ended" {
			b.Message = "Systemet är i drift men inget av avtalen som omfattar det gäller i dag."
		}
		if r.RefText != "" {
			b.Message += " Leverantör enligt registret: " + r.RefText + "."
		}
		b.Fix = "IT-enheten lägger till systemet på det avtal som gäller för det, eller registrerar avtalet. Är systemet egenutvecklat markerar IT-enheten det som egenutvecklat."
		b.Link = "/avtal"
	case "r16_ended":
		end := ""
		if r.Until != nil {
			end = r.Until.Format(dateLayout)
		}
		b.Message = "Avtalet " + r.Detail + " med " + r.RefText + " löpte ut " + end + " utan att ett beslut registrerades: det är varken uppsagt eller förlängt med en option."
		who := "Avtalsansvarig"
		if r.PersonName != "" {
			who = "Avtalsansvarig " + r.PersonName
		}
		b.Fix = who + " tar reda på vad som gäller; IT-enheten registrerar uppsägningen med sista dagen, eller den utnyttjade optionen, på avtalets sida."
		b.Link = "/avtal/" + strconv.FormatInt(r.RefID, 10)
	case "r22_platform":
		b.Message = "Systemet är i drift och kör på " + r.RefText + ", som inte är tillåten i kommunens IT-infrastruktur."
		if r.Detail == "avveckling" && r.Until != nil {
			b.Message = "Systemet är i drift och kör på " + r.RefText + ", vars avveckling skulle vara klar " + r.Until.Format(dateLayout) + "."
		}
		b.Fix = "Systemförvaltaren och IT-enheten flyttar systemet till en komponent som är standard och anger det på systemets sida, eller ansöker om ett plattformsbeslut hos chefen för IT-enheten."
		b.Link = "/plattform/" + strconv.FormatInt(r.RefID, 10)
	case "r23_expired":
		end := ""
		if r.Until != nil {
			end = " " + r.Until.Format(dateLayout)
		}
		who := r.Detail
		if who == "" {
			who = "organisationen"
		}
		b.Message = "Nätanslutningen för " + who + " (ärende " + r.RefText + ") gällde till och med" + end + " men är inte registrerad som stängd."
		b.Fix = "IT-enheten stänger anslutningen och registrerar det på listan Nätanslutningar, eller så ansöker förvaltningen om en ny anslutning som chefen för IT-enheten beslutar om (10)."
		b.Link = "/natanslutningar"
	case "r24_unwatched":
		b.Message = "Ingen bevakar brevlådan " + r.Detail + " i dag: inkommande e-post är allmänna handlingar och måste hanteras (8)."
		b.Fix = "IT-enheten eller förvaltningens chef lägger till en bevakare på brevlådans sida."
		b.Link = "/brevlador/" + strconv.FormatInt(r.RefID, 10)
	case "r20_missing", "r20_overdue":
		who := "Medarbetaren"
		if r.PersonName != "" {
			who = r.PersonName
		}
		b.Message = who + " har inte gått den obligatoriska kursen " + r.Detail + "."
		if r.Check == "r20_overdue" {
			b.Message = who + " ska gå om den obligatoriska kursen " + r.Detail + " (senast gått " + r.RefText + ")."
		}
		b.Fix = "Medarbetaren anmäler sig till ett tillfälle under Utbildning; chefen följer upp; kursledaren registrerar närvaron efteråt."
		b.Link = "/utbildning/" + strconv.FormatInt(r.RefID, 10)
	case "r21_no_session":
		b.Message = "Den obligatoriska kursen " + r.Detail + " har inte haft något tillfälle de senaste 12 månaderna."
		if r.RefText != "" {
			b.Message += " Senaste tillfället var " + r.RefText + "."
		}
		b.Fix = "Kursledaren eller IT-enheten lägger till ett tillfälle på kursens sida; systemförvaltaren ser till att det blir av."
		b.Link = "/utbildning/" + strconv.FormatInt(r.RefID, 10)
	case "r18_no_agreement":
		b.Message = "Systemet har personuppgifter och drivs av en leverantör, men inget personuppgiftsbiträdesavtal är registrerat."
		if r.Detail == "unsigned" {
			b.Message = "Systemet har ett registrerat personuppgiftsbiträde, men personuppgiftsbiträdesavtalet är inte undertecknat."
		}
		b.Fix = "IT-enheten registrerar biträdet och det undertecknade avtalet under Personuppgifter på systemets sida; systemförvaltaren kan föreslå uppgifterna."
		b.Link = processingHref(r.SystemID)
	case "r19_overdue":
		due := ""
		if r.Until != nil {
			due = r.Until.Format(dateLayout)
		}
		b.Message = "Tillsynen av personuppgiftsbiträdet skulle ha gjorts senast " + due + "."
		if r.Detail != "" {
			b.Message += " Senaste tillsyn: " + r.Detail + "."
		} else {
			b.Message += " Ingen tillsyn är registrerad."
		}
		b.Fix = "IT-enheten gör tillsynen och registrerar datumet under Personuppgifter på systemets sida."
		b.Link = processingHref(r.SystemID)
	case "r17_overused":
		inUse, bought, _ := strings.Cut(r.RefText, "/")
		b.Message = "Licensen " + strings.ToLower(portal.LabelOf(portal.LicenceModels, r.Detail)) + " används av " + inUse + " men bara " + bought +
			" är köpta" + map[bool]string{true: " (räknat " + sinceDate(r) + ")", false: ""}[sinceDate(r) != ""] + "."
		b.Fix = owner + " minskar användningen eller köper fler licenser enligt licensvillkoren; IT-enheten registrerar det nya antalet på licensens sida."
		b.Link = "/licenser/" + strconv.FormatInt(r.RefID, 10)
	}
	return b
}

// periodText is " from–to" (or " från from") for a period; from is a
// point in time (its Stockholm date counts), until a calendar date.
func periodText(from time.Time, until *time.Time) string {
	if from.IsZero() {
		return ""
	}
	if until == nil {
		return " från " + portal.DateOf(from).Format(dateLayout)
	}
	return " " + portal.DateOf(from).Format(dateLayout) + "–" + until.Format(dateLayout)
}
