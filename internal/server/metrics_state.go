package server

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"itportal/internal/postgres"
)

// The portal's state as metrics: the job queue by kind and state, cases
// waiting, acknowledgements outstanding, rule breaches and the audit
// chain's last verification. Read from PostgreSQL at most every 15 s
// (several scrapers, several replicas: the same numbers).
var (
	jobsDesc          = prometheus.NewDesc("itportal_jobs", "Background jobs by kind and state (River).", []string{"kind", "state"}, nil)
	jobsOldestDesc    = prometheus.NewDesc("itportal_jobs_oldest_available_seconds", "Age of the oldest job waiting to run: the queue's delay.", nil, nil)
	casesDesc         = prometheus.NewDesc("itportal_cases_waiting", "Cases waiting for IT-enheten or the IT head, by state.", []string{"state"}, nil)
	acksDesc          = prometheus.NewDesc("itportal_acknowledgements_outstanding", "Staff who have not acknowledged a document version in force, by document.", []string{"document"}, nil)
	breachesDesc      = prometheus.NewDesc("itportal_rule_breaches", "Breaches of the guideline's rules on the compliance board, by rule.", []string{"rule"}, nil)
	auditOKDesc       = prometheus.NewDesc("itportal_audit_chain_ok", "1 when the last verification of the audit chain found it whole, 0 when broken; absent before the first.", nil, nil)
	auditVerifiedDesc = prometheus.NewDesc("itportal_audit_chain_verified_timestamp_seconds", "When the audit chain was last verified (Unix time).", nil, nil)
	stateErrDesc      = prometheus.NewDesc("itportal_state_scrape_error", "1 when the state metrics could not be read from the database.", nil, nil)
)

// BreachCounter reports the number of breaches per rule (the compliance
// board); nil leaves the metric out.
type BreachCounter func(ctx context.Context) (map[string]int, error)

type stateCollector struct {
	pool     *pgxpool.Pool
	acks     func(ctx context.Context) (map[string]int, error)
	breaches BreachCounter
	mu       sync.Mutex
	at       time.Time
	cached   []prometheus.Metric
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{jobsDesc, jobsOldestDesc, casesDesc, acksDesc, breachesDesc, auditOKDesc, auditVerifiedDesc, stateErrDesc} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > 15*time.Second || c.cached == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ms, err := c.read(ctx)
		cancel()
		failed := 0.0
		if err != nil {
			failed = 1
			ms = nil
		}
		c.cached = append(ms, prometheus.MustNewConstMetric(stateErrDesc, prometheus.GaugeValue, failed))
		c.at = time.Now()
	}
	for _, m := range c.cached {
		ch <- m
	}
}

func (c *stateCollector) read(ctx context.Context) ([]prometheus.Metric, error) {
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	st, err := postgres.ReadPortalState(ctx, c.pool)
	if err != nil {
		return nil, err
	}
	for _, j := range st.Jobs {
		gauge(jobsDesc, float64(j.Count), j.Kind, j.State)
	}
	gauge(jobsOldestDesc, st.OldestAvailable.Seconds())
	for state, n := range st.CasesWaiting {
		gauge(casesDesc, float64(n), state)
	}
	if st.AuditOK != nil && st.AuditVerifiedAt != nil {
		v := 0.0
		if *st.AuditOK {
			v = 1
		}
		gauge(auditOKDesc, v)
		gauge(auditVerifiedDesc, float64(st.AuditVerifiedAt.Unix()))
	}
	if c.acks != nil {
		owing, err := c.acks(ctx)
		if err != nil {
			return nil, err
		}
		for doc, n := range owing {
			gauge(acksDesc, float64(n), doc)
		}
	}
	if c.breaches != nil {
		counts, err := c.breaches(ctx)
		if err != nil {
			return nil, err
		}
		for rule, n := range counts {
			gauge(breachesDesc, float64(n), rule)
		}
	}
	return out, nil
}

// registerState adds the state collector to the registry once (tests
// build several servers on one registry).
func (m *Metrics) registerState(c *stateCollector) {
	m.stateOnce.Do(func() { m.reg.MustRegister(c) })
}
