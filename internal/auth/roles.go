package auth

import "itportal/internal/portal"

// RolesFor maps the identity provider's groups to portal roles. A token
// without groups (or with unknown ones) gives no extra role: least privilege.
func RolesFor(groups []string, roleGroups map[string][]string) []portal.Role {
	var out []portal.Role
	for _, role := range portal.AllRoles {
		for _, want := range roleGroups[string(role)] {
			for _, g := range groups {
				if g == want {
					out = append(out, role)
				}
			}
		}
	}
	return out
}

// RolesOf is every role the person's groups (ITPORTAL_ROLE_GROUPS) and
// app roles (ITPORTAL_ROLE_APP_ROLES) give, each once, in the portal's
// order of roles.
func RolesOf(id Identity, roleGroups, appRoles map[string][]string) []portal.Role {
	have := map[portal.Role]bool{}
	for _, r := range RolesFor(id.Groups, roleGroups) {
		have[r] = true
	}
	for _, r := range RolesFor(id.AppRoles, appRoles) {
		have[r] = true
	}
	var out []portal.Role
	for _, role := range portal.AllRoles {
		if have[role] {
			out = append(out, role)
		}
	}
	return out
}
