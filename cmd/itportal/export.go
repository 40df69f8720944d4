package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"itportal/internal/jobs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/config"
	domain "itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/sheet"
)

// toolActor is who a command-line tool acts as: it may read the register
// (the same service call and checks as a signed-in reader), nothing more.
var toolActor = &domain.Actor{Name: "itportal (kommandorad)"}

// toolAdmin is who `itportal import` acts as: the register's keeper
// (IT-enheten); its audit rows name no person (the system).
var toolAdmin = &domain.Actor{Name: "itportal (kommandorad)", Roles: []domain.Role{domain.RoleITUnit, domain.RoleAdmin}}

// importCmd reads a register file; with --dry-run it only reports. Row
// errors go to stdout and the exit status is 1, and nothing is saved.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "show what would change, change nothing")
	create := fs.Bool("create-departments", false, "create the departments the file names (empty installation only)")
	if len(args) >= 2 && args[0] == "staff" {
		return importStaff(ctx, args[1], args[2:], getenv, stdout, stderr)
	}
	if len(args) >= 2 && args[0] == "document" {
		return importDocument(ctx, args[1], args[2:], getenv, stdout, stderr)
	}
	if len(args) < 2 || args[0] != "systems" {
		fmt.Fprintln(stderr, "usage: itportal import systems FILE [--dry-run] [--create-departments]\n       itportal import staff FILE [--dry-run]\n       itportal import document FILE.md --slug SLUG [--publish] [...]")
		return usageError{"import needs a kind and a file"}
	}
	file := args[1]
	if err := fs.Parse(args[2:]); err != nil {
		return usageError{"bad import flags"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	parsed, err := registerfile.Parse(data)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return errImportFailed
	}
	cfg, pool, err := toolPool(ctx, getenv, stderr, "itportal-import")
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := postgres.NewSystemService(pool, nil, cfg.OfficialWebAddress).Import(ctx, toolAdmin, parsed, postgres.ImportOptions{
		Commit: !*dry, CreateDepartments: *create,
	})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stdout, "varning:", w)
	}
	for _, row := range res.Rows {
		for _, e := range row.Errors {
			fmt.Fprintf(stdout, "rad %d (%s): %s: %s\n", row.Line, row.Name, e.Column, e.Message)
		}
	}
	if len(res.NewDepartments) > 0 && !(*create && res.CanCreateDepartments) {
		fmt.Fprintf(stdout, "förvaltningar som saknas: %s\n", strings.Join(res.NewDepartments, ", "))
	}
	state := "förhandsgranskning, inget sparat"
	if res.Committed {
		state = "importerat"
	}
	fmt.Fprintf(stdout, "%s: %d nya, %d ändrade, %d oförändrade, %d med fel (%s)\n", file, res.Created, res.Updated, res.Unchanged, res.Rejected, state)
	if res.Rejected > 0 || (!*dry && !res.Committed) {
		return errImportFailed
	}
	return nil
}

// importStaff reads the HR export into the staff directory.
func importStaff(ctx context.Context, file string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import staff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "show what would change, change nothing")
	if err := fs.Parse(args); err != nil {
		return usageError{"bad import flags"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	parsed, err := registerfile.ParseTable(data, postgres.StaffSchema)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return errImportFailed
	}
	cfg, pool, err := toolPool(ctx, getenv, stderr, "itportal-import")
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := postgres.NewPersonService(pool, cfg.OfficialWebAddress).ImportStaff(ctx, toolAdmin, parsed, !*dry, "cli")
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stdout, "varning:", w)
	}
	for _, row := range res.Rows {
		for _, p := range row.Problems {
			fmt.Fprintf(stdout, "rad %d (%s): %s: %s\n", row.Line, row.Number, p.Column, p.Message)
		}
	}
	state := "förhandsgranskning, inget sparat"
	if res.Committed {
		state = "importerat"
	}
	fmt.Fprintf(stdout, "%s: %d nya, %d ändrade, %d oförändrade, %d avslutade anställningar, %d med fel (%s)\n",
		file, res.Created, res.Updated, res.Unchanged, res.Ended, res.Rejected, state)
	if res.Rejected > 0 || (!*dry && !res.Committed) {
		return errImportFailed
	}
	return nil
}

