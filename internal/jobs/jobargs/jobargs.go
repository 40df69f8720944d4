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
	// PersonIDs, when set, are the people to tell, each their own mail:
	// one job for many people with the same message (see Pack).
	PersonIDs []int64 `json:"person_ids,omitempty"`
	// Assignments are the role periods (role_assignments ids) a role change
	// notification is about; the worker records the outcome for each (R3).
	Assignments []int64 `json:"assignment_ids,omitempty"`
}

// Kind names the job kind in River's table.
func (Notify) Kind() string { return "notify" }

// People are the people the job tells by id (PersonIDs, or PersonID).
func (n Notify) People() []int64 {
	if len(n.PersonIDs) > 0 {
		return n.PersonIDs
	}
	if n.PersonID != 0 {
		return []int64{n.PersonID}
	}
	return nil
}

// NotifyBatch is the most people one notification job tells. A message
// for a large audience (a new version of the IT security rules for every
// employee) is sent as jobs of this many: 10,000 mails are 200 jobs, not
// 10,000, which is most of what a mail costs the database.
const NotifyBatch = 50

// batchTopics are the topics whose message is the same for everyone told
// (a digest, whose text is the person's own, is not one of them).
var batchTopics = map[string]bool{"document.acknowledge": true, "document.reminder": true}

// batchKey is what the jobs that can be sent together share, and whether
// n is one person's message that can be sent with others'. A reminder's
// object is the person, who is in PersonIDs.
func (n Notify) batchKey() (string, bool) {
	if !batchTopics[n.Topic] || n.PersonID == 0 || len(n.PersonIDs) > 0 || len(n.Audience) > 0 || len(n.Assignments) > 0 {
		return "", false
	}
	id := n.ObjectID
	if n.ObjectType == "person" {
		id = ""
	}
	return n.Topic + "\x00" + n.ObjectType + "\x00" + id, true
}

// Pack merges one-person notifications with the same message into jobs of
// up to NotifyBatch people, in the order given; other jobs pass unchanged.
func Pack(args []Args) []Args {
	out := make([]Args, 0, len(args))
	filling := map[string]int{} // the batch being filled per message, by index in out
	for _, a := range args {
		n, ok := a.(Notify)
		key, batchable := n.batchKey()
		if !ok || !batchable {
			out = append(out, a)
			continue
		}
		if i, ok := filling[key]; ok {
			b := out[i].(Notify)
			b.PersonIDs = append(b.PersonIDs, n.PersonID)
			out[i] = b
			if len(b.PersonIDs) == NotifyBatch {
				delete(filling, key)
			}
			continue
		}
		filling[key] = len(out)
		b := Notify{Topic: n.Topic, ObjectType: n.ObjectType, ObjectID: n.ObjectID, PersonIDs: []int64{n.PersonID}}
		if n.ObjectType == "person" {
			b.ObjectID = ""
		}
		out = append(out, b)
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
