// Package notify turns notification jobs into messages (who, subject,
// text, HTML, link) and delivers them: a "Händelser" row for each person
// told, and a mail per recipient, through SMTP or the database's outbox.
//
// Delivery is idempotent per job and recipient where the portal can know:
// each mail handed to the server is recorded in mail_log under the key
// "{job id}:{recipient}" and skipped when the job runs again. The one
// window left is a crash after the server accepted a mail and before its
// record was written: that mail is sent again when River retries the job
// (at least once, never silently dropped).
package notify

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	mail "github.com/wneessen/go-mail"
	"golang.org/x/time/rate"

	"itportal/internal/config"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
	"itportal/web/mailview"
)

// Recipient is who a message goes to: a person (told under Händelser and
// by mail when they have an address) or only an address (a shared mailbox).
type Recipient struct {
	PersonID int64
	Name     string
	Email    string
}

// Message is one notification to one recipient.
type Message struct {
	To      Recipient
	Subject string
	Lines   []string // the text, paragraph by paragraph
	Link    string   // absolute URL of the page concerned
}

// Sender hands a message to a mail system.
type Sender interface {
	Send(ctx context.Context, m Message, text, html string) error
}

// Notifier composes and delivers notifications.
type Notifier struct {
	pool    *pgxpool.Pool
	base    *url.URL
	itMail  string
	anchor  string // ITPORTAL_AUDIT_ANCHOR_MAIL
	sender  Sender
	limiter *rate.Limiter
}

// New returns a notifier; without an SMTP URL mail goes to the outbox.
func New(pool *pgxpool.Pool, base *url.URL, m config.Mail) *Notifier {
	n := &Notifier{pool: pool, base: base, itMail: m.ITUnitMail, anchor: m.AnchorMail}
	if base == nil {
		n.base = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}
	}
	per := m.PerMinute
	if per <= 0 {
		per = 30
	}
	n.limiter = rate.NewLimiter(rate.Every(time.Minute/time.Duration(per)), 1)
	if m.SMTPURL != nil {
		n.sender = &smtpSender{url: m.SMTPURL, from: m.From, idle: make(chan *mail.Client, smtpIdle)}
	} else {
		n.sender = &outboxSender{pool: pool}
	}
	return n
}

// Handle composes the job's messages and delivers them.
func (n *Notifier) Handle(ctx context.Context, jobID int64, args jobargs.Notify) error {
	msgs, err := n.Compose(ctx, args)
	if err != nil {
		return err
	}
	return n.Deliver(ctx, jobID, msgs)
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

// people returns the active people with one of the roles.
func (n *Notifier) people(ctx context.Context, roles ...string) ([]Recipient, error) {
	rows, err := n.pool.Query(ctx, `
		SELECT DISTINCT p.id, p.name, COALESCE(p.email, '') FROM people p JOIN person_roles r ON r.person_id = p.id
		WHERE r.role = ANY($1) AND p.active AND p.merged_into IS NULL ORDER BY p.id`, roles)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRecipient)
}

func scanRecipient(r pgx.CollectableRow) (Recipient, error) {
	var x Recipient
	err := r.Scan(&x.PersonID, &x.Name, &x.Email)
	return x, err
}

func (n *Notifier) person(ctx context.Context, id int64) (Recipient, error) {
	var x Recipient
	err := n.pool.QueryRow(ctx, `SELECT id, name, COALESCE(email, '') FROM people WHERE id = $1 AND active`, id).Scan(&x.PersonID, &x.Name, &x.Email)
	return x, err
}

