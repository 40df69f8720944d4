package main

import (
	"io"
	"net"
	"sync/atomic"

	"github.com/emersion/go-smtp"
)

// sink is a local SMTP server that counts the mails it receives, for the
// notification figure.
type sink struct {
	addr string
	n    atomic.Int64
	srv  *smtp.Server
}

func startSink() (*sink, error) {
	s := &sink{}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = l.Addr().String()
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

func (s *sink) NewSession(_ *smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct{ s *sink }

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	if err == nil {
		ss.s.n.Add(1)
	}
	return err
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }
