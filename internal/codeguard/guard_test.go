// Package codeguard holds static guards over the project's own source:
// patterns that are defects here, checked on every `make test`.
package codeguard

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const root = "../.."

type goFile struct {
	path string
	ast  *ast.File
	src  []byte
}

// sourceFiles parses every hand-written Go file of the project.
func sourceFiles(t *testing.T) []goFile {
	t.Helper()
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == ".itportal" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_templ.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		files = append(files, goFile{path: filepath.ToSlash(strings.TrimPrefix(p, root+"/")), ast: f, src: src})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d Go files: is the walk broken?", len(files))
	}
	return files
}

// packageConsts collects the constant names declared in each directory.
func packageConsts(files []goFile) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f.path)
		if out[dir] == nil {
			out[dir] = map[string]bool{}
		}
		for _, d := range f.ast.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						out[dir][n.Name] = true
					}
				}
			}
		}
	}
	return out
}

// sqlMethods take SQL text as their first argument after the context.
var sqlMethods = map[string]bool{"Exec": true, "Query": true, "QueryRow": true, "Queue": true, "Prepare": true}

// allowedDynamicSQL are the reviewed places that build SQL from an
// identifier quoted by pgx.Identifier.Sanitize (CREATE DATABASE takes no
// parameters).
var allowedDynamicSQL = map[string]bool{
	"internal/postgres/roles.go":  true,
	"internal/testkit/testkit.go": true,
	// REINDEX takes no parameters: River's index names, quoted.
	"internal/postgres/river_maintenance.go": true,
	// The compliance checks: statements taken from the tables of SQL below,
	// whose every text is a constant (TestSQLTablesAreConstant).
	"internal/postgres/compliance_checks.go": true,
}

// sqlTables are package-level variables that hold SQL text in composite
// literals, by file: every string in them must be a constant.
var sqlTables = map[string][]string{
	"internal/postgres/compliance_checks.go": {"checks", "scopeCTE", "storedFor", "lockFor"},
}

// TestNoSQLBuiltFromInput: SQL text is a literal or a constant (or a
// concatenation of those), never fmt.Sprintf or + over a variable.
func TestNoSQLBuiltFromInput(t *testing.T) {
	files := sourceFiles(t)
	consts := packageConsts(files)
	checked := 0
	for _, f := range files {
		dir := filepath.Dir(f.path)
		ast.Inspect(f.ast, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !sqlMethods[sel.Sel.Name] || len(call.Args) < 2 {
				return true
			}
			arg := call.Args[1]
			if sel.Sel.Name == "Queue" {
				arg = call.Args[0]
			}
			checked++
			// Tests may loop over lists of literal statements.
			if !constantSQL(arg, consts[dir]) && !allowedDynamicSQL[f.path] && !strings.HasSuffix(f.path, "_test.go") {
				t.Errorf("%s: %s called with SQL that is not a constant: %s", f.path, sel.Sel.Name, src(f, arg))
			}
			return true
		})
		// fmt.Sprintf whose format starts like SQL is a defect wherever it is.
		ast.Inspect(f.ast, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" {
				if lit, ok := call.Args[0].(*ast.BasicLit); ok {
					s, _ := strconv.Unquote(lit.Value)
					up := strings.ToUpper(strings.TrimSpace(s))
					for _, kw := range []string{"SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "ALTER ", "DROP ", "CREATE ", "TRUNCATE "} {
						if strings.HasPrefix(up, kw) && !strings.HasSuffix(f.path, "_test.go") {
							t.Errorf("%s: SQL built with fmt.Sprintf: %s", f.path, src(f, call))
						}
					}
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d SQL calls checked: is the guard blind?", checked)
	}
}

// TestSQLTablesAreConstant: the tables of SQL the allow-listed files run
// statements from hold only literals and constants.
func TestSQLTablesAreConstant(t *testing.T) {
	files := sourceFiles(t)
	consts := packageConsts(files)
	for _, f := range files {
		names, ok := sqlTables[f.path]
		if !ok {
			continue
		}
		found := map[string]bool{}
		for _, d := range f.ast.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !slices.Contains(names, n.Name) || i >= len(vs.Values) {
						continue
					}
					found[n.Name] = true
					ast.Inspect(vs.Values[i], func(n ast.Node) bool {
						switch x := n.(type) {
						case *ast.KeyValueExpr:
							if k, ok := x.Key.(*ast.Ident); ok && k.Name == "SQL" && !constantSQL(x.Value, consts[filepath.Dir(f.path)]) {
								t.Errorf("%s: SQL in %s that is not a constant: %s", f.path, k.Name, src(f, x.Value))
							}
						case *ast.BinaryExpr, *ast.CallExpr:
							if !constantSQL(x.(ast.Expr), consts[filepath.Dir(f.path)]) {
								t.Errorf("%s: text in a table of SQL that is not a constant: %s", f.path, src(f, x))
							}
							return false
						}
						return true
					})
				}
			}
		}
		for _, n := range names {
			if !found[n] {
				t.Errorf("%s: no table %s: is the guard blind?", f.path, n)
			}
		}
	}
}

