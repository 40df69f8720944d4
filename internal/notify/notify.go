// Package notify composes notifications (who, subject, text, HTML, link)
// and delivers them: a "Händelser" row for each person told, and a mail
// per recipient, through one SMTP connection or the database's outbox.
// Each kind of notice (internal/jobs/jobargs) has its own composition
// here and its own worker in internal/jobs; what they read and record
// goes through postgres.NotificationService, so this package holds no SQL.
//
// Delivery is idempotent per job and recipient where the portal can know:
// each mail handed to the server is recorded in mail_log under the key
// "{job id}:{recipient}" and skipped when the job runs again. The one
// window left is a crash after the server accepted a mail and before its
// record was written: that mail is sent again when River retries the job
// (at least once, never silently dropped).
//
// The mail rate (ITPORTAL_MAIL_RATE) is the mailbox's, not a process's: a
// token bucket in the database (mail_rate_buckets) that every worker
// process takes from, so replicas together stay within it.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgxpool"
	mail "github.com/wneessen/go-mail"

	"itportal/internal/config"
	"itportal/internal/postgres"
	"itportal/web/mailview"
)

// Recipient is who a message goes to: a person (told under Händelser and
// by mail when they have an address) or only an address (a shared mailbox).
type Recipient = postgres.Recipient

// Message is one notification to one recipient.
type Message struct {
	To      Recipient
	Subject string
	Lines   []string // the text, paragraph by paragraph
	Link    string   // absolute URL of the page concerned
	// Part tells apart the mails one job sends one recipient over several
	// runs (coalesced comments: each run tells the comments since the
	// last); it is part of the mail's idempotency key.
	Part string
}

// Sender hands a message to a mail system.
type Sender interface {
	Send(ctx context.Context, m Message, text, html string) error
}

// Notifier composes and delivers notifications.
type Notifier struct {
	store   *postgres.NotificationService
	base    *url.URL
	itMail  string
	anchor  string // ITPORTAL_AUDIT_ANCHOR_MAIL
	sender  Sender
	mailbox string        // the rate bucket's key: the sending address
	rate    postgres.Rate // ITPORTAL_MAIL_RATE
}

// CommentRate is how many comment mails may go out about one person's
// cases, per direction (to the requester, or to IT-enheten from their
// comments): a few at once, then one per ten minutes. Comments beyond it
// wait and are told together.
var CommentRate = postgres.Rate{PerSecond: 1.0 / 600, Burst: 4}

// New returns a notifier; without an SMTP URL mail goes to the outbox.
func New(pool *pgxpool.Pool, base *url.URL, m config.Mail) *Notifier {
	n := &Notifier{store: postgres.NewNotificationService(pool), base: base, itMail: m.ITUnitMail, anchor: m.AnchorMail}
	if base == nil {
		n.base = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}
	}
	per := m.PerMinute
	if per <= 0 {
		per = 30
	}
	n.rate = postgres.Rate{PerSecond: float64(per) / 60, Burst: 1}
	from := strings.ToLower(strings.TrimSpace(m.From))
	if a, err := netmail.ParseAddress(m.From); err == nil {
		from = strings.ToLower(a.Address)
	}
	n.mailbox = "mailbox:" + from
	if m.SMTPURL != nil {
		s := &smtpSender{url: m.SMTPURL, from: m.From, domain: n.base.Hostname(), conn: make(chan *mail.Client, 1)}
		s.conn <- nil // no connection yet: the first mail dials
		n.sender = s
	} else {
		n.sender = &outboxSender{store: n.store}
	}
	return n
}

func (n *Notifier) link(path string) string {
	u := *n.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	return u.String()
}

