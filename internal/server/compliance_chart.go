package server

import (
	"strconv"

	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// The history chart's geometry, in SVG user units: one row of twelve bars
// per rule, the rule's id on the left, the months' initials below.
const (
	chartLabelW = 44
	chartBarW   = 22
	chartGap    = 6
	chartRowH   = 30
	chartBarMax = 24
	chartAxisH  = 22
)

var monthNames = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}

// monthLabel is "juni 2026" for month i (0: januari).
func monthLabel(i, year int) string { return monthNames[i] + " " + strconv.Itoa(year) }

// complianceChart draws the board's history as a server-rendered SVG with
// a text alternative, and the same numbers as a table beside it: no
// JavaScript, and nothing said by the picture alone.
func complianceChart(h postgres.BoardHistory, scope string) pages.ComplianceChart {
	c := pages.ComplianceChart{Caption: "Avvikelser per regel de senaste 12 månaderna, " + scope}
	for _, m := range h.Months {
		c.Months = append(c.Months, monthLabel(int(m.Month())-1, m.Year()))
		c.Short = append(c.Short, monthNames[m.Month()-1][:3])
	}
	top, topRule, topMonth := 0, "", ""
	recordedAny := false
	for _, r := range h.Rules {
		if r.Hidden || r.Counts == nil {
			continue
		}
		for i, n := range r.Counts {
			if n >= 0 {
				recordedAny = true
			}
			if n > top {
				top, topRule, topMonth = n, r.ID, c.Months[i]
			}
		}
	}
	if !recordedAny {
		return c // nothing recorded yet: the page says so
	}
	c.Recorded = true
	y := 0
	for _, r := range h.Rules {
		if r.Hidden || r.Counts == nil {
			continue
		}
		row := pages.ChartRow{Rule: r.ID, LabelY: y + chartRowH/2 + 5}
		for i, n := range r.Counts {
			cell := "–"
			if n >= 0 {
				cell = strconv.Itoa(n)
			}
			row.Cells = append(row.Cells, cell)
			if n < 0 {
				continue
			}
			hgt := 1 // a thin line: recorded, none
			if n > 0 && top > 0 {
				hgt = max(3, n*chartBarMax/top)
			}
			row.Bars = append(row.Bars, pages.ChartBar{X: chartLabelW + i*(chartBarW+chartGap), Y: y + chartRowH - 3 - hgt, W: chartBarW, H: hgt, Zero: n == 0})
		}
		c.Rows = append(c.Rows, row)
		y += chartRowH
	}
	for i := range c.Short {
		c.Axis = append(c.Axis, pages.ChartTick{X: chartLabelW + i*(chartBarW+chartGap) + chartBarW/2, Y: y + 16, Text: c.Short[i]})
	}
	c.Width, c.Height = chartLabelW+len(h.Months)*(chartBarW+chartGap), y+chartAxisH
	c.Desc = "Stapeldiagram med en rad för varje regel och en stapel för varje månad från " + c.Months[0] + " till " + c.Months[len(c.Months)-1] + ". "
	if top == 0 {
		c.Desc += "Inga avvikelser under perioden."
	} else {
		c.Desc += "Flest avvikelser: " + topRule + " med " + components.CountOf(top, components.Breaches) + " i " + topMonth + "."
	}
	c.Desc += " Siffrorna finns i tabellen under diagrammet."
	return c
}
