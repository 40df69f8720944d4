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
