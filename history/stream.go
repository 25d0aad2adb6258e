package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/lockcheck/lockcheck/model"
)

// EventType is the type of a line of a history file.
type EventType uint8

// The types of events in a history file.
const (
	Invoke EventType = iota + 1 // "invoke": an operation is called
	OK                          // "ok": it returned, with Output
	Info                        // "info": it returned with an unknown outcome
)

// Event is one line of a history file, as Decoder returns it.
type Event struct {
	Type    EventType
	Line    int // from 1; the logical time of the event, as Read uses it
	Process int
	Input   model.Input  // on Invoke; on OK and Info the input of the invocation
	Output  model.Output // on OK; Pending on Info and Invoke
	Call    int          // on OK and Info: the line of the invocation
	Note    string       // on Invoke
}

// Decoder reads a history file one event at a time, keeping only the
// operations still running: memory does not grow with the file's length.
// It accepts exactly the files Read accepts and reports the same errors;
// Read is the same parse collecting operations.
type Decoder struct {
	sc     *bufio.Scanner
	line   int
	events int           // lines with an event or a header so far
	meta   Meta          // from the header line, if any
	open   map[int]Event // process → its invocation
	err    error
}

// Meta returns what the file's header line said, once Next has read past it
// (the header must come first); a file without one is of an unowned lock.
func (d *Decoder) Meta() Meta { return d.meta }

// NewDecoder returns a Decoder reading r.
func NewDecoder(r io.Reader) *Decoder {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	return &Decoder{sc: sc, open: map[int]Event{}}
}

// Running returns the number of operations invoked and not yet completed.
func (d *Decoder) Running() int { return len(d.open) }

// Next returns the next event. At the end of the input it returns io.EOF;
// operations still running then never returned (Read treats them as
// "info"). A malformed line is reported as a *ParseError, and every later
// call returns the same error.
func (d *Decoder) Next() (Event, error) {
	if d.err != nil {
		return Event{}, d.err
	}
	e, err := d.next()
	if err != nil {
		d.err = err
	}
	return e, err
}

func (d *Decoder) next() (Event, error) {
	for d.sc.Scan() {
		d.line++
		text := bytes.TrimSpace(d.sc.Bytes())
		if len(text) == 0 {
			continue
		}
		line := d.line
		fail := func(format string, args ...any) error {
			return &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)}
		}
		var rec record
		if !fastRecord(text, &rec) {
			rec = record{}
			dec := json.NewDecoder(bytes.NewReader(text))
			if err := dec.Decode(&rec); err != nil {
				return Event{}, fail("not a JSON object: %v", err)
			}
			if dec.More() {
				return Event{}, fail("more than one JSON value on the line")
			}
		}
		if rec.Process == nil && rec.Lock != nil {
			sem, ok := model.ParseSemantics(*rec.Lock)
			switch {
			case !ok:
				return Event{}, fail(`unknown "lock" %q (want "unowned", "owned" or "reentrant")`, *rec.Lock)
			case d.events > 0:
				return Event{}, fail(`the "lock" header must come before the first event`)
			case rec.Type != "" || rec.F != "":
				return Event{}, fail(`the "lock" header is a line of its own, without "type" or "f"`)
			}
			d.meta.Lock = sem
			d.events++ // a second header is out of place too
			continue
		}
		d.events++
		if rec.Process == nil {
			return Event{}, fail(`missing "process"`)
		}
		p := *rec.Process
		if p < 0 || p > 1<<20 {
			return Event{}, fail("process %d out of range (0 to %d)", p, 1<<20)
		}
		kind, ok := model.ParseKind(rec.F)
		if !ok {
			return Event{}, fail("unknown operation f=%q (want one of acquire, try_acquire, acquire_timeout, acquire_context, release, locked)", rec.F)
		}
		switch rec.Type {
		case "invoke":
			if o, busy := d.open[p]; busy {
				return Event{}, fail("process %d invokes %s while its %s (line %d) is outstanding", p, rec.F, o.Input.Kind, o.Line)
			}
			if rec.Value != nil {
				return Event{}, fail(`an invoke has no "value"`)
			}
			in := model.Input{Kind: kind}
			if rec.Timeout != nil {
				if kind != model.AcquireTimeout {
					return Event{}, fail(`"timeout" is only for acquire_timeout`)
				}
				if v := *rec.Timeout; math.IsNaN(v) || v < -maxTimeout || v > maxTimeout {
					return Event{}, fail(`"timeout" is %v; want seconds between %d and %d`, v, -maxTimeout, maxTimeout)
				}
				in.Timeout = time.Duration(math.Round(*rec.Timeout * float64(time.Second)))
			}
			e := Event{Type: Invoke, Line: line, Process: p, Input: in, Output: model.Output{Pending: true}, Note: rec.Note}
			d.open[p] = e
			return e, nil
		case "ok", "info":
			o, busy := d.open[p]
			if !busy {
				return Event{}, fail("process %d completes %s but invoked nothing", p, rec.F)
			}
			if o.Input.Kind != kind {
				return Event{}, fail("process %d completes %s but invoked %s (line %d)", p, rec.F, o.Input.Kind, o.Line)
			}
			e := Event{Type: Info, Line: line, Process: p, Input: o.Input, Output: model.Output{Pending: true}, Call: o.Line, Note: o.Note}
			if rec.Type == "ok" {
				out := model.Output{OK: true}
				switch {
				case rec.Value != nil:
					out.OK = *rec.Value
				case kind != model.Acquire:
					return Event{}, fail(`"ok" of %s needs a boolean "value"`, rec.F)
				}
				if kind == model.Acquire && !out.OK {
					return Event{}, fail(`a blocking acquire cannot return false; record an unknown outcome as "info"`)
				}
				e.Type, e.Output = OK, out
			}
			delete(d.open, p)
			return e, nil
		case "":
			return Event{}, fail(`missing "type"`)
		default:
			return Event{}, fail(`unknown type %q (want "invoke", "ok" or "info")`, rec.Type)
		}
	}
	if err := d.sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return Event{}, &ParseError{Line: d.line + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
		return Event{}, err
	}
	return Event{}, io.EOF
}

