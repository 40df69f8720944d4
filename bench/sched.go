package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The scheduler control: how much the p99 of a trivial server on this
// machine moves when other work shares the CPU, with no portal and no
// database involved. It tells what "the web's p99 within 20 % of idle
// while mail is sent" can mean on a given machine.

// spin keeps a core busy for d.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

// serveBurn is the "bench burn" process: one thread that works 0.5 ms and
// rests 0.3 ms, about 0.6 of a core, in the scheduling class it is given
// ("normal", "nice" for nice 19, or "idle" for SCHED_IDLE).
func serveBurn(class string) error {
	// Linux sets the nice value and the policy per thread: the work stays
	// on this thread, which alone is given the class.
	runtime.LockOSThread()
	switch class {
	case "nice":
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, 19); err != nil {
			return err
		}
	case "idle":
		if err := unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE}, 0); err != nil {
			return err
		}
	}
	for {
		spin(500 * time.Microsecond)
		time.Sleep(300 * time.Microsecond)
	}
}

// measureScheduler measures a server that spends 0.2 ms of CPU per request,
// at 100 requests a second, idle and beside the burner in each class: all
// on the machine's last core, then free to use every core.
func measureScheduler() (string, error) {
	var b strings.Builder
	b.WriteString("\nScheduler control (no portal, no database): a server spending 0.2 ms of CPU per request, 100 requests/s for 10 s, " +
		"idle right before and beside one thread of other work (0.5 ms on, 0.3 ms off) in each scheduling class:\n\n" +
		"| placement | other work | idle p99 | p99 beside it | change |\n|---|---|---|---|---|\n")
	var last, all unix.CPUSet
	last.Set(runtime.NumCPU() - 1)
	for i := range runtime.NumCPU() {
		all.Set(i)
	}
	for _, place := range []struct {
		name string
		set  *unix.CPUSet
	}{{"both on the last core", &last}, {"every core free", &all}} {
		if err := schedulerRows(&b, place.name, place.set); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// schedulerRows measures the three classes with the server and the burner
// on the CPU set.
func schedulerRows(b *strings.Builder, placement string, set *unix.CPUSet) error {
	if err := setThreads(os.Getpid(), set); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		spin(200 * time.Microsecond)
		_, _ = io.WriteString(w, "ok")
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	url := "http://" + l.Addr().String() + "/"
	c := &http.Client{}
	p99 := func() (float64, error) {
		var lat []time.Duration
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for range 1000 {
			<-tick.C
			start := time.Now()
			resp, err := c.Get(url)
			if err != nil {
				return 0, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		return ms(lat[len(lat)*99/100]), nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, class := range []string{"normal", "nice", "idle"} {
		idle, err := p99()
		if err != nil {
			return err
		}
		burn := exec.Command(self, "burn", class)
		burn.Stderr = os.Stderr
		burn.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGKILL}
		if err := burn.Start(); err != nil {
			return err
		}
		if err := setThreads(burn.Process.Pid, set); err != nil {
			_ = burn.Process.Kill()
			return err
		}
		time.Sleep(200 * time.Millisecond)
		busy, err := p99()
		_ = burn.Process.Kill()
		_ = burn.Wait()
		if err != nil {
			return err
		}
		name := map[string]string{"normal": "normal priority", "nice": "nice 19", "idle": "SCHED_IDLE"}[class]
		fmt.Fprintf(b, "| %s | %s | %.2f ms | %.2f ms | %+.0f %% |\n", placement, name, idle, busy, (busy/idle-1)*100)
	}
	return nil
}
