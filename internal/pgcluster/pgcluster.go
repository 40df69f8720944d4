// Package pgcluster starts and stops a private PostgreSQL cluster with the
// system's server binaries (initdb, pg_ctl). It serves `itportal dev` and the
// test harness; production uses an operator-managed PostgreSQL instead.
//
// The cluster listens only on a Unix socket in a short private directory, so
// it never collides with another server's TCP port and only its owner (and
// root) can connect. PostgreSQL refuses to run as root: when the caller is
// root, the server runs as the unprivileged "postgres" system user (or
// "nobody") and the data directory is owned by that user.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries is returned when initdb and pg_ctl cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin; on Debian/Ubuntu install them with: apt-get install -y postgresql")

// Superuser is the bootstrap superuser created by initdb.
const Superuser = "postgres"

// socketPort names the socket file (.s.PGSQL.<port>); nothing listens on TCP.
const socketPort = 5432

// Options configure a cluster.
type Options struct {
	// DataDir is where the cluster lives. It is created when missing and
	// reused when it already holds a cluster.
	DataDir string
	// Fast turns off fsync and friends: for throwaway test clusters only.
	Fast bool
	// WatchParent stops the cluster when the calling process exits, even
	// when it is killed and cannot stop it itself.
	WatchParent bool
	// Log receives the output of initdb and pg_ctl; nil discards it.
	Log *os.File
	// Settings are further server settings ("name=value"), as for
	// shared_preload_libraries when a bench looks at what the database spends.
	Settings []string
}

// Cluster is a running (or stopped) private cluster.
type Cluster struct {
	opts      Options
	bin       string
	socketDir string
	cred      *syscall.Credential
	runAs     string
	watcher   *exec.Cmd
}

// FindBinaries returns the directory holding initdb and pg_ctl (and the
// other programs of the same installation: pg_dump, pg_restore, psql).
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real // a link such as /usr/local/bin/pg_ctl: the installation's own directory
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	// Prefer the newest major version.
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(path string) int {
	// /usr/lib/postgresql/15/bin/pg_ctl → 15
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// New prepares a cluster in opts.DataDir without starting it.
func New(opts Options) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, err
	}
	opts.DataDir = abs
	c := &Cluster{opts: opts, bin: bin}
	if os.Geteuid() == 0 {
		if err := c.chooseUnprivilegedUser(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Cluster) chooseUnprivilegedUser() error {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		c.runAs = name
		return nil
	}
	return errors.New("running as root, but neither the 'postgres' nor the 'nobody' user exists to run PostgreSQL as; create one (apt-get install -y postgresql creates 'postgres')")
}

// DataDir returns the cluster's data directory.
func (c *Cluster) DataDir() string { return c.opts.DataDir }

// SocketDir returns the directory holding the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir }

// RunAs names the system user the server runs as, or "" for the caller.
func (c *Cluster) RunAs() string { return c.runAs }

// Initialized reports whether the data directory already holds a cluster.
func (c *Cluster) Initialized() bool {
	_, err := os.Stat(filepath.Join(c.opts.DataDir, "PG_VERSION"))
	return err == nil
}

// Start initialises the cluster when needed and starts the server.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.ensureDirs(); err != nil {
		return err
	}
	if !c.Initialized() {
		if err := c.run(ctx, "initdb", "-D", c.opts.DataDir, "-U", Superuser, "-A", "trust",
			"--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"); err != nil {
			return fmt.Errorf("initdb: %w", err)
		}
	}
	// A live server in this directory belongs to another process (a second
	// `itportal dev` in the same folder); never take it over or stop it. A
	// stale postmaster.pid from a killed server is handled by pg_ctl.
	if pid, err := c.PostmasterPID(); err == nil && Alive(pid) {
		return fmt.Errorf("PostgreSQL is already running in %s (pid %d): is another itportal dev running in this directory?", c.opts.DataDir, pid)
	}

	if c.socketDir == "" {
		// Short (the socket path limit is 107 bytes) and kept across restarts
		// so that connection URLs stay valid.
		sock, err := os.MkdirTemp("", "itpg")
		if err != nil {
			return err
		}
		if err := c.chown(sock); err != nil {
			return err
		}
		c.socketDir = sock
	}
	sock := c.socketDir
	settings := []string{
		"-k", sock,
		"-p", strconv.Itoa(socketPort),
		"-c", "listen_addresses=",
		// A test package runs one portal per parallel test, each with its
		// pools (some 25 connections); on a machine with many cores the
		// default 100 is soon used up.
		"-c", "max_connections=600",
		"-c", "shared_buffers=64MB",
		"-c", "timezone=UTC",
	}
	for _, kv := range c.opts.Settings {
		settings = append(settings, "-c", kv)
	}
	if c.opts.Fast {
		settings = append(settings, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "wal_level=minimal", "-c", "max_wal_senders=0")
	}
	logFile := c.logFile()
	if err := c.run(ctx, "pg_ctl", "-D", c.opts.DataDir, "-l", logFile, "-o", strings.Join(quoteAll(settings), " "), "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w (see %s)", err, logFile)
	}
	if c.opts.WatchParent {
		c.watchParent()
	}
	return nil
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " '\"=") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			out[i] = a
		}
	}
	return out
}

