package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"itportal/internal/jobs"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/testkit"
)

// TestWorkerKilledMidBatch: `itportal serve` is sending a batch of mails
// (rate-limited) when it is killed with SIGKILL. A new process finishes
// the batch: every job completes and every mail arrives; a mail is sent
// twice only if the kill fell between the server accepting it and the
// portal recording it.
func TestWorkerKilledMidBatch(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	sink := testkit.StartSMTPSink(t)
	ctx := context.Background()
	const n = 20
	inserter, err := jobs.NewClient(db.Pool(t), slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Pool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var batch []jobargs.Args
	for i := range n {
		batch = append(batch, jobargs.RoleChangeNotice{Imported: 1000 + i})
	}
	if err := jobs.Enqueuer(inserter)(ctx, tx, batch...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var logs []string
	start := func(rate string) *exec.Cmd {
		vars := serveEnv(t, db)
		vars["ITPORTAL_SMTP_URL"] = sink.URL()
		vars["ITPORTAL_IT_UNIT_MAIL"] = "it-enheten@lillaedet.se"
		vars["ITPORTAL_MAIL_RATE"] = rate
		vars["ITPORTAL_JOB_RESCUE_AFTER"] = "2s"
		cmd := exec.Command(os.Args[0], "serve")
		cmd.Env = append(os.Environ(), "ITPORTAL_TEST_RUN_MAIN=1")
		for k, v := range vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		logf, err := os.CreateTemp(t.TempDir(), "worker-*.log")
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		logs = append(logs, logf.Name())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd
	}
	first := start("120") // two a second: the batch takes ten seconds
	deadline := time.Now().Add(60 * time.Second)
	for len(sink.Mails()) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("the first process sent %d mails in a minute", len(sink.Mails()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL: no shutdown
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()
	killedAt := len(sink.Mails())
	// Jobs the killed process was working on: only their mails can come
	// twice (sent, not yet recorded).
	var running int
	if err := db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_role_change' AND state = 'running'`).Scan(&running); err != nil {
		t.Fatal(err)
	}
	if killedAt >= n {
		t.Fatalf("the batch finished before the kill (%d mails)", killedAt)
	}
	start("6000")
	deadline = time.Now().Add(120 * time.Second)
	for {
		var done int
		_ = db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_role_change' AND state = 'completed'`).Scan(&done)
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			rows, _ := db.OwnerPool(t).Query(ctx, `SELECT id, state::text, attempt, COALESCE(errors::text, ''), metadata::text FROM river_job WHERE kind = 'notify_role_change' AND state <> 'completed' ORDER BY id`)
			for rows.Next() {
				var id int64
				var st, errs, md string
				var att int
				_ = rows.Scan(&id, &st, &att, &errs, &md)
				t.Logf("job %d %s attempt %d errors %s metadata %s", id, st, att, errs, md)
			}
			rows.Close()
			for _, name := range logs {
				b, _ := os.ReadFile(name)
				t.Logf("log of a worker process:\n%s", b)
			}
			t.Fatalf("%d of %d jobs completed two minutes after the restart (%d mails)", done, n, len(sink.Mails()))
		}
		time.Sleep(200 * time.Millisecond)
	}
	seen := map[string]int{}
	re := regexp.MustCompile(`har =C3=A4ndrat (\d+) system|har ändrat (\d+) system`)
	for _, m := range sink.Mails() {
		if g := re.FindStringSubmatch(m.Data); g != nil {
			seen[g[1]+g[2]]++
		}
	}
	for i := range n {
		if seen[fmt.Sprint(1000+i)] == 0 {
			t.Errorf("job %d's mail never arrived", 1000+i)
		}
	}
	if total := len(sink.Mails()); total > n+running {
		t.Errorf("%d mails for %d jobs with %d running at the kill: more duplicates than the window allows", total, n, running)
	}
	t.Logf("killed after %d mails with %d jobs running; %d mails in all", killedAt, running, len(sink.Mails()))
}