// cleanHeader keeps a header value on one line without control characters.
func cleanHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// itUnit is IT-enheten: its shared address when configured, else its members.
func (n *Notifier) itUnit(ctx context.Context) ([]Recipient, error) {
	members, err := n.store.PeopleWithRoles(ctx, "it_unit")
	if err != nil {
		return nil, err
	}
	if n.itMail == "" {
		return members, nil
	}
	// Members see it under Händelser; the mail goes to the shared address.
	for i := range members {
		members[i].Email = ""
	}
	return append(members, Recipient{Name: "IT-enheten", Email: n.itMail}), nil
}

// messages makes one message per recipient, each person and address once.
func messages(to []Recipient, subject, link string, lines ...string) []Message {
	var out []Message
	seen := map[string]bool{}
	for _, r := range to {
		key := strconv.FormatInt(r.PersonID, 10) + "|" + strings.ToLower(r.Email)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Message{To: r, Subject: cleanHeader(subject), Lines: lines, Link: link})
	}
	return out
}

// Paused is returned by Deliver when the mail rate leaves no room for the
// rest of a job's mails in this run: those sent are recorded, and the job
// should run again After (the worker snoozes it).
type Paused struct {
	Sent, Left int
	After      time.Duration
}

func (p *Paused) Error() string {
	return fmt.Sprintf("mail rate: %d sent, %d left, again in %s", p.Sent, p.Left, p.After)
}

// mailKey is the idempotency key of a job's mail to a recipient.
func mailKey(jobID int64, m Message) string {
	k := strconv.FormatInt(jobID, 10) + ":" + strings.ToLower(m.To.Email)
	if m.Part != "" {
		k += "#" + m.Part
	}
	return k
}

// Deliver records each person's notification (Händelser) and sends each
// mail once per job and recipient (see the package comment for the one
// window). Mails wait for the mailbox's rate; a job with more than fits in
// half of its time (ctx's deadline), at the rate or because the server is
// slow, returns *Paused with what it has sent.
func (n *Notifier) Deliver(ctx context.Context, jobID int64, msgs []Message) error {
	keys := make([]string, len(msgs))
	var told []postgres.Told
	for i, m := range msgs {
		keys[i] = mailKey(jobID, m)
		if m.To.PersonID != 0 {
			told = append(told, postgres.Told{PersonID: m.To.PersonID, Subject: m.Subject, Link: m.Link})
		}
	}
	// One round trip for the whole job: everyone's Händelser row (once per
	// job and person), and which mails were already handed to the server.
	sent, err := n.store.RecordTold(ctx, jobID, told, keys)
	if err != nil {
		return fmt.Errorf("record notifications: %w", err)
	}
	stop := time.Time{}
	if dl, ok := ctx.Deadline(); ok {
		stop = time.Now().Add(time.Until(dl) / 2)
	}
	sentNow := 0
	for i, m := range msgs {
		if m.To.Email == "" || sent[keys[i]] {
			continue
		}
		// Past half of the job's time (the rate, or a slow server): stop
		// here and come back for the rest when the rate allows. Waiting for
		// the rate is not a failure, so it never costs an attempt.
		after, err := n.awaitToken(ctx, stop)
		if err != nil {
			return err
		}
		if after > 0 {
			left := 0
			for j := i; j < len(msgs); j++ {
				if msgs[j].To.Email != "" && !sent[keys[j]] {
					left++
				}
			}
			return &Paused{Sent: sentNow, Left: left, After: after}
		}
		text, html, err := Render(m)
		if err != nil {
			return err
		}
		if err := n.sender.Send(ctx, m, text, html); err != nil {
			return fmt.Errorf("send mail: %w", err)
		}
		// The mail is out: record it even if the job's time ran out while
		// it was sent, so a retry does not send it again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = n.store.RecordMail(rctx, keys[i], jobID, m.To.Email, m.Subject)
		cancel()
		if err != nil {
			return fmt.Errorf("record mail: %w", err)
		}
		sentNow++
	}
	return nil
}

