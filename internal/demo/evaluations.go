package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// demoEvaluation is a submitted evaluation, daysAgo before the load.
type demoEvaluation struct {
	system, by                                                          string
	daysAgo, users, score                                               int
	used, action, comment, coordination, cooperation, efficiency, plans string
}

// Evaluations are a few submitted evaluations (one due again within a
// month); the other systems in operation stay overdue from the register's
// imported dates, so the reminders and the overview have something to show.
var Evaluations = []demoEvaluation{
	{"Treserva", "D0003", 200, 410, 4, "delvis", "utveckla", "Handläggarna är nöjda med journalföringen; e-tjänsterna används lite.",
		"Kan samordnas med e-arkivet och Platina.", "Gemensam upphandling med grannkommunerna inför nästa avtal.",
		"Fler e-tjänster för ansökningar om bistånd.", "Uppgradering till 2026.2 (ärende under handläggning)."},
	{"Heroma", "D0001", 350, 1400, 3, "ja", "behall", "Fungerar, men chefernas självservice är krånglig.",
		"Integration mot Raindance fungerar.", "", "Digital signering av anställningsavtal.", ""},
	{"Microsoft 365", "D0006", 30, 1350, 5, "ja", "behall", "Används av alla anställda.", "", "", "Teams ersätter äldre telefonkonferenser.", ""},
	{"Skola24", "D0004", 100, 900, 4, "ja", "behall", "", "", "Samma schema som gymnasiet i grannkommunen.", "", ""},
	{"Evolution", "D0005", 300, 25, 2, "delvis", "ersatt", "Gammalt gränssnitt; bygglovshandläggarna arbetar runt det.",
		"Bör samordnas med ArcGIS.", "", "E-tjänst för bygglov i ett nytt system.", "Förstudie om ersättare 2027."},
	{"ArcGIS", "D0005", 300, 40, 4, "ja", "utveckla", "", "Kartorna används av Evolution.", "", "", ""},
}

// loadEvaluations adds the demo evaluations, a draft (Platina, by its
// administrator) and a six-month interval for Procapita, on a portal
// without evaluations of its own.
func loadEvaluations(ctx context.Context, pool *pgxpool.Pool, official string) error {
	var n int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM evaluations WHERE NOT legacy) + (SELECT count(*) FROM evaluation_drafts)`).Scan(&n); err != nil || n > 0 {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, e := range Evaluations {
		if _, err := tx.Exec(ctx, `
			INSERT INTO evaluations (system_id, evaluated_on, legacy, created_by, users_count, support_score, support_comment,
				used_as_intended, coordination, cooperation, efficiency, planned_changes, proposed_action, owner_department_id)
			SELECT s.id, current_date - $2::int, false, p.id, $3, $4, $5, $6, $7, $8, $9, $10, $11,
			       (SELECT ro.department_id FROM role_assignments ro WHERE ro.system_id = s.id AND ro.role = 'owner' AND ro.valid @> current_date)
			FROM systems s, people p WHERE s.name = $1 AND p.employee_number = $12`,
			e.system, e.daysAgo, e.users, e.score, e.comment, e.used, e.coordination, e.cooperation, e.efficiency, e.plans, e.action, e.by); err != nil {
			return fmt.Errorf("demo evaluation %s: %w", e.system, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE systems SET evaluation_interval_months = 6 WHERE name = 'Procapita'`); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	mats := &portal.Actor{}
	var platina int64
	if err := pool.QueryRow(ctx, `SELECT id, name FROM people WHERE employee_number = 'D0002'`).Scan(&mats.PersonID, &mats.Name); err != nil {
		return err
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM systems WHERE name = 'Platina'`).Scan(&platina); err != nil {
		return err
	}
	draft := portal.EvaluationFields{UsersCount: "120", SupportScore: "3", UsedAsIntended: "delvis",
		SupportComment: "Nämndsekreterarna använder det; förvaltningarna skickar fortfarande handlingar med e-post."}
	if err := postgres.NewEvaluationService(pool, nil, official, nil).SaveDraft(ctx, mats, platina, draft, "demo"); err != nil {
		return fmt.Errorf("demo evaluation draft: %w", err)
	}
	return nil
}
