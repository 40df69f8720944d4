// Package jobargs holds the arguments of background jobs, so services can
// enqueue them inside their transactions without depending on the workers.
package jobargs

import "strconv"

// Args is a job's arguments (River's JobArgs).
type Args interface{ Kind() string }

// LegacyNotify is the one notification job of earlier versions (kind
// "notify", a topic string and one worker that switched on it). Nothing
// enqueues it any more; jobs of it still queued at an upgrade (or enqueued
// by a replica of the old version during a rolling upgrade) are worked by
// turning them into the notice of their kind (Upgrade) under the same job
// id, so the mails a batch already sent (mail_log) are not sent again.
type LegacyNotify struct {
	Topic       string   `json:"topic"` // e.g. "system.role_changed"
	ObjectType  string   `json:"object_type"`
	ObjectID    string   `json:"object_id"`
	Audience    []string `json:"audience,omitempty"`
	PersonID    int64    `json:"person_id,omitempty"`
	PersonIDs   []int64  `json:"person_ids,omitempty"`
	Assignments []int64  `json:"assignment_ids,omitempty"`
}

// Kind names the old job kind in River's table.
func (LegacyNotify) Kind() string { return "notify" }

// people are the people the old job told by id (PersonIDs, or PersonID).
func (n LegacyNotify) people() []int64 {
	if len(n.PersonIDs) > 0 {
		return n.PersonIDs
	}
	if n.PersonID != 0 {
		return []int64{n.PersonID}
	}
	return nil
}

// legacySteps are the old topics of the steps of a case (the flow's
// Swedish action codes among them).
var legacySteps = map[string]string{
	"request.submitted": StepSubmitted, "request.handlagg": StepTakenUp, "request.begar": StepCompletionRequested,
	"request.komplettera": StepCompletionAnswered, "request.aterkalla": StepWithdrawn, "request.decided": StepDecided,
	"request.commented": StepCommented,
}

// Upgrade returns the notice the old job stands for, or false for a topic
// that never composed anything (it is completed as it would have been).
func (n LegacyNotify) Upgrade() (Notice, bool) {
	id, _ := strconv.ParseInt(n.ObjectID, 10, 64)
	switch n.Topic {
	case "system.role_changed":
		return RoleChangeNotice{SystemID: id, Assignments: n.Assignments}, true
	case "register.imported":
		count, _ := strconv.Atoi(n.ObjectID)
		return RoleChangeNotice{Imported: count, Assignments: n.Assignments}, true
	case "system.evaluation_due", "system.evaluation_overdue":
		return EvaluationNotice{SystemID: id, PersonID: n.PersonID, Overdue: n.Topic == "system.evaluation_overdue"}, true
	case "document.acknowledge":
		return AcknowledgeNotice{VersionID: id, PersonIDs: n.people()}, true
	case "document.reminder":
		return AckReminderNotice{PersonIDs: n.people()}, true
	case "document.manager_digest":
		return ManagerDigestNotice{ManagerID: n.PersonID}, true
	case "audit.anchor":
		return AuditAnchorNotice{AnchorID: id}, true
	}
	if step, ok := legacySteps[n.Topic]; ok {
		return CaseStepNotice{RequestID: id, Step: step, Audience: n.Audience}, true
	}
	return nil, false
}

// NotifyBatch is the most people one notification job tells. A message
// for a large audience (a new version of the IT security rules for every
// employee) is sent as jobs of this many: 10,000 mails are 200 jobs, not
// 10,000, which is most of what a mail costs the database.
const NotifyBatch = 50

// packable is a notice whose message is the same for everyone told, so
// the notices of many people can be one job (a digest, whose text is the
// person's own, is not one).
type packable interface {
	Args
	batchKey() string
	people() []int64
	withPeople([]int64) Args
}

func (n AcknowledgeNotice) batchKey() string {
	return n.Kind() + "\x00" + strconv.FormatInt(n.VersionID, 10)
}
func (n AcknowledgeNotice) people() []int64             { return n.PersonIDs }
func (n AcknowledgeNotice) withPeople(ids []int64) Args { n.PersonIDs = ids; return n }
func (n AckReminderNotice) batchKey() string            { return n.Kind() }
func (n AckReminderNotice) people() []int64             { return n.PersonIDs }
func (n AckReminderNotice) withPeople(ids []int64) Args { n.PersonIDs = ids; return n }

// Pack merges the notices with the same message into jobs of up to
// NotifyBatch people, in the order given; other jobs pass unchanged.
func Pack(args []Args) []Args {
	out := make([]Args, 0, len(args))
	filling := map[string]int{} // the batch being filled per message, by index in out
	for _, a := range args {
		p, ok := a.(packable)
		if !ok || len(p.people()) == 0 {
			out = append(out, a)
			continue
		}
		for _, id := range p.people() {
			key := p.batchKey()
			i, ok := filling[key]
			if !ok {
				filling[key] = len(out)
				out = append(out, p.withPeople([]int64{id}))
				continue
			}
			b := out[i].(packable)
			ids := append(b.people(), id)
			out[i] = b.withPeople(ids)
			if len(ids) == NotifyBatch {
				delete(filling, key)
			}
		}
	}
	return out
}

// PurgeSessions removes expired sessions.
type PurgeSessions struct{}

// Kind names the job kind.
func (PurgeSessions) Kind() string { return "purge_sessions" }

// DeactivateEnded deactivates people whose employment has ended.
type DeactivateEnded struct{}

// Kind names the job kind.
func (DeactivateEnded) Kind() string { return "deactivate_ended" }

// AckReminders reminds people with outstanding acknowledgements.
type AckReminders struct{}

// Kind names the job kind.
func (AckReminders) Kind() string { return "ack_reminders" }

// AuditNightly anchors the audit chain's head and verifies the chain (R14).
type AuditNightly struct{}

// Kind names the job kind.
func (AuditNightly) Kind() string { return "audit_nightly" }

// RiverReindex rebuilds River's own indexes (bloated by the churn of jobs)
// as the role that owns them; it replaces River's built-in reindexer,
// which runs as the runtime role and so can only fail.
type RiverReindex struct{}

// Kind names the job kind.
func (RiverReindex) Kind() string { return "river_reindex" }
