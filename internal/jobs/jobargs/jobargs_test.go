package jobargs

import (
	"reflect"
	"testing"
)

// TestPack: one-person messages that are the same for everyone are packed
// into jobs of at most NotifyBatch people, per message and in order; every
// other job is left as it was.
func TestPack(t *testing.T) {
	ack := func(version int64, person int64) Args {
		return AcknowledgeNotice{VersionID: version, PersonIDs: []int64{person}}
	}
	remind := func(person int64) Args {
		return AckReminderNotice{PersonIDs: []int64{person}}
	}
	role := RoleChangeNotice{SystemID: 7, Assignments: []int64{1}}
	digest := ManagerDigestNotice{ManagerID: 3}
	var in []Args
	for p := range int64(NotifyBatch + 2) {
		in = append(in, ack(1, p+1))
		if p == 1 {
			in = append(in, role, ack(2, 100), remind(5), digest, remind(6), PurgeSessions{})
		}
	}
	first := make([]int64, NotifyBatch)
	for i := range first {
		first[i] = int64(i + 1)
	}
	want := []Args{
		AcknowledgeNotice{VersionID: 1, PersonIDs: first},
		role,
		AcknowledgeNotice{VersionID: 2, PersonIDs: []int64{100}},
		AckReminderNotice{PersonIDs: []int64{5, 6}},
		digest,
		PurgeSessions{},
		AcknowledgeNotice{VersionID: 1, PersonIDs: []int64{NotifyBatch + 1, NotifyBatch + 2}},
	}
	if got := Pack(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Pack:\n got %v\nwant %v", got, want)
	}
	if got := Pack(nil); len(got) != 0 {
		t.Errorf("Pack(nil) = %v", got)
	}
}

// TestLegacyNotifyUpgrade: every topic the old "notify" job had becomes
// the notice of its kind, with the same people, objects and role periods.
func TestLegacyNotifyUpgrade(t *testing.T) {
	cases := []struct {
		old  LegacyNotify
		want Notice
	}{
		{LegacyNotify{Topic: "system.role_changed", ObjectType: "system", ObjectID: "7", Assignments: []int64{3}}, RoleChangeNotice{SystemID: 7, Assignments: []int64{3}}},
		{LegacyNotify{Topic: "register.imported", ObjectType: "register", ObjectID: "12", Assignments: []int64{4, 5}}, RoleChangeNotice{Imported: 12, Assignments: []int64{4, 5}}},
		{LegacyNotify{Topic: "request.handlagg", ObjectType: "request", ObjectID: "9", Audience: []string{"requester"}}, CaseStepNotice{RequestID: 9, Step: StepTakenUp, Audience: []string{"requester"}}},
		{LegacyNotify{Topic: "request.commented", ObjectType: "request", ObjectID: "9", Audience: []string{"it_unit"}}, CaseStepNotice{RequestID: 9, Step: StepCommented, Audience: []string{"it_unit"}}},
		{LegacyNotify{Topic: "request.decided", ObjectType: "request", ObjectID: "9", Audience: []string{"requester"}}, CaseStepNotice{RequestID: 9, Step: StepDecided, Audience: []string{"requester"}}},
		{LegacyNotify{Topic: "document.acknowledge", ObjectType: "document_version", ObjectID: "2", PersonIDs: []int64{1, 2}}, AcknowledgeNotice{VersionID: 2, PersonIDs: []int64{1, 2}}},
		{LegacyNotify{Topic: "document.acknowledge", ObjectType: "document_version", ObjectID: "2", PersonID: 5}, AcknowledgeNotice{VersionID: 2, PersonIDs: []int64{5}}},
		{LegacyNotify{Topic: "document.reminder", ObjectType: "person", PersonIDs: []int64{5, 6}}, AckReminderNotice{PersonIDs: []int64{5, 6}}},
		{LegacyNotify{Topic: "document.manager_digest", ObjectType: "person", ObjectID: "3", PersonID: 3}, ManagerDigestNotice{ManagerID: 3}},
		{LegacyNotify{Topic: "system.evaluation_overdue", ObjectType: "system", ObjectID: "7", PersonID: 4}, EvaluationNotice{SystemID: 7, PersonID: 4, Overdue: true}},
		{LegacyNotify{Topic: "system.evaluation_due", ObjectType: "system", ObjectID: "7", PersonID: 4}, EvaluationNotice{SystemID: 7, PersonID: 4}},
		{LegacyNotify{Topic: "audit.anchor", ObjectType: "audit_anchor", ObjectID: "11"}, AuditAnchorNotice{AnchorID: 11}},
	}
	for _, c := range cases {
		got, ok := c.old.Upgrade()
		if !ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: got %+v (%v), want %+v", c.old, got, ok, c.want)
		}
	}
	if got, ok := (LegacyNotify{Topic: "test"}).Upgrade(); ok {
		t.Errorf("an unknown topic became %+v", got)
	}
}
