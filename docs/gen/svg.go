package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// figure is a history drawn as a timeline: one lane per client, time
// running to the right, each operation a bar from its call to its return.
type figure struct {
	Title    string
	Subtitle string
	Ops      []history.Op
	Marks    map[int]string // operation index → note, drawn in red
	// Order, if not nil, is a linearization (or the longest partial one)
	// as indices into Ops: each operation of it gets a numbered point
	// inside its bar, and a band under the lanes shows the lock's state
	// between the points.
	Order []int
	// Culprit, if not nil, is the operation that no linearization can
	// include: the state band ends at its return.
	Culprit *int
	// Step is the least distance between two consecutive events (default
	// 18 pixels).
	Step float64
}

// Drawing constants, in pixels. Text is monospace at 12px, so a character
// is 0.6em wide.
const (
	fontSize = 12.0
	charW    = 0.6 * fontSize
	laneH    = 54.0
	barH     = 12.0
	gap      = 22.0 // between a label and the next call on its lane
	margin   = 16.0
)

const fontFamily = `ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace`

// Colours.
const (
	ink      = "#1f2328"
	faint    = "#6e7781"
	grid     = "#eaeef2"
	barFill  = "#dbe9f8"
	barLine  = "#3f72af"
	harnFill = "#eceff1"
	harnLine = "#78909c"
	redFill  = "#ffd6d6"
	redLine  = "#c62828"
	lockedC  = "#f6d8a8"
	unlockC  = "#e3f2e1"
)

func textW(s string) float64 { return float64(utf8.RuneCountInString(s)) * charW }

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// returned reports whether op has a return event.
func returned(op history.Op) bool { return op.Return != history.Never && !op.Output.Pending }

// laneNames names the lanes as history.Timeline does: "client N", or
// "harness" for a client all of whose operations the harness added.
func laneNames(h []history.Op) []string {
	n := history.Clients(h)
	names := make([]string, n)
	harness := make([]bool, n)
	seen := make([]bool, n)
	for i := range harness {
		harness[i] = true
	}
	for _, op := range h {
		seen[op.Client] = true
		harness[op.Client] = harness[op.Client] && op.Note == "harness"
	}
	for c := range names {
		names[c] = fmt.Sprintf("client %d", c)
		if seen[c] && harness[c] {
			names[c] = "harness"
		}
	}
	return names
}