func constantSQL(e ast.Expr, consts map[string]bool) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Kind == token.STRING
	case *ast.Ident:
		return consts[x.Name]
	case *ast.BinaryExpr:
		return x.Op == token.ADD && constantSQL(x.X, consts) && constantSQL(x.Y, consts)
	case *ast.ParenExpr:
		return constantSQL(x.X, consts)
	}
	return false
}

func src(f goFile, n ast.Node) string {
	s := string(f.src[n.Pos()-f.ast.FileStart : n.End()-f.ast.FileStart])
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// unsafeTemplHelpers bypass templ's escaping; each use must be reviewed
// and listed here with its file.
var unsafeTemplHelpers = []string{"templ.Raw", "templ.SafeURL", "templ.URL(", "templ.JSFuncCall", "templ.JSUnsafeFuncCall", "templ.ComponentScript", "templ.SafeCSS", "templ.UnsafeRaw"}

var allowedUnsafeTempl = map[string]bool{
	// Governing documents: HTML from internal/markdown only (typed, sanitised twice).
	"web/components/document.go templ.Raw": true,
}

// TestNoUnsafeTemplHelpers: no escaping bypass in templates or Go code
// outside the reviewed allow-list.
func TestNoUnsafeTemplHelpers(t *testing.T) {
	err := filepath.WalkDir(root+"/web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_templ.go") || !(strings.HasSuffix(p, ".templ") || strings.HasSuffix(p, ".go")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+"/"))
		for _, h := range unsafeTemplHelpers {
			if strings.Contains(string(b), h) && !allowedUnsafeTempl[rel+" "+h] {
				t.Errorf("%s uses %s: escaping bypassed outside the allow-list", rel, h)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sourceFiles(t) {
		for _, h := range unsafeTemplHelpers {
			if strings.Contains(string(f.src), h) && !strings.HasPrefix(f.path, "internal/codeguard/") && !allowedUnsafeTempl[f.path+" "+h] {
				t.Errorf("%s uses %s outside the allow-list", f.path, h)
			}
		}
	}
}

// TestNoInsecureOIDCOptions: go-oidc's checks stay on outside tests.
func TestNoInsecureOIDCOptions(t *testing.T) {
	bad := []string{"InsecureSkipSignatureCheck", "SkipIssuerCheck", "SkipClientIDCheck", "SkipExpiryCheck", "InsecureIssuerURLContext"}
	for _, f := range sourceFiles(t) {
		if strings.HasSuffix(f.path, "_test.go") || strings.HasPrefix(f.path, "internal/codeguard/") {
			continue
		}
		for _, b := range bad {
			if strings.Contains(string(f.src), b) {
				t.Errorf("%s switches off a go-oidc check: %s", f.path, b)
			}
		}
	}
}
