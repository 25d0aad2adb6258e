package driver

import (
	"strings"
	"sync"
)

// ErrorKind says how a driver misbehaved.
type ErrorKind string

// The kinds of [Error].
const (
	// Exited: the driver exited (or closed its stdout, or stopped reading
	// its stdin) before it was told to, or exited with a non-zero status
	// when it was.
	Exited ErrorKind = "exited"
	// Garbage: the driver printed a line that is not an answer
	// "CLIENT RESULT".
	Garbage ErrorKind = "garbage"
	// Protocol: a well-formed line that breaks the protocol: a bad hello
	// line, an answer for a client with no request outstanding (a wrong
	// client id), a result word that does not answer the operation, or an
	// answer "reset N" that answers no outstanding reset.
	Protocol ErrorKind = "protocol"
	// NoAnswer: the hello line, the answer to a bounded request (any
	// operation but a blocking acquire), or the answer to a reset did not
	// come within its deadline.
	NoAnswer ErrorKind = "no answer"
)

// Phrase describes the kind in a few words, for example "printed garbage".
func (k ErrorKind) Phrase() string {
	switch k {
	case Exited:
		return "exited"
	case Garbage:
		return "printed garbage"
	case Protocol:
		return "broke the protocol"
	case NoAnswer:
		return "never answered within the deadline"
	}
	return string(k)
}

// Error is the misbehaviour of a driver.
type Error struct {
	Kind ErrorKind
	// Msg says what happened, for example
	// `client 0's try_acquire was answered "ok" (want true or false)`.
	Msg string
	// Stderr is the tail of what the driver wrote to its stderr (at most
	// StderrTail bytes), when the error was retrieved.
	Stderr string
	// Sent and Answered map each client id to the number of its requests
	// that were sent to the driver and that got a valid answer. The
	// client's later operations returned only because the driver broke; a
	// report can show the sent ones as unanswered and leave out the rest.
	Sent, Answered map[int]int
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("driver misbehaved (")
	b.WriteString(string(e.Kind))
	b.WriteString("): ")
	b.WriteString(e.Msg)
	if e.Stderr != "" {
		b.WriteString("\ndriver's stderr (last lines):\n")
		b.WriteString(indent(e.Stderr, "  | "))
	}
	return b.String()
}

// indent prefixes every line of s with prefix; s's final newline, if any,
// is kept and no prefix follows it.
func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

// ring keeps the last bytes written to it.
type ring struct {
	mu    sync.Mutex
	size  int
	buf   []byte
	total int64
}

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total += int64(len(p))
	if len(p) >= r.size {
		r.buf = append(r.buf[:0], p[len(p)-r.size:]...)
		return len(p), nil
	}
	if over := len(r.buf) + len(p) - r.size; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	r.buf = append(r.buf, p...)
	return len(p), nil
}

// String returns the tail, starting at a line boundary when it was cut.
func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := string(r.buf)
	if r.total > int64(len(r.buf)) {
		if i := strings.IndexByte(s, '\n'); i >= 0 && i+1 < len(s) {
			s = s[i+1:]
		}
		s = "[...]\n" + s
	}
	return s
}
