package server

import (
	"strconv"

	"itportal/web/pages"
)

// The share chart's geometry, in SVG user units: a label, a track of
// 100 % with the share on it, the share and its numbers after it.
const (
	shareLabelW = 250 // "Barn- och utbildningsförvaltningen" at 12 px
	shareBarMax = 260
	shareRowH   = 28
	shareBarH   = 16
	shareValueW = 110
	shareHeadH  = 26
)

// shareItem is one bar of a share chart: part of whole, under group
// (when the chart has groups).
type shareItem struct {
	Group, Label string
	Part, Whole  int
}

// percent is part of whole in whole percent, rounded down (100 when
// whole is 0: nothing is missing).
func percent(part, whole int) int {
	if whole <= 0 {
		return 100
	}
	return part * 100 / whole
}

// shareChart draws items as a server-rendered SVG bar chart with a text
// alternative saying every number; what is the description's sentence
// per bar ("2 av 3 i tid").
func shareChart(id, caption, kind, of string, items []shareItem) pages.ShareChart {
	c := pages.ShareChart{ID: id, Caption: caption}
	c.Desc = kind + " "
	if len(items) == 0 {
		c.Desc += "Inget att visa."
	}
	y, group := 0, ""
	for i, it := range items {
		if it.Group != "" && (i == 0 || it.Group != group) {
			group = it.Group
			c.Headings = append(c.Headings, pages.ShareChartHeading{Text: it.Group, Y: y + shareHeadH - 8})
			y += shareHeadH
			c.Desc += it.Group + ": "
		}
		p := percent(it.Part, it.Whole)
		value := strconv.Itoa(p) + " % (" + strconv.Itoa(it.Part) + " av " + strconv.Itoa(it.Whole) + ")"
		c.Rows = append(c.Rows, pages.ShareChartRow{Label: it.Label, LabelY: y + shareRowH/2 + 5,
			X: shareLabelW, Y: y + (shareRowH-shareBarH)/2, W: p * shareBarMax / 100, H: shareBarH, TrackW: shareBarMax,
			Value: value, ValueX: shareLabelW + shareBarMax + 6})
		c.Desc += it.Label + " " + strconv.Itoa(p) + " procent, " + strconv.Itoa(it.Part) + " av " + strconv.Itoa(it.Whole) + " " + of
		if i+1 < len(items) && items[i+1].Group != it.Group {
			c.Desc += ". "
		} else if i+1 < len(items) {
			c.Desc += "; "
		} else {
			c.Desc += "."
		}
		y += shareRowH
	}
	c.Width, c.Height = shareLabelW+shareBarMax+shareValueW, max(y, shareRowH)
	return c
}