// svg renders f.
func (f figure) svg() string {
	h := f.Ops
	step := f.Step
	if step == 0 {
		step = 18
	}
	names := laneNames(h)
	labelW := 0.0
	for _, n := range names {
		labelW = max(labelW, textW(n))
	}
	x0 := margin + labelW + 20

	// Event times, and their x positions: one step apart, pushed right
	// wherever a label would run into the next operation of its lane.
	var times []int64
	for _, op := range h {
		times = append(times, op.Call)
		if returned(op) {
			times = append(times, op.Return)
		}
	}
	slices.Sort(times)
	times = slices.Compact(times)
	index := map[int64]int{}
	for i, t := range times {
		index[t] = i
	}
	byCall := make([]int, len(h))
	for i := range byCall {
		byCall[i] = i
	}
	slices.SortStableFunc(byCall, func(a, b int) int { return int(h[a].Call - h[b].Call) })
	prev := map[int]int{} // lane → its last operation so far
	xs := make([]float64, len(times))
	k := 0
	for i := range times {
		if i == 0 {
			xs[i] = x0
		} else {
			xs[i] = xs[i-1] + step
		}
		for ; k < len(byCall) && index[h[byCall[k]].Call] == i; k++ {
			op := byCall[k]
			if p, ok := prev[h[op].Client]; ok {
				xs[i] = max(xs[i], xs[index[h[p].Call]]+max(f.opWidth(p), step)+gap)
			}
			prev[h[op].Client] = op
		}
	}
	xEnd := xs[len(xs)-1] + 2*step
	for i, op := range h {
		xEnd = max(xEnd, xs[index[op.Call]]+max(f.opWidth(i), step)+gap)
	}
	xEnd += 40 // room for open-ended bars
	xOf := func(t float64) float64 {
		i, _ := slices.BinarySearch(times, int64(math.Ceil(t)))
		switch {
		case i >= len(times):
			return xs[len(xs)-1] + (t-float64(times[len(times)-1]))*step
		case i == 0 || float64(times[i]) == t:
			return xs[i]
		}
		a, b := float64(times[i-1]), float64(times[i])
		return xs[i-1] + (t-a)/(b-a)*(xs[i]-xs[i-1])
	}

	top := margin
	if f.Title != "" {
		top += 22
	}
	if f.Subtitle != "" {
		top += 18
	}
	lanesTop := top + 6
	lanesBottom := lanesTop + float64(len(names))*laneH
	bandTop := lanesBottom + 6
	bottom := lanesBottom + 8
	if f.Order != nil {
		bottom = bandTop + 22 + 8
	}
	axisY := bottom + 10
	width := xEnd + margin
	width = max(width, margin*2+textW(f.Title)*15/12+24, margin*2+textW(f.Subtitle)+12, 480)
	if f.Culprit != nil {
		width = max(width, xs[index[h[*f.Culprit].Return]]+6+textW("✗ no legal next step")+margin)
	}
	xEnd = width - margin // lanes, open bars and the axis span the figure
	legend := wrap(f.legend(), " · ", int((width-2*margin)/(charW*11/12))-2)
	legendY := axisY + 24
	height := legendY + float64(len(legend)-1)*14 + 12

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family='%s' font-size="%.0f">`+"\n",
		width, height, width, height, fontFamily, fontSize)
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(strings.TrimSpace(f.Title+" "+f.Subtitle)))
	b.WriteString(`<defs>
<linearGradient id="open" x1="0" x2="1" y1="0" y2="0"><stop offset="0.6" stop-color="` + barFill + `"/><stop offset="1" stop-color="` + barFill + `" stop-opacity="0"/></linearGradient>
<linearGradient id="openred" x1="0" x2="1" y1="0" y2="0"><stop offset="0.6" stop-color="` + redFill + `"/><stop offset="1" stop-color="` + redFill + `" stop-opacity="0"/></linearGradient>
<linearGradient id="openharness" x1="0" x2="1" y1="0" y2="0"><stop offset="0.6" stop-color="` + harnFill + `"/><stop offset="1" stop-color="` + harnFill + `" stop-opacity="0"/></linearGradient>
<pattern id="either" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="` + unlockC + `"/><rect width="4" height="8" fill="` + lockedC + `"/></pattern>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="` + faint + `"/></marker>
</defs>
`)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	y := margin
	if f.Title != "" {
		y += 15
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="15" font-weight="bold" fill="%s">%s</text>`+"\n", margin, y, ink, esc(f.Title))
		y += 7
	}
	if f.Subtitle != "" {
		y += 14
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="%s">%s</text>`+"\n", margin, y, faint, esc(f.Subtitle))
	}

	// Grid: one faint line per event, so real-time order can be read off.
	for _, x := range xs {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x, lanesTop, x, bottom, grid)
	}
	for c, name := range names {
		ly := lanesTop + float64(c)*laneH
		if c > 0 {
			fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", margin, ly, xEnd, ly, grid)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" fill="%s">%s</text>`+"\n", margin, ly+laneH/2+4, faint, esc(name))
	}

	// Bars, labels, marks.
	points := f.points()
	for i, op := range h {
		c := op.Client
		ly := lanesTop + float64(c)*laneH
		by := ly + 22
		x1 := xs[index[op.Call]]
		fill, line, textC, open := barFill, barLine, ink, "url(#open)"
		if names[c] == "harness" {
			fill, line, open = harnFill, harnLine, "url(#openharness)"
		}
		mark, marked := f.Marks[i]
		if marked {
			fill, line, textC, open = redFill, redLine, redLine, "url(#openred)"
		}
		weight := ""
		if marked {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s"%s>%s</text>`+"\n", x1, by-5, textC, weight, esc(model.Describe(op.Input, op.Output)))
		if returned(op) {
			x2 := xs[index[op.Return]]
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" rx="3" fill="%s" stroke="%s" stroke-width="1.2"/>`+"\n",
				x1, by, x2-x1, barH, fill, line)
		} else {
			x2 := xEnd - 4
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`+"\n", x1, by, x2-x1, barH, open)
			fmt.Fprintf(&b, `<path d="M%.1f,%.1f H%.1f M%.1f,%.1f V%.1f M%.1f,%.1f H%.1f" fill="none" stroke="%s" stroke-width="1.2"/>`+"\n",
				x2-30, by, x1, x1, by, by+barH, x1, by+barH, x2-30, line)
			fmt.Fprintf(&b, `<path d="M%.1f,%.1f H%.1f M%.1f,%.1f H%.1f" fill="none" stroke="%s" stroke-width="1.2" stroke-dasharray="3 3"/>`+"\n",
				x2-30, by, x2, x2-30, by+barH, x2, line)
			note := "never returned"
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-style="italic" text-anchor="end">%s</text>`+"\n", x2, by+barH+13, faint, note)
		}
		if marked {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-weight="bold">%s</text>`+"\n", x1, by+barH+13, redLine, esc(mark))
		}
		if p, ok := points[i]; ok {
			px := xOf(p.t)
			dash := ""
			if !returned(op) {
				dash = ` stroke-dasharray="2 2"`
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="7.5" fill="#ffffff" stroke="%s" stroke-width="1.4"%s/>`+"\n", px, by+barH/2, ink, dash)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="%s">%d</text>`+"\n", px, by+barH/2+3.5, ink, p.n)
		}
	}

	// The lock's state between linearization points.
	if f.Order != nil {
		type seg struct {
			from, to float64
			s        model.State
		}
		var segs []seg
		x, s := x0-10, model.StateUnlocked
		for _, i := range f.Order {
			px := xOf(points[i].t)
			segs = append(segs, seg{x, px, s})
			x, s = px, model.Step(s, h[i].Input, h[i].Output)
		}
		end := xEnd
		if f.Culprit != nil {
			end = xs[index[h[*f.Culprit].Return]]
		}
		// One segment per state: a step that leaves the state as it
		// was does not split it.
		merged := segs[:0]
		for _, sg := range append(segs, seg{x, end, s}) {
			if n := len(merged); n > 0 && merged[n-1].s == sg.s {
				merged[n-1].to = sg.to
				continue
			}
			merged = append(merged, sg)
		}
		segs = merged
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" fill="%s">state</text>`+"\n", margin, bandTop+15, faint)
		for _, sg := range segs {
			fill := unlockC
			switch sg.s {
			case model.StateLocked:
				fill = lockedC
			case model.StateEither:
				fill = "url(#either)"
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="20" fill="%s" stroke="#ffffff"/>`+"\n", sg.from, bandTop, sg.to-sg.from, fill)
			label := sg.s.String()
			if textW(label)+6 > sg.to-sg.from {
				label = map[model.State]string{model.StateUnlocked: "U", model.StateLocked: "L", model.StateEither: "?"}[sg.s]
			}
			if textW(label)+2 <= sg.to-sg.from {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`+"\n", (sg.from+sg.to)/2, bandTop+14, ink, esc(label))
			}
		}
		if f.Culprit != nil {
			end := xs[index[h[*f.Culprit].Return]]
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-weight="bold">✗ no legal next step</text>`+"\n", end+6, bandTop+14, redLine)
		}
	}

	// Time axis and legend.
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" marker-end="url(#arrow)"/>`+"\n", x0, axisY, xEnd, axisY, faint)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" text-anchor="end">time</text>`+"\n", x0-8, axisY+4, faint)
	for i, l := range legend {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" fill="%s" font-size="11">%s</text>`+"\n", margin, legendY+float64(i)*14, faint, esc(l))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// opWidth is the room the label (and mark) of h[i] needs on its lane.
func (f figure) opWidth(i int) float64 {
	const step = 18.0
	op := f.Ops[i]
	w := textW(model.Describe(op.Input, op.Output))
	if m, ok := f.Marks[i]; ok {
		w = max(w, textW(m))
	}
	if !returned(op) {
		w = max(w, textW("never returned")+30)
	}
	return max(w, step)
}

func (f figure) legend() string {
	parts := []string{"bar: from call to return"}
	pending, marked := false, len(f.Marks) > 0
	for _, op := range f.Ops {
		pending = pending || !returned(op)
	}
	if pending {
		parts = append(parts, "open bar: never returned")
	}
	if marked {
		parts = append(parts, "red: "+strings.Join(uniqueMarks(f.Marks), ", "))
	}
	switch {
	case f.Order != nil && pending:
		parts = append(parts, "numbered circle: linearization point (dashed: of a pending operation)")
	case f.Order != nil:
		parts = append(parts, "numbered circle: linearization point")
	}
	if f.Order != nil {
		parts = append(parts, "band: the lock's state in that order")
	}
	return strings.Join(parts, " · ")
}

func uniqueMarks(m map[int]string) []string {
	var out []string
	for _, s := range m {
		s = strings.TrimSpace(strings.TrimPrefix(s, "◀"))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

type point struct {
	t float64 // in the history's time units
	n int     // position in the linearization, from 1
}

// points places a linearization point for each operation of f.Order
// strictly inside its interval and in the order's order: each point lies
// halfway between the previous point (or its call) and the earliest return
// among the operations from it on. A valid linearization respects real
// time, so that range is never empty.
func (f figure) points() map[int]point {
	if f.Order == nil {
		return nil
	}
	h := f.Ops
	end := func(i int) float64 {
		if !returned(h[i]) {
			return math.Inf(1)
		}
		return float64(h[i].Return)
	}
	out := map[int]point{}
	lo := math.Inf(-1)
	for k, i := range f.Order {
		lo = max(lo, float64(h[i].Call))
		hi := math.Inf(1)
		for _, j := range f.Order[k:] {
			hi = min(hi, end(j))
		}
		if math.IsInf(hi, 1) {
			hi = lo + 2
		}
		p := (lo + hi) / 2
		out[i] = point{p, k + 1}
		lo = p
	}
	return out
}

// wrap joins parts with sep into lines of at most n characters.
func wrap(text, sep string, n int) []string {
	var lines []string
	cur := ""
	for _, p := range strings.Split(text, sep) {
		switch {
		case cur == "":
			cur = p
		case utf8.RuneCountInString(cur+sep+p) <= n:
			cur += sep + p
		default:
			lines = append(lines, cur)
			cur = p
		}
	}
	return append(lines, cur)
}
