package main

import (
	"fmt"
	"strings"

	"github.com/lockcheck/lockcheck/model"
)

// edges derives the state machine's transitions from model.Step: for each
// operation and result, the single state it is legal in and the state it
// leads to. Labels are grouped by (from, to).
func edges() map[[2]model.State][]string {
	out := map[[2]model.State][]string{}
	for _, from := range []model.State{model.StateUnlocked, model.StateLocked} {
		for _, k := range model.Kinds {
			for _, ok := range []bool{true, false} {
				in, res := model.Input{Kind: k}, model.Output{OK: ok}
				to := model.Step(from, in, res)
				if to == 0 {
					continue
				}
				out[[2]model.State{from, to}] = append(out[[2]model.State{from, to}], edgeLabel(in, res))
			}
		}
	}
	return out
}

func edgeLabel(in model.Input, out model.Output) string {
	s := model.Describe(in, out)
	s = strings.Replace(s, "acquire_timeout(0s)", "acquire_timeout(t)", 1)
	return strings.Replace(s, "acquire_context()", "acquire_context(ctx)", 1)
}

// stateMachine draws the two-state machine of model.Step as SVG.
func stateMachine() string {
	U, L := model.StateUnlocked, model.StateLocked
	e := edges()
	const (
		w, h   = 820.0, 400.0
		ux, lx = 270.0, 650.0
		cy     = 190.0
		rx, ry = 64.0, 30.0
		line   = 16.0
	)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family='%s' font-size="%.0f">`+"\n",
		w, h, w, h, fontFamily, fontSize)
	b.WriteString("<title>The lock's state machine</title>\n")
	b.WriteString(`<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="` + ink + `"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")
	labels := func(lines []string, x, y float64, anchor string) {
		for i, s := range lines {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s">%s</text>`+"\n", x, y+float64(i)*line, anchor, ink, esc(s))
		}
	}
	path := func(d string) {
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5" marker-end="url(#head)"/>`+"\n", d, ink)
	}

	// States.
	for _, s := range []struct {
		x    float64
		name string
		fill string
	}{{ux, "unlocked", unlockC}, {lx, "locked", lockedC}} {
		fmt.Fprintf(&b, `<ellipse cx="%.0f" cy="%.0f" rx="%.0f" ry="%.0f" fill="%s" stroke="%s" stroke-width="1.5"/>`+"\n", s.x, cy, rx, ry, s.fill, ink)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" font-size="14" font-weight="bold" fill="%s">%s</text>`+"\n", s.x, cy+5, ink, s.name)
	}
	// Start.
	fmt.Fprintf(&b, `<circle cx="%.0f" cy="%.0f" r="5" fill="%s"/>`+"\n", ux-150, cy, ink)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" fill="%s">new lock</text>`+"\n", ux-150, cy-12, faint)
	path(fmt.Sprintf("M%.0f,%.0f H%.0f", ux-145, cy, ux-rx-1))

	// unlocked → locked, above.
	up := e[[2]model.State{U, L}]
	path(fmt.Sprintf("M%.0f,%.0f Q%.0f,%.0f %.0f,%.0f", ux+44, cy-22, (ux+lx)/2, cy-110, lx-44, cy-22))
	labels(up, (ux+lx)/2, cy-76-float64(len(up))*line, "middle")
	// locked → unlocked, below.
	down := e[[2]model.State{L, U}]
	path(fmt.Sprintf("M%.0f,%.0f Q%.0f,%.0f %.0f,%.0f", lx-44, cy+22, (ux+lx)/2, cy+90, ux+44, cy+22))
	labels(down, (ux+lx)/2, cy+72, "middle")
	// Self-loops, below each state.
	for _, s := range []struct {
		x     float64
		state model.State
	}{{ux, U}, {lx, L}} {
		path(fmt.Sprintf("M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f", s.x-22, cy+ry-1, s.x-50, cy+90, s.x+50, cy+90, s.x+22, cy+ry))
		labels(e[[2]model.State{s.state, s.state}], s.x, cy+100, "middle")
	}
	notes := []string{
		"acquire() on a locked lock takes no step: it waits, and takes the step unlocked → locked after a release.",
		"A failed operation (→ false, → error, → ctx error) leaves the state as it is; t is any timeout.",
	}
	for i, n := range notes {
		fmt.Fprintf(&b, `<text x="20" y="%.0f" fill="%s" font-size="11">%s</text>`+"\n", h-30+float64(i)*15, faint, esc(n))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
