package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/sheet"
	"itportal/internal/testkit"
)

// The imports at the sizes of docs/performance.md ("Imports"):
//
//	go test ./internal/postgres -run '^$' -bench Import -benchtime 3x

// BenchmarkStaffImport commits the HR export of 10,000 people into a
// staff directory that has none of them yet (each iteration on a fresh
// database, set up outside the timing).
func BenchmarkStaffImport(b *testing.B) {
	const n = 10000
	var csv bytes.Buffer
	csv.WriteString("Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n")
	for i := range n {
		manager := ""
		if i%10 != 0 {
			manager = fmt.Sprintf("person%05d@example.lillaedet.se", i-i%10)
		}
		fmt.Fprintf(&csv, "%d;Förnamn%05d;Efternamn;person%05d@example.lillaedet.se;Socialförvaltningen;%s;2020-01-01;\n", 200000+i, i, i, manager)
	}
	file, err := registerfile.ParseTable(csv.Bytes(), postgres.StaffSchema)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := testkit.NewDB(b)
		owner := db.OwnerPool(b)
		var adminID int64
		if err := owner.QueryRow(ctx, `WITH d AS (INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC'))
			INSERT INTO people (name) VALUES ('Admin') RETURNING id`).Scan(&adminID); err != nil {
			b.Fatal(err)
		}
		people := postgres.NewPersonService(db.Pool(b), "https://www.lillaedet.se")
		admin := &portal.Actor{PersonID: adminID, Roles: []portal.Role{portal.RoleAdmin}}
		b.StartTimer()
		res, err := people.ImportStaff(ctx, admin, file, true, "bench")
		if err != nil || !res.Committed || res.Created != n {
			b.Fatalf("import: committed %v, %d created, %d rejected, %v", res.Committed, res.Created, res.Rejected, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRegisterImportDryRun is the dry run of a 5,000-row register
// workbook (made by the export code, like bench/main.go's) against a
// register of 10,000 systems, from parsing the file to the result.
func BenchmarkRegisterImportDryRun(b *testing.B) { benchmarkDryRun(b, 5000) }

// BenchmarkRegisterImportDryRunTried is the dry run of a file as large as
// a dry run still tries against the guideline (the breaches it adds:
// 1,000 new systems), against the same register.
func BenchmarkRegisterImportDryRunTried(b *testing.B) { benchmarkDryRun(b, 1000) }

func benchmarkDryRun(b *testing.B, rows int) {
	ctx := context.Background()
	db := testkit.NewDB(b)
	owner := db.OwnerPool(b)
	if _, err := owner.Exec(ctx, `
		INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC');
		INSERT INTO people (name, email) SELECT 'Person ' || i, 'person' || i || '@example.lillaedet.se' FROM generate_series(1, 2000) i;
		INSERT INTO systems (name, category, lifecycle, hosting, personal_data)
		SELECT 'System ' || lpad(i::text, 5, '0'), 'forvaltningsspecifik', 'i_drift', 'intern', 'inga' FROM generate_series(1, 10000) i;
		INSERT INTO role_assignments (system_id, role, department_id, valid)
		SELECT s.id, 'owner', (SELECT id FROM departments), '[2024-01-01,)' FROM systems s;
		INSERT INTO role_assignments (system_id, role, person_id, valid)
		SELECT s.id, 'administrator', (SELECT min(id) FROM people) + s.id % 2000, '[2024-01-01,)' FROM systems s;
		INSERT INTO role_assignments (system_id, role, operator, valid) SELECT s.id, 'operations', 'IT-enheten', '[2024-01-01,)' FROM systems s`); err != nil {
		b.Fatal(err)
	}
	// The register has its statistics, as autovacuum keeps them in
	// production: without them the checks the dry run tries are planned
	// for empty tables.
	if _, err := owner.Exec(ctx, `ANALYZE departments, people, systems, role_assignments`); err != nil {
		b.Fatal(err)
	}
	var records []registerfile.Record
	for i := range rows {
		records = append(records, registerfile.Record{
			Facts: portal.SystemFacts{Name: fmt.Sprintf("Importerat system %04d", i), Description: "Från Excel", Category: "forvaltningsspecifik",
				Lifecycle: "i_drift", Hosting: "intern", PersonalData: "personuppgifter", Supplier: "CGI"},
			Owner: "Socialförvaltningen", Administrator: fmt.Sprintf("Förvaltare %04d", i), AdministratorEmail: fmt.Sprintf("forvaltare%04d@example.lillaedet.se", i),
			Operations: "IT-enheten",
		})
	}
	var buf bytes.Buffer
	if err := sheet.WriteXLSX(&buf, registerfile.Table(records)); err != nil {
		b.Fatal(err)
	}
	svc := postgres.NewSystemService(db.Pool(b), nil, "https://www.lillaedet.se")
	it := &portal.Actor{Name: "bench", Roles: []portal.Role{portal.RoleITUnit}}
	b.ResetTimer()
	for range b.N {
		file, err := registerfile.Parse(buf.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		res, err := svc.Import(ctx, it, file, postgres.ImportOptions{})
		if err != nil || res.Created != rows {
			b.Fatalf("dry run would create %d of %d (rejected %d): %v", res.Created, rows, res.Rejected, err)
		}
		if res.BreaksUntried != (rows > 1000) {
			b.Fatalf("%d rows: tried against the guideline: %v", rows, !res.BreaksUntried)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
