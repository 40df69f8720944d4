package portal

import "time"

// Person is someone the portal knows: staff who sign in, and people imported
// or registered before they ever do.
type Person struct {
	ID              int64
	Name            string
	Email           string
	EmployeeNumber  string
	DepartmentID    int64
	DepartmentName  string
	Active          bool
	IdentityIssuer  string
	IdentitySubject string
	LastSignInAt    *time.Time
	MergedInto      int64
	Roles           []Role
}

// Linked reports whether the person has signed in (has an identity).
func (p Person) Linked() bool { return p.IdentitySubject != "" }
