package notify_test

import (
	"context"
	"log/slog"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"itportal/internal/config"
	"itportal/internal/jobs"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/notify"
)

// TestMailRateIsTheMailboxs: two worker processes (each its own River
// client, pool, notifier and SMTP connection) share one mailbox at
// ITPORTAL_MAIL_RATE=120: over every window of the run, together they send
// no more than the rate allows (one at the start, then two a second), not
// twice that. Both processes do send.
func TestMailRateIsTheMailboxs(t *testing.T) {
	t.Parallel()
	f := setup(t, "Heroma")
	ctx := context.Background()
	const jobsN, perMinute = 16, 120
	var batch []jobargs.Args
	for i := range jobsN {
		batch = append(batch, jobargs.RoleChangeNotice{Imported: i + 1})
	}
	enqueue(t, f, batch)
	smtpURL, _ := url.Parse(f.sink.URL())
	for range 2 {
		n := notify.New(f.db.Pool(t), nil, config.Mail{SMTPURL: smtpURL, From: "IT-portalen <it-portalen@lillaedet.se>", PerMinute: perMinute, ITUnitMail: "it-enheten@lillaedet.se"})
		c, err := jobs.NewClient(f.db.Pool(t), slog.New(slog.DiscardHandler), true, jobs.Options{Notifier: n})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Stop(context.Background()) })
	}
	waitCompleted(t, f, time.Minute)
	mails := f.sink.Mails()
	if len(mails) != jobsN {
		t.Fatalf("%d mails for %d jobs", len(mails), jobsN)
	}
	at := make([]time.Time, len(mails))
	for i, m := range mails {
		at[i] = m.At
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	perSecond := float64(perMinute) / 60
	// The bucket holds one token: in any window w there are at most
	// 1 + w × rate mails (with a quarter of a second of slack for the time
	// a mail takes from its token to the sink on a busy machine; two
	// processes each at the rate would send twice as many).
	for i := range at {
		for j := i + 1; j < len(at); j++ {
			w := at[j].Sub(at[i]).Seconds()
			if got, allowed := float64(j-i+1), 1+(w+0.25)*perSecond; got > allowed {
				t.Fatalf("%d mails within %.2f s: more than %.1f allowed at %d a minute (all: %v)", j-i+1, w, allowed, perMinute, at)
			}
		}
	}
	var workers int
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(DISTINCT attempted_by[1]) FROM river_job WHERE kind = 'notify_role_change'`).Scan(&workers); err != nil {
		t.Fatal(err)
	}
	if workers != 2 {
		t.Errorf("the jobs were worked by %d processes, want both", workers)
	}
	t.Logf("%d mails in %s", len(at), at[len(at)-1].Sub(at[0]))
}

// TestMessageIDUnderTheBaseURLsHost: a delivered mail's Message-ID is
// under ITPORTAL_BASE_URL's host, not the machine's name.
func TestMessageIDUnderTheBaseURLsHost(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	if err := deliver(ctx, f.n, 5)(f.n.RoleChange(ctx, jobargs.RoleChangeNotice{SystemID: f.systemID})); err != nil {
		t.Fatal(err)
	}
	mails := f.sink.Mails()
	if len(mails) == 0 {
		t.Fatal("no mail")
	}
	seen := map[string]bool{}
	for _, m := range mails {
		msg, err := mail.ReadMessage(strings.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		id := msg.Header.Get("Message-Id")
		local, domain, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">"), "@")
		if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !ok || domain != "itportal.lillaedet.se" || len(local) < 16 {
			t.Errorf("Message-ID %q, want <random@itportal.lillaedet.se>", id)
		}
		if seen[id] {
			t.Errorf("Message-ID %q used twice", id)
		}
		seen[id] = true
	}
}
