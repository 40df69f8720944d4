package jobargs

import (
	"reflect"
	"testing"
)

// TestPack: one-person messages that are the same for everyone are packed
// into jobs of at most NotifyBatch people, per message and in order; every
// other job is left as it was.
func TestPack(t *testing.T) {
	ack := func(version string, person int64) Args {
		return Notify{Topic: "document.acknowledge", ObjectType: "document_version", ObjectID: version, PersonID: person}
	}
	remind := func(person int64) Args {
		return Notify{Topic: "document.reminder", ObjectType: "person", ObjectID: "x", PersonID: person}
	}
	role := Notify{Topic: "system.role_changed", ObjectType: "system", ObjectID: "7", Assignments: []int64{1}}
	digest := Notify{Topic: "document.manager_digest", ObjectType: "person", ObjectID: "3", PersonID: 3}
	var in []Args
	for p := range int64(NotifyBatch + 2) {
		in = append(in, ack("1", p+1))
		if p == 1 {
			in = append(in, role, ack("2", 100), remind(5), digest, remind(6), PurgeSessions{})
		}
	}
	first := make([]int64, NotifyBatch)
	for i := range first {
		first[i] = int64(i + 1)
	}
	want := []Args{
		Notify{Topic: "document.acknowledge", ObjectType: "document_version", ObjectID: "1", PersonIDs: first},
		role,
		Notify{Topic: "document.acknowledge", ObjectType: "document_version", ObjectID: "2", PersonIDs: []int64{100}},
		Notify{Topic: "document.reminder", ObjectType: "person", PersonIDs: []int64{5, 6}},
		digest,
		PurgeSessions{},
		Notify{Topic: "document.acknowledge", ObjectType: "document_version", ObjectID: "1", PersonIDs: []int64{NotifyBatch + 1, NotifyBatch + 2}},
	}
	if got := Pack(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Pack:\n got %v\nwant %v", got, want)
	}
	if got := Pack(nil); len(got) != 0 {
		t.Errorf("Pack(nil) = %v", got)
	}
}
