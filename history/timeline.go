package history

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lockcheck/lockcheck/model"
)

// Timeline draws h as a text table with one column per client and one row
// per event, in real-time order, like this:
//
//	   client 0              client 1
//	1  acquire()
//	2                        ┌ acquire()
//	3  release() → ok        │
//	4                        └ acquire()
//
// An operation whose return directly follows its call takes one row; a
// longer one opens with ┌, continues with │ and closes with └. Operations
// that never returned end in a final row "never returned". marks appends a
// note to the rows of chosen operations (index into h), for example
// "◀ cannot be linearized".
func Timeline(h []Op, marks map[int]string) string {
	n := Clients(h)
	names := make([]string, n)
	harness := make([]bool, n)
	for i := range harness {
		harness[i] = true
	}
	seen := make([]bool, n)
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

	var rows [][]string
	open := make([]int, n) // per client: index of the operation in flight, or -1
	for i := range open {
		open[i] = -1
	}
	ev := events(h)
	for k := 0; k < len(ev); k++ {
		e := ev[k]
		op := h[e.op]
		row := make([]string, n)
		for c, o := range open {
			if o >= 0 {
				row[c] = "│"
			}
		}
		mark := ""
		if m, ok := marks[e.op]; ok {
			mark = "  " + m
		}
		switch {
		case !e.ret && k+1 < len(ev) && ev[k+1].op == e.op && ev[k+1].ret:
			row[op.Client] = model.Describe(op.Input, op.Output) + mark
			k++
		case !e.ret:
			row[op.Client] = "┌ " + callText(op.Input)
			if op.Return == Never {
				row[op.Client] += mark
			}
			open[op.Client] = e.op
		default:
			row[op.Client] = "└ " + model.Describe(op.Input, op.Output) + mark
			open[op.Client] = -1
		}
		rows = append(rows, row)
	}
	final := make([]string, n)
	pending := false
	for c, o := range open {
		if o >= 0 {
			final[c] = "└ never returned"
			pending = true
		}
	}
	if pending {
		rows = append(rows, final)
	}
	return table(names, rows)
}

func callText(in model.Input) string {
	d := model.Describe(in, model.Output{Pending: true})
	return strings.TrimSuffix(d, " → ?")
}

// table lays out rows under the header with a row-number column.
func table(header []string, rows [][]string) string {
	width := make([]int, len(header))
	for c, h := range header {
		width[c] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for c, cell := range r {
			width[c] = max(width[c], utf8.RuneCountInString(cell))
		}
	}
	num := len(fmt.Sprint(len(rows)))
	var b strings.Builder
	line := func(first string, cells []string) {
		var l strings.Builder
		fmt.Fprintf(&l, "%*s", num+2, first)
		for c, cell := range cells {
			l.WriteString("  ")
			l.WriteString(cell)
			l.WriteString(strings.Repeat(" ", width[c]-utf8.RuneCountInString(cell)))
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteString("\n")
	}
	line("", header)
	for i, r := range rows {
		line(fmt.Sprint(i+1), r)
	}
	return b.String()
}
