package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// loadCases files a few cases through the same service the pages use, so
// the demo shows real numbers and timelines: one waiting, one asked for
// completion, one granted (which put a planned system in the register) and
// one open-source review waiting for the IT head. Only on a portal
// without cases.
func loadCases(ctx context.Context, pool *pgxpool.Pool, official string) error {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM requests`).Scan(&n); err != nil || n > 0 {
		return err
	}
	actor := func(employee string, roles ...portal.Role) (*portal.Actor, error) {
		a := &portal.Actor{Roles: roles}
		err := pool.QueryRow(ctx, `SELECT id, name, COALESCE(department_id, 0) FROM people WHERE employee_number = $1`, employee).
			Scan(&a.PersonID, &a.Name, &a.DepartmentID)
		return a, err
	}
	leila, err := actor("D0003")
	if err != nil {
		return err
	}
	karin, err := actor("D0005")
	if err != nil {
		return err
	}
	johan, err := actor("D0004")
	if err != nil {
		return err
	}
	mats, err := actor("D0002", portal.RoleITUnit)
	if err != nil {
		return err
	}
	svc := postgres.NewRequestService(pool, nil, official)
	file := func(who *portal.Actor, kind portal.RequestKind, f portal.RequestFields) (int64, error) {
		f.DepartmentID, f.Contact = who.DepartmentID, who.Name
		id, err := svc.SaveDraft(ctx, who, 0, kind, 0, f, "demo")
		if err != nil {
			return 0, fmt.Errorf("demo case %q: %w", f.Title, err)
		}
		_, err = svc.Submit(ctx, who, id, "demo")
		return id, err
	}
	criteria := portal.RequestDetails{GoalAlignment: "Stödjer kommunens mål om digital service.", PlatformCompatibility: "Webbtjänst med kommunens inloggning."}

	up := criteria
	up.FromVersion, up.ToVersion, up.PerformedBy, up.Years, up.YearlyCost = "", "2026.2", "CGI på systemägarens uppdrag", 1, 0
	if _, err := file(leila, portal.KindUpgrade, portal.RequestFields{Title: "Treserva 2026.2", Description: "Ny version med förbättrad journalföring.",
		SystemName: "Treserva", FinancingSource: "Ingår i avtalet", FinancingConfirmed: true, Details: up}); err != nil {
		return err
	}
	intro := criteria
	intro.Need, intro.NewSystemName, intro.Supplier, intro.Hosting, intro.PersonalData = "Tillsyn på natten med kamera i stället för besök, för de brukare som vill.", "Digital nattillsyn", "Phoniro", "saas", "kansliga"
	intro.AdministratorName, intro.AdministratorEmail, intro.OneOffCost, intro.YearlyCost, intro.Years = "Karin Åberg", "karin.aberg@example.lillaedet.se", 120000, 30000, 5
	id, err := file(karin, portal.KindIntroduction, portal.RequestFields{Title: "Digital nattillsyn i hemtjänsten", Description: "Kameratillsyn nattetid enligt brukarens samtycke.",
		FinancingSource: "Socialnämndens budget 2027", FinancingConfirmed: true, Details: intro})
	if err != nil {
		return err
	}
	if err := svc.Decide(ctx, mats, id, portal.ActionGrant, "Uppfyller 4.2.1: målen, plattformen och finansieringen är klarlagda.", "demo"); err != nil {
		return err
	}
	ask := criteria
	ask.Need, ask.NewSystemName, ask.PersonalData, ask.AdministratorName, ask.AdministratorEmail = "Planering av skolskjuts.", "Skolskjutsplaneraren", "personuppgifter", "Johan Berg", "johan.berg@example.lillaedet.se"
	ask.OneOffCost, ask.YearlyCost, ask.Years = 40000, 15000, 3
	id, err = file(johan, portal.KindIntroduction, portal.RequestFields{Title: "System för skolskjuts", Description: "Ersätter dagens kalkylark.",
		FinancingSource: "Barn- och utbildningsnämnden, ej beslutat", Details: ask})
	if err != nil {
		return err
	}
	if err := svc.AskCompletion(ctx, mats, id, []string{portal.CompletionFinancing},
		"Finansieringen är inte bekräftad. Ange nämndens beslut: vem som beslutade, diarienummer och datum.", "demo"); err != nil {
		return err
	}
	osr := portal.RequestDetails{Software: "LibreOffice", Licence: "MPL-2.0", ProjectURL: "https://www.libreoffice.org/",
		Stability: "Mogen programvara med regelbundna versioner.", Security: "Säkerhetsuppdateringar varje månad.",
		Compatibility: "Öppnar och sparar Office-format.", FutureProof: "Stor gemenskap och stiftelse bakom."}
	if _, err := file(leila, portal.KindOpenSource, portal.RequestFields{Title: "LibreOffice för socialtjänstens datorer", Description: "Kontorsprogram för enklare arbetsplatser.",
		FinancingSource: "Ingen licenskostnad", FinancingConfirmed: true, Details: osr}); err != nil {
		return err
	}
	return nil
}
