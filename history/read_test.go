package history_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/history"
)

// TestReadErrors reads the malformed histories of testdata/bad: each is
// rejected with a *ParseError naming the offending line and saying what is
// wrong.
func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		file string
		line int
		msg  string
	}{
		{"truncated_json", 2, "not a JSON object"},
		{"two_values", 1, "more than one JSON value"},
		{"missing_process", 3, `missing "process"`},
		{"negative_process", 1, "process -1 out of range"},
		{"fractional_process", 1, "not a JSON object"},
		{"unknown_op", 1, `unknown operation f="grab"`},
		{"invoke_while_busy", 2, "process 0 invokes release while its acquire (line 1) is outstanding"},
		{"invoke_with_value", 1, `an invoke has no "value"`},
		{"timeout_on_try", 1, `"timeout" is only for acquire_timeout`},
		{"complete_without_invoke", 1, "process 0 completes release but invoked nothing"},
		{"complete_other_op", 2, "process 0 completes release but invoked acquire (line 1)"},
		{"ok_without_value", 2, `"ok" of try_acquire needs a boolean "value"`},
		{"acquire_false", 2, "a blocking acquire cannot return false"},
		{"missing_type", 1, `missing "type"`},
		{"unknown_type", 1, `unknown type "fail"`},
		{"value_not_bool", 2, "not a JSON object"},
		{"array_after_blank_lines", 4, "not a JSON object"},
		{"not_json", 1, "not a JSON object"},
		{"unknown_lock", 1, `unknown "lock" "recursive"`},
		{"late_header", 3, `the "lock" header must come before the first event`},
		{"header_with_type", 1, `the "lock" header is a line of its own`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "bad", tc.file+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			h, err := history.Read(bytes.NewReader(data))
			var pe *history.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Read = %d operations, error %v; want a *ParseError", len(h), err)
			}
			if h != nil {
				t.Errorf("Read returned %d operations with its error", len(h))
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("error %q (line %d), want line %d and %q", pe.Msg, pe.Line, tc.line, tc.msg)
			}
		})
	}
}

func TestReadLongLine(t *testing.T) {
	in := `{"process": 0, "type": "invoke", "f": "acquire"}` + "\n" + strings.Repeat(" ", history.MaxLineBytes+1) + "\n"
	_, err := history.Read(strings.NewReader(in))
	var pe *history.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Msg, "line longer than") {
		t.Fatalf("error %v, want line 2: line longer than ...", err)
	}
}

// TestReadFixtures reads the valid fixtures.
func TestReadFixtures(t *testing.T) {
	for name, want := range map[string]history.Verdict{
		"linearizable.jsonl": history.Linearizable,
		"violation.jsonl":    history.NotLinearizable,
	} {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		h, err := history.Read(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := history.Check(h, 0).Verdict; got != want {
			t.Errorf("%s: verdict %q, want %q", name, got, want)
		}
	}
}