// persons returns those of the people who are still active, in id order.
func (n *Notifier) persons(ctx context.Context, ids []int64) ([]Recipient, error) {
	rows, err := n.pool.Query(ctx, `SELECT id, name, COALESCE(email, '') FROM people WHERE id = ANY($1) AND active ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRecipient)
}

// itUnit is IT-enheten: its shared address when configured, else its members.
func (n *Notifier) itUnit(ctx context.Context) ([]Recipient, error) {
	members, err := n.people(ctx, "it_unit")
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

// Compose builds the messages of a job. A job about something that no
// longer exists composes nothing.
func (n *Notifier) Compose(ctx context.Context, a jobargs.Notify) ([]Message, error) {
	id, _ := strconv.ParseInt(a.ObjectID, 10, 64)
	var out []Message
	add := func(to []Recipient, subject, link string, lines ...string) {
		seen := map[string]bool{}
		for _, r := range to {
			key := strconv.FormatInt(r.PersonID, 10) + "|" + strings.ToLower(r.Email)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, Message{To: r, Subject: cleanHeader(subject), Lines: lines, Link: link})
		}
	}
	switch {
	case a.Topic == "system.role_changed":
		var name string
		if err := n.pool.QueryRow(ctx, `SELECT name FROM systems WHERE id = $1`, id).Scan(&name); errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		to, err := n.itUnit(ctx)
		if err != nil {
			return nil, err
		}
		// The new and the previous administrator: the two latest periods.
		rows, err := n.pool.Query(ctx, `
			SELECT p.id, p.name, COALESCE(p.email, '') FROM role_assignments ra JOIN people p ON p.id = ra.person_id
			WHERE ra.system_id = $1 AND ra.role = 'administrator' AND p.active ORDER BY lower(ra.valid) DESC LIMIT 2`, id)
		if err != nil {
			return nil, err
		}
		holders, err := pgx.CollectRows(rows, scanRecipient)
		if err != nil {
			return nil, err
		}
		add(append(to, holders...), "Rollerna för "+name+" har ändrats", n.link("/system/"+a.ObjectID),
			"Rollfördelningen för systemet "+name+" har ändrats i IT-portalen.",
			"Öppna systemets sida för att se vem som är systemägare, systemförvaltare och driftsansvarig från vilket datum.")
	case a.Topic == "system.evaluation_due" || a.Topic == "system.evaluation_overdue":
		r, subject, link, lines, ok, err := n.evaluationReminder(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if ok {
			add([]Recipient{r}, subject, link, lines...)
		}
	case a.Topic == "register.imported":
		to, err := n.itUnit(ctx)
		if err != nil {
			return nil, err
		}
		add(to, "Registret har importerats", n.link("/system"), "En import har ändrat "+a.ObjectID+" system i registret.")
	case strings.HasPrefix(a.Topic, "request."):
		var number, title, kind, state string
		var author int64
		err := n.pool.QueryRow(ctx, `SELECT COALESCE(number, ''), title, kind, state, author_id FROM requests WHERE id = $1`, id).Scan(&number, &title, &kind, &state, &author)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var to []Recipient
		for _, who := range a.Audience {
			switch who {
			case "requester":
				if r, err := n.person(ctx, author); err == nil {
					to = append(to, r)
				}
			case "it_unit":
				rs, err := n.itUnit(ctx)
				if err != nil {
					return nil, err
				}
				to = append(to, rs...)
			case "it_head", "it_head_deputy":
				rs, err := n.people(ctx, who)
				if err != nil {
					return nil, err
				}
				to = append(to, rs...)
			}
		}
		what := map[string]string{
			"request.submitted": "har skickats in", "request.handlagg": "handläggs nu", "request.begar": "behöver kompletteras",
			"request.komplettera": "har kompletterats", "request.aterkalla": "har återkallats", "request.decided": "är beslutat",
			"request.commented": "har en ny kommentar",
		}[a.Topic]
		if what == "" {
			what = "har ändrats"
		}
		label := portal.RequestKind(kind).Label()
		add(to, strings.TrimSpace("Ärende "+number+" "+what+": "+title), n.link("/arenden/"+a.ObjectID),
			label+": "+title, "Ärendet "+what+". Status: "+portal.RequestState(state).Label()+".")
	case a.Topic == "document.acknowledge":
		var title, slug string
		var number int
		err := n.pool.QueryRow(ctx, `SELECT d.title, d.slug, v.number FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE v.id = $1`, id).Scan(&title, &slug, &number)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		rs, err := n.persons(ctx, a.People())
		if err != nil {
			return nil, err
		}
		add(rs, fmt.Sprintf("Att kvittera: %s, version %d", title, number), n.link("/styrdokument/"+slug+"/kvittera"),
			fmt.Sprintf("%s har en ny version (%d) som du behöver läsa och kvittera.", title, number))
	case a.Topic == "document.manager_digest":
		r, err := n.person(ctx, a.PersonID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var owing int
		if err := n.pool.QueryRow(ctx, `SELECT count(*) FROM people WHERE manager_id = $1 AND active`, a.PersonID).Scan(&owing); err != nil {
			return nil, err
		}
		add([]Recipient{r}, "Veckosammanställning: kvittenser i din personalgrupp", n.link("/efterlevnad/kvittenser"),
			"Någon i din personal har inte kvitterat ett styrdokument som gäller dem.",
			fmt.Sprintf("Du har %d medarbetare i IT-portalen. Se vem som har kvitterat och vem som inte har det under Uppföljning av kvittenser.", owing))
	case a.Topic == "audit.anchor":
		// The chain's head, to an address outside the database's reach
		// (R14). The text is what `itportal audit verify --anchors` reads.
		var seq int64
		var hash []byte
		var at time.Time
		if err := n.pool.QueryRow(ctx, `SELECT seq, hash, at FROM audit_anchors WHERE id = $1`, id).Scan(&seq, &hash, &at); errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if n.anchor == "" {
			return nil, nil
		}
		add([]Recipient{{Email: n.anchor}}, "IT-portalen: granskningsloggens kontrollsumma "+at.In(portal.Stockholm).Format("2006-01-02"),
			n.link("/efterlevnad"),
			"Detta är granskningsloggens kontrollsumma (ankare) för "+at.In(portal.Stockholm).Format("2006-01-02 15:04")+". Spara meddelandet: med det kan man i efterhand visa att loggen inte har ändrats.",
			"seq="+strconv.FormatInt(seq, 10)+" hash="+hex.EncodeToString(hash),
			"Kontroll: itportal audit verify --anchors <fil med detta meddelande>")
	case a.Topic == "document.reminder":
		rs, err := n.persons(ctx, a.People())
		if err != nil {
			return nil, err
		}
		add(rs, "Påminnelse: styrdokument att kvittera", n.link("/min-sida"),
			"Du har styrdokument som du ännu inte har kvitterat. Du ser dem på Min sida.")
	}
	return out, nil
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

// Deliver records each person's notification (Händelser) and sends each
// mail once per job and recipient (see the package comment for the one
// window). Mails wait for the rate limit; a job with more than fits in
// half of its time (ctx's deadline), at the rate or because the server is
// slow, returns *Paused with what it has sent.
func (n *Notifier) Deliver(ctx context.Context, jobID int64, msgs []Message) error {
	keys := make([]string, len(msgs))
	var ids []int64
	var subjects, links []string
	for i, m := range msgs {
		keys[i] = strconv.FormatInt(jobID, 10) + ":" + strings.ToLower(m.To.Email)
		if m.To.PersonID != 0 {
			ids = append(ids, m.To.PersonID)
			subjects = append(subjects, m.Subject)
			links = append(links, m.Link)
		}
	}
	// One round trip for the whole job: everyone's Händelser row (once per
	// job and person), and which mails were already handed to the server.
	rows, err := n.pool.Query(ctx, `
		WITH told AS (
			INSERT INTO notifications (person_id, job_id, subject, link)
			SELECT t.id, $2, t.subject, t.link FROM unnest($1::bigint[], $3::text[], $4::text[]) AS t(id, subject, link)
			ON CONFLICT (job_id, person_id) DO NOTHING)
		SELECT idempotency_key FROM mail_log WHERE idempotency_key = ANY($5)`, ids, jobID, subjects, links, keys)
	if err != nil {
		return fmt.Errorf("record notifications: %w", err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("record notifications: %w", err)
	}
	sent := make(map[string]bool, len(done))
	for _, k := range done {
		sent[k] = true
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
		r := n.limiter.Reserve()
		wait := r.Delay()
		if !stop.IsZero() && time.Now().Add(wait).After(stop) {
			r.Cancel()
			left := 0
			for j := i; j < len(msgs); j++ {
				if msgs[j].To.Email != "" && !sent[keys[j]] {
					left++
				}
			}
			return &Paused{Sent: sentNow, Left: left, After: wait}
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				r.Cancel()
				return ctx.Err()
			}
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
		_, err = n.pool.Exec(rctx, `INSERT INTO mail_log (idempotency_key, job_id, recipient, subject) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, keys[i], jobID, m.To.Email, m.Subject)
		cancel()
		if err != nil {
			return fmt.Errorf("record mail: %w", err)
		}
		sentNow++
	}
	return nil
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

