package server_test

import (
	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

// The tests' personas and portal harness.
var (
	employee  = portaltest.Employee
	itUnit    = portaltest.ITUnit
	itHead    = portaltest.ITHead
	admin     = portaltest.Admin
	noGroups  = portaltest.NoGroups
	itoa      = portaltest.Itoa
	newPortal = portaltest.Start
)

type testkitBrowser = testkit.Browser
