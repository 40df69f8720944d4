package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// ContractReminderService reminds of contracts' deadlines (the next day by
// which notice must be given, or an option used, portal.ContractTerms.On)
// at the configured offsets before them. Each reminder is claimed in
// contract_reminders in the transaction that enqueues its notification,
// so it goes out once per contract, deadline and offset.
type ContractReminderService struct {
	pool    *pgxpool.Pool
	enqueue Enqueuer
	offsets []int
	now     func() time.Time
}

// NewContractReminderService returns the service; offsets are the days
// before a deadline (nil: portal.DefaultContractReminderDays), now the
// clock (nil: time.Now).
func NewContractReminderService(pool *pgxpool.Pool, enqueue Enqueuer, offsets []int, now func() time.Time) *ContractReminderService {
	if now == nil {
		now = time.Now
	}
	if offsets == nil {
		offsets = portal.DefaultContractReminderDays
	}
	offsets = slices.Clone(offsets)
	slices.Sort(offsets)
	slices.Reverse(offsets)
	return &ContractReminderService{pool: pool, enqueue: enqueue, offsets: offsets, now: now}
}

// Remind claims and enqueues the reminders due today: for each contract
// not terminated whose deadline is within an offset, the smallest offset
// reached (portal.DueContractReminder). It returns how many were enqueued.
func (s *ContractReminderService) Remind(ctx context.Context) (_ int, err error) {
	defer wrap(&err, "remind of contract deadlines")
	if s.enqueue == nil {
		return 0, nil // nothing could be sent, so nothing is claimed
	}
	today := portal.DateOf(s.now())
	var n int
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT c.id, c.start_on, c.initial_months, c.notice_months, c.option_count, c.option_months, c.options_used, c.renewal_months
			FROM contracts c WHERE c.ends_on IS NULL`)
		if err != nil {
			return translate(err)
		}
		type due struct {
			id       int64
			deadline time.Time
			offset   int
		}
		var list []due
		for rows.Next() {
			var id int64
			var t portal.ContractTerms
			if err := rows.Scan(&id, &t.Start, &t.InitialMonths, &t.NoticeMonths, &t.OptionCount, &t.OptionMonths, &t.OptionsUsed, &t.RenewalMonths); err != nil {
				rows.Close()
				return translate(err)
			}
			d := t.On(today)
			if o, ok := portal.DueContractReminder(d.NoticeBy, today, s.offsets); ok {
				list = append(list, due{id, d.NoticeBy, o})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		if len(list) == 0 {
			return nil
		}
		ids, deadlines, offsets := make([]int64, len(list)), make([]time.Time, len(list)), make([]int32, len(list))
		for i, d := range list {
			ids[i], deadlines[i], offsets[i] = d.id, d.deadline, int32(d.offset)
		}
		// Claimed: what another run (or replica) claimed first is skipped.
		rows, err = tx.Query(ctx, `
			INSERT INTO contract_reminders (contract_id, deadline, offset_days)
			SELECT * FROM unnest($1::bigint[], $2::date[], $3::int[])
			ON CONFLICT DO NOTHING
			RETURNING contract_id, deadline, offset_days`, ids, deadlines, offsets)
		if err != nil {
			return translate(err)
		}
		claimed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (jobargs.Args, error) {
			var a jobargs.ContractReminderNotice
			var deadline time.Time
			err := r.Scan(&a.ContractID, &deadline, &a.Days)
			a.Deadline = deadline.Format(time.DateOnly)
			return a, err
		})
		if err != nil {
			return translate(err)
		}
		if len(claimed) == 0 {
			return nil
		}
		if err := s.enqueue(ctx, tx, claimed...); err != nil {
			return fmt.Errorf("enqueue contract reminders: %w", err)
		}
		n = len(claimed)
		return nil
	})
	return n, err
}

// ContractFacts is what a contract reminder tells: the contract, its
// supplier, its terms and its responsible person (when still active).
type ContractFacts struct {
	Name         string
	SupplierName string
	Terms        portal.ContractTerms
	Responsible  Recipient
	HasPerson    bool // the responsible person is active
}

// Contract reads a contract for its reminder; false when it is gone.
func (s *NotificationService) Contract(ctx context.Context, id int64) (ContractFacts, bool, error) {
	var c ContractFacts
	var ends *time.Time
	var active bool
	t := &c.Terms
	err := s.pool.QueryRow(ctx, `
		SELECT c.name, s.name, c.start_on, c.initial_months, c.notice_months, c.option_count, c.option_months, c.options_used,
		       c.renewal_months, c.ends_on, p.id, p.name, COALESCE(p.email, ''), p.active
		FROM contracts c JOIN suppliers s ON s.id = c.supplier_id JOIN people p ON p.id = c.responsible_id
		WHERE c.id = $1`, id).Scan(&c.Name, &c.SupplierName, &t.Start, &t.InitialMonths, &t.NoticeMonths, &t.OptionCount, &t.OptionMonths,
		&t.OptionsUsed, &t.RenewalMonths, &ends, &c.Responsible.PersonID, &c.Responsible.Name, &c.Responsible.Email, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	if ends != nil {
		t.EndsOn = *ends
	}
	c.HasPerson = active
	return c, err == nil, translate(err)
}