// awaitToken waits for the mailbox's next token and takes it. The token
// is held as soon as it is asked for, so waiting jobs are served in the
// order they asked (a job fetched first, an urgent one, is not overtaken
// by those fetched after it). It returns how long the job should pause
// instead when the token would come after stop (nothing is taken then).
func (n *Notifier) awaitToken(ctx context.Context, stop time.Time) (time.Duration, error) {
	ahead := time.Hour
	if !stop.IsZero() {
		ahead = time.Until(stop)
	}
	held, wait, err := n.store.TakeToken(ctx, n.mailbox, n.rate, ahead)
	if err != nil {
		return 0, fmt.Errorf("mail rate: %w", err)
	}
	if !held {
		return wait, nil
	}
	if wait == 0 {
		return 0, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Render makes the plain text and HTML bodies.
func Render(m Message) (string, string, error) {
	var t strings.Builder
	if m.To.Name != "" {
		t.WriteString("Hej " + m.To.Name + "!\n\n")
	}
	for _, l := range m.Lines {
		t.WriteString(l + "\n\n")
	}
	t.WriteString(m.Link + "\n\n-- \nIT-portalen, Lilla Edets kommun\n")
	var h bytes.Buffer
	if err := mailview.Message(m.To.Name, m.Subject, m.Lines, m.Link).Render(context.Background(), &h); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// smtpSender keeps one connection to the mail server open and sends every
// mail of the process over it, one at a time: a mailbox takes tens of
// mails a minute, and a new TCP connection, greeting, EHLO, STARTTLS and
// AUTH per mail cost more than the mail itself. A connection the server
// has closed is noticed (NOOP) before anything is sent on it, and
// replaced.
type smtpSender struct {
	url    *url.URL
	from   string
	domain string // of Message-IDs: ITPORTAL_BASE_URL's host
	// conn holds the one connection (nil before the first mail or after a
	// failure); whoever takes it from the channel sends.
	conn chan *mail.Client
}

func (s *smtpSender) client() (*mail.Client, error) {
	port := 587
	if p := s.url.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	} else if s.url.Scheme == "smtps" {
		port = 465
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(30 * time.Second)}
	switch {
	case s.url.Scheme == "smtps":
		opts = append(opts, mail.WithSSL())
	case s.url.Query().Get("tls") == "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if u := s.url.User; u != nil {
		pw, _ := u.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.Username()), mail.WithPassword(pw))
	}
	return mail.NewClient(s.url.Hostname(), opts...)
}

// messageID is a new Message-ID under the portal's own host name, not the
// machine's (a container's or a VM's short name says nothing and is no
// domain).
func (s *smtpSender) messageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := s.domain
	if domain == "" {
		domain = "localhost"
	}
	return hex.EncodeToString(b) + "@" + domain
}

func (s *smtpSender) Send(ctx context.Context, m Message, text, html string) error {
	msg := mail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return err
	}
	if err := msg.To(m.To.Email); err != nil {
		return err
	}
	msg.Subject(cleanHeader(m.Subject))
	msg.SetMessageIDWithValue(s.messageID())
	msg.SetBodyString(mail.TypeTextPlain, text)
	msg.AddAlternativeString(mail.TypeTextHTML, html)

	var c *mail.Client
	select {
	case c = <-s.conn:
	case <-ctx.Done():
		return ctx.Err()
	}
	keep := (*mail.Client)(nil)
	defer func() { s.conn <- keep }()
	if c != nil {
		err := c.Send(msg)
		var se *mail.SendError
		if err == nil {
			keep = c
			return nil
		}
		_ = c.Close()
		if !errors.As(err, &se) || se.Reason != mail.ErrConnCheck {
			return err // the server refused the mail: River retries the job
		}
		// The kept connection was closed by the server: nothing was sent on it.
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return err
	}
	if err := c.Send(msg); err != nil {
		_ = c.Close()
		return err
	}
	keep = c
	return nil
}

type outboxSender struct{ store *postgres.NotificationService }

func (s *outboxSender) Send(ctx context.Context, m Message, text, html string) error {
	return s.store.Outbox(ctx, m.To.Email, cleanHeader(m.Subject), text, html)
}
