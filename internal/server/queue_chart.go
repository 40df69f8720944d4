package server

import (
	"strconv"

	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// The queue chart's geometry, in SVG user units: one row per open state,
// its cases as a bar in three parts by age, the total after it.
const (
	queueLabelW = 170
	queueBarMax = 300
	queueRowH   = 30
	queueBarH   = 18
	queueTotalW = 40
)

// queueChart draws the open cases by state and age as a server-rendered
// SVG with a text alternative; the table beside it has the numbers.
func queueChart(ages []postgres.OpenAge) pages.QueueChart {
	c := pages.QueueChart{Caption: "Öppna ärenden per status och ålder"}
	top, total := 0, 0
	for _, o := range ages {
		top = max(top, o.Total())
		total += o.Total()
	}
	y := 0
	var parts []string
	for _, o := range ages {
		row := pages.QueueChartRow{Label: o.State.Label(), LabelY: y + queueRowH/2 + 5, Total: strconv.Itoa(o.Total())}
		x := queueLabelW
		for _, seg := range []struct {
			n     int
			class string
		}{{o.Week, "chart-week"}, {o.Month, "chart-month"}, {o.Older, "chart-older"}} {
			if seg.n == 0 || top == 0 {
				continue
			}
			w := max(2, seg.n*queueBarMax/top)
			row.Segments = append(row.Segments, pages.QueueSegment{X: x, Y: y + (queueRowH-queueBarH)/2, W: w, H: queueBarH, Class: seg.class})
			x += w
		}
		row.TotalX = x + 6
		c.Rows = append(c.Rows, row)
		parts = append(parts, o.State.Label()+": "+strconv.Itoa(o.Total())+" ("+strconv.Itoa(o.Week)+" på 0–7 dagar, "+
			strconv.Itoa(o.Month)+" på 8–30 dagar, "+strconv.Itoa(o.Older)+" över 30 dagar)")
		y += queueRowH
	}
	c.Width, c.Height = queueLabelW+queueBarMax+queueTotalW, y
	c.Desc = "Liggande stapeldiagram med en stapel per status, delad efter ålder. "
	if total == 0 {
		c.Desc += "Inga öppna ärenden."
	} else {
		c.Desc += components.CountOf(total, components.Cases) + " öppna. "
		for i, p := range parts {
			if i > 0 {
				c.Desc += "; "
			}
			c.Desc += p
		}
		c.Desc += "."
	}
	return c
}
