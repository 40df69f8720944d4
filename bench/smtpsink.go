package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a local SMTP server that counts the mails it receives, for the
// notification figure. It runs in a process of its own ("bench sink"), as
// a real mail server would, so that receiving mail does not share the load
// generator's Go runtime (its collections would be measured as the
// portal's latency).
type sink struct {
	addr string
	n    atomic.Int64
	cmd  *exec.Cmd
}

// startSink starts the sink process and follows its count.
func startSink() (*sink, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	s := &sink{cmd: exec.Command(self, "sink")}
	s.cmd.Stderr = os.Stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // ends with the bench, however it ends
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		_ = s.cmd.Process.Kill()
		return nil, fmt.Errorf("sink: no address: %v", s.cmd.Wait())
	}
	s.addr = lines.Text()
	go func() {
		for lines.Scan() {
			if n, err := strconv.ParseInt(lines.Text(), 10, 64); err == nil {
				s.n.Store(n)
			}
		}
	}()
	return s, nil
}

// stop ends the sink process.
func (s *sink) stop() { stopProcess(s.cmd) }

// serveSink is the sink process: it prints its address, then the number of
// mails received whenever it changes (at most every 10 ms).
func serveSink() error {
	var n atomic.Int64
	srv := smtp.NewServer(backend{&n})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(l.Addr().String())
	go func() {
		last := int64(-1)
		for range time.Tick(10 * time.Millisecond) {
			if v := n.Load(); v != last {
				last = v
				if _, err := fmt.Println(v); err != nil {
					os.Exit(0) // the bench has gone
				}
			}
		}
	}()
	return srv.Serve(l)
}

type backend struct{ n *atomic.Int64 }

func (b backend) NewSession(_ *smtp.Conn) (smtp.Session, error) { return &sinkSession{n: b.n}, nil }

type sinkSession struct{ n *atomic.Int64 }

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	if err == nil {
		ss.n.Add(1)
	}
	return err
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }
