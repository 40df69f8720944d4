package portal

import "slices"

// Role is a role beyond "employee" (medarbetare), which everyone signed in has.
type Role string

// The roles the identity provider's groups can give.
const (
	RoleITUnit       Role = "it_unit"        // IT-enheten
	RoleITHead       Role = "it_head"        // chef för IT-enheten
	RoleITHeadDeputy Role = "it_head_deputy" // the IT head's ersättare
	RoleAdmin        Role = "admin"          // administratör
)

// AllRoles lists the roles in display order.
var AllRoles = []Role{RoleITUnit, RoleITHead, RoleITHeadDeputy, RoleAdmin}

// Label is the role's Swedish name.
func (r Role) Label() string {
	switch r {
	case RoleITUnit:
		return "IT-enheten"
	case RoleITHead:
		return "Chef för IT-enheten"
	case RoleITHeadDeputy:
		return "Ersättare för chefen för IT-enheten"
	case RoleAdmin:
		return "Administratör"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Actor is who is acting: a signed-in person with their roles, loaded from
// the database on every request (never cached across requests).
type Actor struct {
	PersonID       int64
	Name           string
	Email          string
	DepartmentID   int64 // 0 when unknown
	DepartmentName string
	Roles          []Role
	// StandsIn is set when a stand-in period of the person's covers today
	// (StandsInForITHead): read with the actor for what the pages offer; a
	// decision reads the period anew in its own transaction.
	StandsIn bool
	// Token is set when an API token acts (PersonID is then 0): it may
	// only read what its scopes name.
	Token *TokenGrant
}

// Has reports whether the actor holds role.
func (a *Actor) Has(role Role) bool { return a != nil && slices.Contains(a.Roles, role) }

// HasAny reports whether the actor holds one of roles.
func (a *Actor) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// CanAdminister reports whether the actor may manage people, departments
// and sessions.
func CanAdminister(a *Actor) bool { return a.Has(RoleAdmin) }

// SeesEveryDepartment reports whether the actor sees every department's
// breaches on the compliance board (and it on the start page): IT-enheten,
// the IT head and deputy, administrators. Others see their own department.
func SeesEveryDepartment(a *Actor) bool {
	return a.HasAny(RoleITUnit, RoleITHead, RoleITHeadDeputy, RoleAdmin)
}

// FollowsUpStaff reports whether the actor follows up everyone's
// acknowledgements and reads anyone's receipts: IT-enheten, the IT head
// and administrators. Managers follow up their own staff.
func FollowsUpStaff(a *Actor) bool { return CanAdminister(a) || a.HasAny(RoleITUnit, RoleITHead) }
