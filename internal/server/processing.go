package server

import "strconv"

// Processing records (personuppgiftsbiträden, PUB): the section of a
// system's page, its form, the register of processing activities and the
// supplier's processing. Everyone signed in reads; the service decides
// who edits, who proposes and who sees the confidential details.

// processingHref is a system's processing page.
func processingHref(systemID int64) string {
	return "/system/" + strconv.FormatInt(systemID, 10) + "/personuppgifter"
}