// Restart restarts the server in fast mode, as an operator or a crash would.
func (c *Cluster) Restart(ctx context.Context) error {
	// -l keeps the server's output away from pg_ctl's pipe (which would
	// otherwise stay open for the server's lifetime).
	return c.run(ctx, "pg_ctl", "-D", c.opts.DataDir, "-l", c.logFile(), "-m", "fast", "-w", "restart")
}

func (c *Cluster) logFile() string { return filepath.Join(c.opts.DataDir, "server.log") }

// Stop stops the server (fast shutdown). It can be started again.
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.run(ctx, "pg_ctl", "-D", c.opts.DataDir, "-m", "fast", "-w", "stop")
}

// Close stops the server and removes its socket directory and watcher.
func (c *Cluster) Close() error {
	err := c.Stop()
	if c.watcher != nil && c.watcher.Process != nil {
		_ = c.watcher.Process.Kill()
	}
	if c.socketDir != "" {
		_ = os.RemoveAll(c.socketDir)
	}
	return err
}

// Alive reports whether process pid exists and is not a zombie (an exited
// process nobody has reaped yet, as happens where PID 1 does not reap).
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// PostmasterPID reads the server's process id from postmaster.pid.
func (c *Cluster) PostmasterPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(c.opts.DataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// URL returns a connection URL for user to database over the Unix socket.
func (c *Cluster) URL(userName, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(userName),
		Host:     "localhost:" + strconv.Itoa(socketPort),
		Path:     "/" + database,
		RawQuery: url.Values{"host": {c.socketDir}, "sslmode": {"disable"}}.Encode(),
	}
	return u.String()
}

// Port is the number in the socket file's name.
func (c *Cluster) Port() int { return socketPort }

func (c *Cluster) ensureDirs() error {
	// Parents are searchable by the server's user; the data dir is private.
	if err := os.MkdirAll(filepath.Dir(c.opts.DataDir), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(c.opts.DataDir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(c.opts.DataDir, 0o700); err != nil {
		return err
	}
	if err := c.chown(c.opts.DataDir); err != nil {
		return err
	}
	if c.cred != nil {
		if dir, ok := unreachable(filepath.Dir(c.opts.DataDir)); !ok {
			return fmt.Errorf("PostgreSQL runs as the %q user, which cannot reach %s (%s is not searchable by other users); choose a working directory outside it", c.runAs, c.opts.DataDir, dir)
		}
	}
	return nil
}

// unreachable finds the first ancestor directory that other users cannot
// search (no o+x bit).
func unreachable(dir string) (string, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return d, false
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return d, false
		}
		if d == filepath.Dir(d) {
			return "", true
		}
	}
}

func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Env = []string{"PATH=" + c.bin + ":/usr/bin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=" + c.opts.DataDir, "TZ=UTC"}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := c.command(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if c.opts.Log != nil {
		_, _ = c.opts.Log.Write(out.Bytes())
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(lastLines(out.String(), 5)))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// watchParent starts a detached shell that stops the server in immediate
// mode once this process is gone, so a killed test run or dev server never
// leaves a PostgreSQL behind.
func (c *Cluster) watchParent() {
	pid, err := c.PostmasterPID()
	if err != nil {
		return
	}
	// Stop only the server this process started: a new one in the same data
	// directory (a quick restart of `itportal dev`) is left alone.
	script := `while [ -d /proc/"$1" ]; do sleep 1; done
if [ "$(head -n 1 "$3"/postmaster.pid 2>/dev/null)" = "$5" ]; then "$2"/pg_ctl -D "$3" -m immediate stop >/dev/null 2>&1; rm -rf "$4"; fi`
	cmd := exec.Command("/bin/sh", "-c", script, "watch", strconv.Itoa(os.Getpid()), c.bin, c.opts.DataDir, c.socketDir, strconv.Itoa(pid))
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	if err := cmd.Start(); err == nil {
		c.watcher = cmd
		go func() { _ = cmd.Wait() }()
	}
}

// Tool runs one of the cluster's PostgreSQL programs (pg_dump, pg_restore,
// psql) as the cluster's user, with stdin and stdout connected as given.
func (c *Cluster) Tool(ctx context.Context, stdin io.Reader, stdout io.Writer, name string, args ...string) error {
	cmd := c.command(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(lastLines(stderr.String(), 5)))
	}
	return nil
}
