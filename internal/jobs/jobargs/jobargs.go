// Package jobargs holds the arguments of background jobs, so services can
// enqueue them inside their transactions without depending on the workers.
package jobargs

// Args is a job's arguments (River's JobArgs).
type Args interface{ Kind() string }

// Notify asks for people to be told about a change (R3, §4.4.1, §12).
type Notify struct {
	Topic      string `json:"topic"` // e.g. "system.role_changed"
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	// Audience names who is told: "it_unit", "it_head", "it_head_deputy",
	// "requester"; empty means IT-enheten.
	Audience []string `json:"audience,omitempty"`
	// PersonID, when set, is the one person to tell.
	PersonID int64 `json:"person_id,omitempty"`
	// Assignments are the role periods (role_assignments ids) a role change
	// notification is about; the worker records the outcome for each (R3).
	Assignments []int64 `json:"assignment_ids,omitempty"`
}

// Kind names the job kind in River's table.
func (Notify) Kind() string { return "notify" }

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
