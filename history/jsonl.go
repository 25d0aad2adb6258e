package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/lockcheck/lockcheck/model"
)

// The history file format is JSON Lines, one event a line, in real-time
// order:
//
//	{"process": 0, "type": "invoke", "f": "try_acquire"}
//	{"process": 0, "type": "ok", "f": "try_acquire", "value": false}
//
// type is "invoke", "ok" or "info" (outcome unknown); f names a model.Kind;
// value is the result on "ok" lines (optional for acquire, which can only
// succeed; for release true means released and false means the lock was not
// locked). An invoke never completed by the end of the file is treated as
// info. acquire_timeout may carry "timeout" in seconds. Unknown fields are
// ignored.
//
// A file may begin with a header line that says what kind of lock the
// history is of, as a model.Semantics name:
//
//	{"lock": "reentrant"}
//
// "unowned" (the default: a file without a header, as every file written
// before owned locks existed), "owned" or "reentrant". With an owned lock,
// "process" is also the owner: each process releases only what it holds.
// The header is a line with "lock" and no "process"; it must come before the
// first event.

// record is one line of a history file.
type record struct {
	Process *int     `json:"process"`
	Type    string   `json:"type"`
	F       string   `json:"f"`
	Value   *bool    `json:"value,omitempty"`
	Timeout *float64 `json:"timeout,omitempty"`
	Note    string   `json:"note,omitempty"`
	Lock    *string  `json:"lock,omitempty"` // the header line's
}

// Meta is what a history file says about its lock, on its header line.
type Meta struct {
	// Lock is the semantics of the lock: which model checks the history.
	Lock model.Semantics
}