// importDocument writes a governing document's new version from a Markdown
// file, as the admin pages do, and publishes it with --publish.
func importDocument(ctx context.Context, file string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import document", flag.ContinueOnError)
	fs.SetOutput(stderr)
	slug := fs.String("slug", "", "the document's address name, e.g. regler-for-it-sakerhet")
	title := fs.String("title", "", "create the document with this title when it does not exist")
	kind := fs.String("kind", "regler", "riktlinje, regler, rutin or it_infrastruktur (new documents)")
	fixedBy := fs.String("fixed-by", "kommunchefen", "kommunstyrelsen, kommunchefen or it_chef (new documents)")
	mustAck := fs.Bool("must-acknowledge", false, "everyone must acknowledge it (new documents)")
	blocks := fs.Bool("blocks-use", false, "closes the portal until acknowledged (new documents)")
	effective := fs.String("effective", time.Now().Format("2006-01-02"), "the date the version takes effect")
	decision := fs.String("decision", "", "the decision's diarienummer")
	summary := fs.String("summary", "", "a summary of the changes")
	editorial := fs.Bool("editorial", false, "an editorial fix: nobody needs to acknowledge again")
	publish := fs.Bool("publish", false, "publish the version (otherwise it stays a draft to preview on the admin pages)")
	if err := fs.Parse(args); err != nil || *slug == "" {
		fmt.Fprintln(stderr, "usage: itportal import document FILE.md --slug SLUG [--title T] [--effective YYYY-MM-DD] [--decision REF] [--summary S] [--editorial] [--publish]")
		return usageError{"import document needs a file and --slug"}
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	day, err := time.Parse("2006-01-02", *effective)
	if err != nil {
		return usageError{"--effective must be a date such as 2027-01-01"}
	}
	cfg, pool, err := toolPool(ctx, getenv, stderr, "itportal-import")
	if err != nil {
		return err
	}
	defer pool.Close()
	river, err := jobs.NewClient(pool, slog.New(slog.DiscardHandler), false)
	if err != nil {
		return err
	}
	docs := postgres.NewDocumentService(pool, jobs.Enqueuer(river), cfg.AckGrace, nil)
	if _, err := docs.Get(ctx, toolAdmin, *slug); domain.KindOf(err) == domain.KindNotFound {
		if *title == "" {
			return usageError{"the document " + *slug + " does not exist: give --title to create it"}
		}
		if _, err := docs.SaveDocument(ctx, toolAdmin, 0, domain.DocumentFields{Title: *title, Slug: *slug, Kind: *kind, FixedBy: *fixedBy,
			AudienceAll: true, MustAcknowledge: *mustAck || *blocks, BlocksUse: *blocks}, "cli"); err != nil {
			if domain.KindOf(err) != domain.KindInvalid {
				return err
			}
			fmt.Fprintln(stdout, domain.MessageOf(err), fieldMessages(err))
			return errImportFailed
		}
	} else if err != nil {
		return err
	}
	if err := docs.SaveDraft(ctx, toolAdmin, *slug, domain.VersionFields{Markdown: string(text), EffectiveDate: day, DecisionRef: *decision,
		Summary: *summary, RequiresReack: !*editorial}, "cli"); err != nil {
		if domain.KindOf(err) != domain.KindInvalid {
			return err
		}
		fmt.Fprintln(stdout, domain.MessageOf(err), fieldMessages(err))
		return errImportFailed
	}
	if !*publish {
		fmt.Fprintf(stdout, "%s: utkast sparat; förhandsgranska och publicera på /admin/styrdokument/%s/version\n", *slug, *slug)
		return nil
	}
	n, notified, err := docs.Publish(ctx, toolAdmin, *slug, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: version %d publicerad, %d personer ska kvittera\n", *slug, n, notified)
	return nil
}

func fieldMessages(err error) string {
	var pe *domain.Error
	if errors.As(err, &pe) && len(pe.Fields) > 0 {
		var parts []string
		for k, v := range pe.Fields {
			parts = append(parts, k+": "+v)
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// toolPool loads the configuration for a command-line tool and opens a
// small pool: the app's URL when set, else the owner's.
func toolPool(ctx context.Context, getenv func(string) string, stderr io.Writer, name string) (config.Config, *pgxpool.Pool, error) {
	cfg, err := config.Load(getenv, config.ModeTool)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return cfg, nil, err
	}
	url := cfg.MigrateDatabaseURL
	if cfg.DatabaseURL != "" {
		url = cfg.DatabaseURL
	}
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: url, MaxConns: 2, ApplicationName: name})
	return cfg, pool, err
}

// errImportFailed exits 1 after the rows' errors have been printed.
var errImportFailed = errors.New("the import has errors; nothing was saved")

// export writes the register to stdout as CSV or XLSX.
func export(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "csv or xlsx")
	if len(args) == 0 || args[0] != "systems" {
		fmt.Fprintln(stderr, "usage: itportal export systems [--format csv|xlsx]")
		return usageError{"export needs a kind"}
	}
	if err := fs.Parse(args[1:]); err != nil || (*format != "csv" && *format != "xlsx") {
		fmt.Fprintln(stderr, "usage: itportal export systems [--format csv|xlsx]")
		return usageError{"bad export flags"}
	}
	cfg, pool, err := toolPool(ctx, getenv, stderr, "itportal-export")
	if err != nil {
		return err
	}
	defer pool.Close()
	records, err := postgres.NewSystemService(pool, nil, cfg.OfficialWebAddress).Export(ctx, toolActor, postgres.SystemFilter{})
	if err != nil {
		return err
	}
	if *format == "xlsx" {
		return sheet.WriteXLSX(stdout, registerfile.Table(records))
	}
	return sheet.WriteCSV(stdout, registerfile.Table(records))
}
