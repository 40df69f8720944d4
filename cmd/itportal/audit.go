package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"itportal/internal/auditchain"
	"itportal/internal/postgres"
)

// errAuditBroken exits 1 after the findings have been printed.
var errAuditBroken = errors.New("the audit chain does not hold")

const auditUsage = `usage: itportal audit verify [--anchors FILE]... [--anchor SEQ:HASH]... [--stored-anchors]
       itportal audit anchor`

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// audit verifies the audit log's hash chain, or anchors its head.
func audit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "anchor") {
		fmt.Fprintln(stderr, auditUsage)
		return usageError{"audit needs verify or anchor"}
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files, given stringList
	stored := false
	if args[0] == "verify" {
		fs.Var(&files, "anchors", "a file with anchors: the portal's log or saved anchor mails (repeatable)")
		fs.Var(&given, "anchor", "an anchor as SEQ:HASH (repeatable)")
		fs.BoolVar(&stored, "stored-anchors", false, "also check the anchors recorded in the database (weaker: the database owner can change them)")
	}
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		fmt.Fprintln(stderr, auditUsage)
		return usageError{"bad audit flags"}
	}
	var anchors []auditchain.Anchor
	for _, f := range files {
		file, err := os.Open(f)
		if err != nil {
			return err
		}
		as, err := auditchain.ParseAnchors(file, f)
		_ = file.Close()
		if err != nil {
			return err
		}
		if len(as) == 0 {
			fmt.Fprintf(stderr, "itportal: %s names no anchor (lines with seq=… and hash=…)\n", f)
			return usageError{"no anchors in file"}
		}
		anchors = append(anchors, as...)
	}
	for _, g := range given {
		a, err := auditchain.ParseAnchor(g)
		if err != nil {
			fmt.Fprintln(stderr, "itportal:", err)
			return usageError{"bad anchor"}
		}
		anchors = append(anchors, a)
	}

	_, pool, err := toolPool(ctx, getenv, stderr, "itportal-audit")
	if err != nil {
		return err
	}
	defer pool.Close()
	chain := postgres.NewAuditChain(pool, nil)

	if args[0] == "anchor" {
		a, err := chain.Anchor(ctx, "", slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "audit chain anchor %s at=%s\n", a, time.Now().UTC().Format(time.RFC3339))
		return nil
	}

	if stored {
		as, err := chain.StoredAnchors(ctx)
		if err != nil {
			return err
		}
		anchors = append(anchors, as...)
	}
	start := time.Now()
	report, err := chain.Verify(ctx, anchors)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit chain: %d rows, last seq %d, %d anchors checked, %d pseudonymised rows, %v\n",
		report.Rows, report.LastSeq, report.AnchorsChecked, report.Pseudonymised, time.Since(start).Round(time.Millisecond))
	if report.OK() {
		fmt.Fprintf(stdout, "OK: the chain holds (head seq=%d hash=%s)\n", report.LastSeq, hex.EncodeToString(report.LastHash))
		if len(anchors) == 0 {
			fmt.Fprintln(stdout, "note: no anchors were given; a chain recomputed as a whole is found only against anchors (--anchors)")
		}
		return nil
	}
	fmt.Fprintf(stdout, "BROKEN: first broken row: %s\n", report.FirstBroken())
	for _, p := range report.Problems[1:] {
		fmt.Fprintf(stdout, "  also: %s\n", p)
	}
	if report.MoreProblems > 0 {
		fmt.Fprintf(stdout, "  and %d more\n", report.MoreProblems)
	}
	return errAuditBroken
}