// ParseError reports a line of a history file that is not valid.
type ParseError struct {
	Line int // from 1
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%d: %s", e.Line, e.Msg) }

// maxTimeout bounds the "timeout" of acquire_timeout, in seconds (a year).
const maxTimeout = 365 * 24 * 3600

// MaxLineBytes bounds the length of one line of a history file.
const MaxLineBytes = 1 << 20

// Read parses a history file. A malformed line is reported as a *ParseError
// naming the line; nothing is returned with it. Read skips the header line;
// ReadMeta returns it too, and is what a checker of owned locks needs.
func Read(r io.Reader) ([]Op, error) {
	h, _, err := ReadMeta(r)
	return h, err
}

// ReadMeta parses a history file and its header (see the format above); a
// file without a header is of an unowned lock. Errors are as for Read.
func ReadMeta(r io.Reader) ([]Op, Meta, error) {
	var meta Meta
	events := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	var h []Op
	open := map[int]int{} // process → index in h of its outstanding operation
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)}
		}
		var rec record
		dec := json.NewDecoder(bytes.NewReader(text))
		if err := dec.Decode(&rec); err != nil {
			return nil, Meta{}, fail("not a JSON object: %v", err)
		}
		if dec.More() {
			return nil, Meta{}, fail("more than one JSON value on the line")
		}
		if rec.Process == nil && rec.Lock != nil {
			sem, ok := model.ParseSemantics(*rec.Lock)
			switch {
			case !ok:
				return nil, Meta{}, fail(`unknown "lock" %q (want "unowned", "owned" or "reentrant")`, *rec.Lock)
			case events > 0:
				return nil, Meta{}, fail(`the "lock" header must come before the first event`)
			case rec.Type != "" || rec.F != "":
				return nil, Meta{}, fail(`the "lock" header is a line of its own, without "type" or "f"`)
			}
			meta.Lock = sem
			events++ // a second header is out of place too
			continue
		}
		events++
		if rec.Process == nil {
			return nil, Meta{}, fail(`missing "process"`)
		}
		p := *rec.Process
		if p < 0 || p > 1<<20 {
			return nil, Meta{}, fail("process %d out of range (0 to %d)", p, 1<<20)
		}
		kind, ok := model.ParseKind(rec.F)
		if !ok {
			return nil, Meta{}, fail("unknown operation f=%q (want one of acquire, try_acquire, acquire_timeout, acquire_context, release, locked)", rec.F)
		}
		t := int64(line)
		switch rec.Type {
		case "invoke":
			if i, busy := open[p]; busy {
				return nil, Meta{}, fail("process %d invokes %s while its %s (line %d) is outstanding", p, rec.F, h[i].Input.Kind, h[i].Call)
			}
			if rec.Value != nil {
				return nil, Meta{}, fail(`an invoke has no "value"`)
			}
			in := model.Input{Kind: kind}
			if rec.Timeout != nil {
				if kind != model.AcquireTimeout {
					return nil, Meta{}, fail(`"timeout" is only for acquire_timeout`)
				}
				if v := *rec.Timeout; math.IsNaN(v) || v < -maxTimeout || v > maxTimeout {
					return nil, Meta{}, fail(`"timeout" is %v; want seconds between %d and %d`, v, -maxTimeout, maxTimeout)
				}
				in.Timeout = time.Duration(math.Round(*rec.Timeout * float64(time.Second)))
			}
			open[p] = len(h)
			h = append(h, Op{Client: p, Input: in, Call: t, Return: Never, Output: model.Output{Pending: true}, Note: rec.Note})
		case "ok", "info":
			i, busy := open[p]
			if !busy {
				return nil, Meta{}, fail("process %d completes %s but invoked nothing", p, rec.F)
			}
			if h[i].Input.Kind != kind {
				return nil, Meta{}, fail("process %d completes %s but invoked %s (line %d)", p, rec.F, h[i].Input.Kind, h[i].Call)
			}
			delete(open, p)
			if rec.Type == "info" {
				h[i].Return = t // returned, outcome unknown: stays pending
				continue
			}
			out := model.Output{OK: true}
			switch {
			case rec.Value != nil:
				out.OK = *rec.Value
			case kind != model.Acquire:
				return nil, Meta{}, fail(`"ok" of %s needs a boolean "value"`, rec.F)
			}
			if kind == model.Acquire && !out.OK {
				return nil, Meta{}, fail(`a blocking acquire cannot return false; record an unknown outcome as "info"`)
			}
			h[i].Output = out
			h[i].Return = t
		case "":
			return nil, Meta{}, fail(`missing "type"`)
		default:
			return nil, Meta{}, fail(`unknown type %q (want "invoke", "ok" or "info")`, rec.Type)
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, Meta{}, &ParseError{Line: line + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
		return nil, Meta{}, err
	}
	return h, meta, nil
}

// Write writes h in the history file format, events in time order.
// Operations that never returned are written as an invoke alone, or, when
// their client invokes another operation later, as an invoke and an "info"
// line just before that invocation.
func Write(w io.Writer, h []Op) error { return WriteMeta(w, h, Meta{}) }

// WriteMeta is Write with a header line for m first; the header of an
// unowned lock is left out, so such files are as Write makes them.
func WriteMeta(w io.Writer, h []Op, m Meta) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if m.Lock != model.Unowned {
		header := struct {
			Lock string `json:"lock"`
		}{m.Lock.String()}
		if err := enc.Encode(header); err != nil {
			return err
		}
	}
	unended := map[int]int{} // client → its operation that never returned
	for _, e := range events(h) {
		op := h[e.op]
		p := op.Client
		if i, ok := unended[p]; ok && !e.ret {
			delete(unended, p)
			if err := enc.Encode(record{Process: &p, Type: "info", F: h[i].Input.Kind.String()}); err != nil {
				return err
			}
		}
		rec := record{Process: &p, Type: "invoke", F: op.Input.Kind.String(), Note: op.Note}
		if e.ret && op.Output.Pending {
			rec.Type = "info"
		} else if e.ret {
			rec.Type = "ok"
			v := op.Output.OK
			rec.Value = &v
		} else {
			if op.Input.Kind == model.AcquireTimeout {
				s := op.Input.Timeout.Seconds()
				rec.Timeout = &s
			}
			if op.Return == Never {
				unended[p] = e.op
			}
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return bw.Flush()
}
