package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// How busy the machine was, so that a run's figures can be judged: the
// load average when the bench started, and per CPU how busy it was and how
// much time the hypervisor took (steal) over a stretch of the run.

// loadAverage is /proc/loadavg's 1, 5 and 15 minute averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// cpuTimes are one CPU's counters from /proc/stat (clock ticks).
type cpuTimes struct{ total, idle, steal uint64 }

// readCPUTimes reads every CPU's counters ("cpu0", "cpu1", …, and "cpu"
// for all together).
func readCPUTimes() map[string]cpuTimes {
	out := map[string]cpuTimes{}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		var t cpuTimes
		for i, v := range f[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i >= 8 { // guest time is counted in user time already
				break
			}
			t.total += n
			switch i {
			case 3, 4: // idle, iowait
				t.idle += n
			case 7:
				t.steal += n
			}
		}
		out[f[0]] = t
	}
	return out
}

// cpuUse describes the CPUs between two readings: each CPU's busy share
// and the steal over all of them.
func cpuUse(a, b map[string]cpuTimes) string {
	var parts []string
	for i := 0; ; i++ {
		name := "cpu" + strconv.Itoa(i)
		x, okA := a[name]
		y, okB := b[name]
		if !okA || !okB {
			break
		}
		if d := y.total - x.total; d > 0 {
			parts = append(parts, fmt.Sprintf("CPU %d %.0f %% busy", i, 100*float64(d-(y.idle-x.idle))/float64(d)))
		}
	}
	x, y := a["cpu"], b["cpu"]
	steal := 0.0
	if d := y.total - x.total; d > 0 {
		steal = 100 * float64(y.steal-x.steal) / float64(d)
	}
	return strings.Join(parts, ", ") + fmt.Sprintf(", steal %.1f %%", steal)
}

// idleMachine samples the CPUs for d while the bench itself waits: what
// others were doing on the machine.
func idleMachine(d time.Duration) string {
	a := readCPUTimes()
	time.Sleep(d)
	return cpuUse(a, readCPUTimes())
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's
// times (100 on every Linux this runs on).
const clockTicks = 100

// processCPU is the CPU time (user and system) process pid has used so
// far, 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: the fields follow its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseUint(f[11], 10, 64)
	sys, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(user+sys) * time.Second / clockTicks
}

// clusterCPU is the CPU time the bench's PostgreSQL has used so far: its
// postmaster and every process the postmaster started (the portal's
// connections, which stay open across the mix, and the server's own).
func clusterCPU(postmaster int) time.Duration {
	total := processCPU(postmaster)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return total
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[1] == strconv.Itoa(postmaster) {
			total += processCPU(pid)
		}
	}
	return total
}
