package driver

import (
	"strings"
	"testing"
)

func TestRing(t *testing.T) {
	r := &ring{size: 10}
	r.Write([]byte("abc\n"))
	if got := r.String(); got != "abc\n" {
		t.Errorf("short: %q", got)
	}
	r.Write([]byte("defgh\nij"))
	if got := r.String(); got != "[...]\ndefgh\nij" {
		t.Errorf("cut at a line: %q", got)
	}
	r.Write([]byte(strings.Repeat("z", 25)))
	if got := r.String(); got != "[...]\n"+strings.Repeat("z", 10) {
		t.Errorf("long write: %q", got)
	}
}

func TestParseClient(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "7": true, "123456789": true, "": false, "07": false, "-1": false, "1234567890": false, "1a": false} {
		if _, ok := parseClient(s); ok != want {
			t.Errorf("parseClient(%q) ok = %v, want %v", s, ok, want)
		}
	}
}