// smtpSender keeps a few connections to the mail server open and sends
// each mail over one of them: a new TCP connection, greeting, EHLO,
// STARTTLS and AUTH per mail cost more CPU than the mail itself. A
// connection the server has closed is noticed (NOOP) before anything is
// sent on it, and replaced.
type smtpSender struct {
	url  *url.URL
	from string
	idle chan *mail.Client
}

// smtpIdle is how many connections stay open between mails.
const smtpIdle = 4

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

func (s *smtpSender) Send(ctx context.Context, m Message, text, html string) error {
	msg := mail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return err
	}
	if err := msg.To(m.To.Email); err != nil {
		return err
	}
	msg.Subject(cleanHeader(m.Subject))
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, text)
	msg.AddAlternativeString(mail.TypeTextHTML, html)

	var c *mail.Client
	select {
	case c = <-s.idle:
	default:
	}
	if c != nil {
		err := c.Send(msg)
		var se *mail.SendError
		if err == nil {
			s.release(c)
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
	s.release(c)
	return nil
}

// release keeps the connection for the next mail, or closes it when
// enough are kept.
func (s *smtpSender) release(c *mail.Client) {
	select {
	case s.idle <- c:
	default:
		_ = c.Close()
	}
}

type outboxSender struct{ pool *pgxpool.Pool }

func (s *outboxSender) Send(ctx context.Context, m Message, text, html string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO mail_outbox (recipient, subject, text_body, html_body) VALUES ($1, $2, $3, $4)`,
		m.To.Email, cleanHeader(m.Subject), text, html)
	return err
}
