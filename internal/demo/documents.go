package demo

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

//go:embed documents/*.md
var documentTexts embed.FS

// loadDocuments publishes the two demo documents (example texts, marked as
// such) through the service the admin pages use, when there are none.
// "Regler för IT-säkerhet" must be acknowledged before the portal is used,
// so dev mode shows the new-hire gate.
func loadDocuments(ctx context.Context, pool *pgxpool.Pool) error {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM documents`).Scan(&n); err != nil || n > 0 {
		return err
	}
	admin := &portal.Actor{Roles: []portal.Role{portal.RoleAdmin}}
	if err := pool.QueryRow(ctx, `SELECT id, name FROM people WHERE employee_number = 'D0006'`).Scan(&admin.PersonID, &admin.Name); err != nil {
		return err
	}
	svc := postgres.NewDocumentService(pool, nil, 0, nil)
	for _, d := range []struct {
		file   string
		fields portal.DocumentFields
		ref    string
	}{
		{"riktlinjer-for-it.md", portal.DocumentFields{Title: "Riktlinjer för IT i Lilla Edets kommun", Slug: "riktlinjer-for-it", Kind: "riktlinje",
			FixedBy: "kommunstyrelsen", AudienceAll: true}, "KS 2019/123 (exempel)"},
		{"regler-for-it-sakerhet.md", portal.DocumentFields{Title: "Regler för IT-säkerhet", Slug: "regler-for-it-sakerhet", Kind: "regler",
			FixedBy: "kommunchefen", AudienceAll: true, MustAcknowledge: true, BlocksUse: true}, "KC 2024/7 (exempel)"},
	} {
		text, err := documentTexts.ReadFile("documents/" + d.file)
		if err != nil {
			return err
		}
		slug, err := svc.SaveDocument(ctx, admin, 0, d.fields, "demo")
		if err != nil {
			return fmt.Errorf("demo document %s: %w", d.file, err)
		}
		v := portal.VersionFields{Markdown: string(text), EffectiveDate: portal.Today().AddDate(0, -1, 0), DecisionRef: d.ref,
			Summary: "Första versionen i IT-portalen.", RequiresReack: true}
		if err := svc.SaveDraft(ctx, admin, slug, v, "demo"); err != nil {
			return fmt.Errorf("demo document %s: %w", d.file, err)
		}
		if _, _, err := svc.Publish(ctx, admin, slug, "demo"); err != nil {
			return fmt.Errorf("demo document %s: %w", d.file, err)
		}
	}
	return nil
}

// loadAcknowledgements has the first StaffAcknowledged of Staff acknowledge
// the IT security rules as they would on the page, once.
func loadAcknowledgements(ctx context.Context, pool *pgxpool.Pool) error {
	var number int
	var sha string
	if err := pool.QueryRow(ctx, `
		SELECT v.number, v.sha256 FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE d.slug = 'regler-for-it-sakerhet' AND v.published_at IS NOT NULL ORDER BY v.number DESC LIMIT 1`).Scan(&number, &sha); err != nil {
		return fmt.Errorf("demo acknowledgements: %w", err)
	}
	svc := postgres.NewDocumentService(pool, nil, 0, nil)
	for _, p := range Staff[:StaffAcknowledged] {
		a := &portal.Actor{}
		var done bool
		if err := pool.QueryRow(ctx, `
			SELECT p.id, p.name, EXISTS (SELECT 1 FROM acknowledgements k WHERE k.person_id = p.id)
			FROM people p WHERE p.employee_number = $1`, p.Employee).Scan(&a.PersonID, &a.Name, &done); err != nil {
			return fmt.Errorf("demo acknowledgement by %s: %w", p.Employee, err)
		}
		if done {
			continue
		}
		if _, err := svc.Acknowledge(ctx, a, "regler-for-it-sakerhet", number, sha, "demo"); err != nil {
			return fmt.Errorf("demo acknowledgement by %s: %w", p.Employee, err)
		}
	}
	return nil
}
