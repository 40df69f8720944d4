package testkit

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// LogSink is an io.Writer that collects log lines and lets a test wait for
// one, so a test can read what the portal logged (its address, its access
// log) without sleeping.
type LogSink struct {
	mu      sync.Mutex
	partial bytes.Buffer
	lines   []string
	changed chan struct{}
}

// NewLogSink returns an empty sink.
func NewLogSink() *LogSink { return &LogSink{changed: make(chan struct{})} }

func (l *LogSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial.Write(p)
	for {
		line, err := l.partial.ReadString('\n')
		if err != nil {
			// Put the unfinished line back.
			rest := line + l.partial.String()
			l.partial.Reset()
			l.partial.WriteString(rest)
			break
		}
		l.lines = append(l.lines, strings.TrimRight(line, "\n"))
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// Lines returns every complete line so far.
func (l *LogSink) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// WaitFor returns the first line containing every one of parts, failing
// the test when none appears within timeout.
func (l *LogSink) WaitFor(t testing.TB, timeout time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if containsAll(line, parts) {
				l.mu.Unlock()
				return line
			}
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no log line with %q within %v; log:\n%s", parts, timeout, strings.Join(l.Lines(), "\n"))
			return ""
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
