package testkit

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is a message the sink received.
type Mail struct {
	From string
	To   []string
	Data string    // the raw message: headers and body
	At   time.Time // when the sink had received all of it
}

// Header returns the value of a header of the raw message (first match).
func (m Mail) Header(name string) string {
	head, _, _ := strings.Cut(strings.ReplaceAll(m.Data, "\r\n", "\n"), "\n\n")
	for _, line := range strings.Split(head, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// SMTPSink is a real SMTP server on 127.0.0.1 that keeps what it receives.
// Fail makes it refuse messages (a server that is down or refusing).
type SMTPSink struct {
	Addr  string
	mu    sync.Mutex
	mail  []Mail
	fail  bool
	srv   *smtp.Server
	conns []*smtp.Conn
}

// StartSMTPSink starts a sink for the test.
func StartSMTPSink(t testing.TB) *SMTPSink {
	t.Helper()
	s := &SMTPSink{}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// URL is the portal's ITPORTAL_SMTP_URL for the sink (no TLS: a local relay).
func (s *SMTPSink) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// SetFailing makes the sink refuse (true) or accept (false) messages.
func (s *SMTPSink) SetFailing(f bool) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

// Mails returns what the sink has received so far.
func (s *SMTPSink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// NewSession implements smtp.Backend.
func (s *SMTPSink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return &sinkSession{sink: s}, nil
}

// Connections is how many SMTP connections clients have opened so far.
func (s *SMTPSink) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// DropConnections closes every open connection, as a server does with
// idle ones.
func (s *SMTPSink) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
}

type sinkSession struct {
	sink *SMTPSink
	cur  Mail
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.sink.mu.Lock()
	defer ss.sink.mu.Unlock()
	if ss.sink.fail {
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	ss.cur = Mail{From: from}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.Data = string(b)
	ss.cur.At = time.Now()
	ss.sink.mu.Lock()
	ss.sink.mail = append(ss.sink.mail, ss.cur)
	ss.sink.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset()        { ss.cur = Mail{} }
func (ss *sinkSession) Logout() error { return nil }
