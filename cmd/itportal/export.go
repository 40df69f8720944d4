package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

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
	if len(args) < 2 || args[0] != "systems" {
		fmt.Fprintln(stderr, "usage: itportal import systems FILE [--dry-run] [--create-departments]\n       itportal import staff FILE [--dry-run]")
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
	cfg, err := config.Load(getenv, config.ModeTool)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return err
	}
	url := cfg.MigrateDatabaseURL
	if cfg.DatabaseURL != "" {
		url = cfg.DatabaseURL
	}
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: url, MaxConns: 2, ApplicationName: "itportal-import"})
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
	cfg, err := config.Load(getenv, config.ModeTool)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return err
	}
	url := cfg.MigrateDatabaseURL
	if cfg.DatabaseURL != "" {
		url = cfg.DatabaseURL
	}
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: url, MaxConns: 2, ApplicationName: "itportal-import"})
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := postgres.NewPersonService(pool).ImportStaff(ctx, toolAdmin, parsed, !*dry, "cli")
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
	cfg, err := config.Load(getenv, config.ModeTool)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return err
	}
	url := cfg.DatabaseURL
	if url == "" {
		url = cfg.MigrateDatabaseURL
	}
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: url, MaxConns: 2, ApplicationName: "itportal-export"})
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
