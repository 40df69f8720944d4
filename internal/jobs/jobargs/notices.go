package jobargs

// The notification jobs: one kind per kind of notice, each with its own
// worker (internal/jobs) and its own composition (internal/notify). All of
// them go to the notification queue; Priority orders them there (River's
// 1 is first): what someone waits for (a role change, a submitted or
// decided case) goes ahead of comments, and comments ahead of the large
// batches (a new version for every employee, reminders).

// Notice is the arguments of a notification job.
type Notice interface {
	Args
	// Priority is the job's River priority, 1 (first) to 4.
	Priority() int
}

// The priorities of notification jobs.
const (
	PriorityUrgent  = 1 // role changes (R3), submissions, decisions, the audit anchor
	PriorityCase    = 2 // the other steps of a case, evaluation reminders
	PriorityComment = 3 // comments on a case (coalesced, rate-limited per person)
	PriorityBulk    = 4 // large audiences: versions to acknowledge, reminders, digests
)

// RoleChangeNotice tells IT-enheten and the administrators that a system's
// roles changed (R3), or, with Imported set, that an import changed that
// many systems of the register. The worker records the outcome for each
// role period in Assignments (role_change_notices).
type RoleChangeNotice struct {
	SystemID int64 `json:"system_id,omitempty"`
	Imported int   `json:"imported,omitempty"`
	// Assignments are the role periods (role_assignments ids) told about;
	// the key is the one the compliance board's R3 check looks for.
	Assignments []int64 `json:"assignment_ids,omitempty"`
}

// Kind names the job kind in River's table.
func (RoleChangeNotice) Kind() string { return "notify_role_change" }

// Priority puts role changes first.
func (RoleChangeNotice) Priority() int { return PriorityUrgent }

// Topic names what the notice is about.
func (n RoleChangeNotice) Topic() string {
	if n.SystemID == 0 {
		return "register.imported"
	}
	return "system.role_changed"
}

// The steps of a case that are told (CaseStepNotice.Step).
const (
	StepSubmitted           = "submitted"
	StepTakenUp             = "taken_up"
	StepCompletionRequested = "completion_requested"
	StepCompletionAnswered  = "completion_answered"
	StepWithdrawn           = "withdrawn"
	StepDecided             = "decided"
	StepCommented           = "commented"
)

// StepOfAction is the step for one of portal.RequestAction's codes (the
// flow's actions other than a decision), or "changed".
func StepOfAction(action string) string {
	switch action {
	case "skicka":
		return StepSubmitted
	case "handlagg":
		return StepTakenUp
	case "begar":
		return StepCompletionRequested
	case "komplettera":
		return StepCompletionAnswered
	case "aterkalla":
		return StepWithdrawn
	}
	return "changed"
}

// AudienceAffectedSystems is the audience of a supplier incident case:
// the administrators and owners of the systems it records.
const AudienceAffectedSystems = "affected_systems"

// CaseStepNotice tells the parties of a case about a step: the requester,
// IT-enheten, the IT head or the deputy, as Audience says ("requester",
// "it_unit", "it_head", "it_head_deputy"). Comments (StepCommented) are
// coalesced per case and audience: one job waits while comments come in
// and tells each recipient of all of them in one mail.
type CaseStepNotice struct {
	RequestID int64    `json:"request_id"`
	Step      string   `json:"step"`
	Audience  []string `json:"audience,omitempty"`
}

// Kind names the job kind in River's table.
func (CaseStepNotice) Kind() string { return "notify_case_step" }

// Priority puts submissions and decisions first and comments after the
// other steps.
func (n CaseStepNotice) Priority() int {
	switch n.Step {
	case StepSubmitted, StepDecided:
		return PriorityUrgent
	case StepCommented:
		return PriorityComment
	}
	return PriorityCase
}

// Coalesced reports whether notices like this one are kept to one waiting
// job per case and audience (River's unique jobs by args).
func (n CaseStepNotice) Coalesced() bool { return n.Step == StepCommented }

// AcknowledgeNotice asks people to read and acknowledge a new version of a
// governing document. Services enqueue one per person; Pack makes jobs of
// up to NotifyBatch people.
type AcknowledgeNotice struct {
	VersionID int64   `json:"version_id"`
	PersonIDs []int64 `json:"person_ids"`
}

// Kind names the job kind in River's table.
func (AcknowledgeNotice) Kind() string { return "notify_acknowledge" }

// Priority puts the large batches last.
func (AcknowledgeNotice) Priority() int { return PriorityBulk }

// AckReminderNotice reminds people of the documents they have yet to
// acknowledge (packed like AcknowledgeNotice).
type AckReminderNotice struct {
	PersonIDs []int64 `json:"person_ids"`
}

// Kind names the job kind in River's table.
func (AckReminderNotice) Kind() string { return "notify_ack_reminder" }

// Priority puts the large batches last.
func (AckReminderNotice) Priority() int { return PriorityBulk }

// ManagerDigestNotice is a manager's weekly digest of their staff's
// outstanding acknowledgements (each digest is the manager's own).
type ManagerDigestNotice struct {
	ManagerID int64 `json:"manager_id"`
}

// Kind names the job kind in River's table.
func (ManagerDigestNotice) Kind() string { return "notify_manager_digest" }

// Priority puts the digests with the large batches.
func (ManagerDigestNotice) Priority() int { return PriorityBulk }

// EvaluationNotice tells a system's administrator that its evaluation is
// due within 30 days, or, with Overdue, that it is late (R12).
type EvaluationNotice struct {
	SystemID int64 `json:"system_id"`
	PersonID int64 `json:"person_id"`
	Overdue  bool  `json:"overdue,omitempty"`
}

// Kind names the job kind in River's table.
func (EvaluationNotice) Kind() string { return "notify_evaluation" }

// Priority puts evaluation reminders with the steps of cases.
func (EvaluationNotice) Priority() int { return PriorityCase }

// ContractReminderNotice reminds a contract's responsible person and
// IT-enheten of its deadline (Deadline, YYYY-MM-DD) Days days ahead (0: on
// the day). The deadline is checked again when the mail is composed: a
// contract terminated or changed since tells nothing.
type ContractReminderNotice struct {
	ContractID int64  `json:"contract_id"`
	Deadline   string `json:"deadline"`
	Days       int    `json:"days"`
}

// Kind names the job kind in River's table.
func (ContractReminderNotice) Kind() string { return "notify_contract_reminder" }

// Priority puts contract reminders with the steps of cases.
func (ContractReminderNotice) Priority() int { return PriorityCase }

// AuditAnchorNotice mails the audit chain's head (an audit_anchors row) to
// ITPORTAL_AUDIT_ANCHOR_MAIL (R14).
type AuditAnchorNotice struct {
	AnchorID int64 `json:"anchor_id"`
}

// Kind names the job kind in River's table.
func (AuditAnchorNotice) Kind() string { return "notify_audit_anchor" }

// Priority puts the nightly anchor first: it is one mail.
func (AuditAnchorNotice) Priority() int { return PriorityUrgent }

// NoticeKinds are the kinds of the notification jobs, the old "notify"
// included (LegacyNotify), for the queries that count them.
func NoticeKinds() []string {
	return []string{LegacyNotify{}.Kind(), RoleChangeNotice{}.Kind(), CaseStepNotice{}.Kind(), AcknowledgeNotice{}.Kind(),
		AckReminderNotice{}.Kind(), ManagerDigestNotice{}.Kind(), EvaluationNotice{}.Kind(), AuditAnchorNotice{}.Kind(),
		ContractReminderNotice{}.Kind()}
}