// fastRecord parses the common shape of a line — one flat JSON object
// whose keys are among the record's own, spelled in lower case, with
// integers, plain ASCII strings, booleans, numbers and null — into rec, as
// encoding/json would. It returns false for anything else (escapes,
// non-ASCII, other keys, nesting, malformed text), and the caller then
// uses encoding/json, whose result and errors are the reference; so the
// fast path never changes what is accepted or reported, only how fast.
func fastRecord(b []byte, rec *record) bool {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	str := func() ([]byte, bool) {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		i++
		start := i
		for i < len(b) && b[i] != '"' {
			if c := b[i]; c == '\\' || c < 0x20 || c >= 0x80 {
				return nil, false
			}
			i++
		}
		if i >= len(b) {
			return nil, false
		}
		i++
		return b[start : i-1], true
	}
	num := func() ([]byte, bool) { // JSON number grammar
		start := i
		if i < len(b) && b[i] == '-' {
			i++
		}
		switch {
		case i < len(b) && b[i] == '0':
			i++
		case i < len(b) && b[i] >= '1' && b[i] <= '9':
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				i++
			}
		default:
			return nil, false
		}
		if i < len(b) && b[i] == '.' {
			i++
			d := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				i++
			}
			if i == d {
				return nil, false
			}
		}
		if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
			i++
			if i < len(b) && (b[i] == '+' || b[i] == '-') {
				i++
			}
			d := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				i++
			}
			if i == d {
				return nil, false
			}
		}
		return b[start:i], true
	}
	lit := func(s string) bool {
		if len(b)-i >= len(s) && string(b[i:i+len(s)]) == s {
			i += len(s)
			return true
		}
		return false
	}
	ws()
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	ws()
	if i < len(b) && b[i] == '}' {
		i++
		ws()
		return i == len(b)
	}
	for {
		ws()
		key, ok := str()
		if !ok {
			return false
		}
		ws()
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i++
		ws()
		{
			switch string(key) {
			case "process":
				n, ok := num()
				if !ok {
					return false
				}
				v, err := strconv.Atoi(string(n))
				if err != nil || strconv.Itoa(v) != string(n) {
					return false // not a plain integer: let encoding/json say so
				}
				rec.Process = &v
			case "type", "f", "note":
				s, ok := str()
				if !ok {
					return false
				}
				switch string(key) {
				case "type":
					rec.Type = string(s)
				case "f":
					rec.F = string(s)
				default:
					rec.Note = string(s)
				}
			case "value":
				var v bool
				switch {
				case lit("true"):
					v = true
				case lit("false"):
				default:
					return false
				}
				rec.Value = &v
			case "timeout":
				n, ok := num()
				if !ok {
					return false
				}
				v, err := strconv.ParseFloat(string(n), 64)
				if err != nil {
					return false
				}
				rec.Timeout = &v
			default:
				return false
			}
		}
		ws()
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			i++
			ws()
			return i == len(b)
		}
		return false
	}
}
