// Package linear is a linear-time linearizability checker specialised to
// lock histories. It answers porcupine's question — is this history of
// model.Model operations linearizable? — with porcupine's verdict, but in
// one pass over the events, in time proportional to the history's length
// and memory proportional to the number of operations running at once, so
// that histories of a million operations from a lock service or a
// Jepsen-style test are decided in seconds. For a violation it finds a
// short window of the history that is not linearizable by itself, which
// porcupine confirms and draws.
//
// Check and CheckFrom take a history in memory ([]history.Op); CheckReader
// reads a history file (history.Read's format) as a stream; Checker and
// Sweep take events one at a time. The algorithm is explained in sweep.go,
// above its code.
//
// The lock's state is a small value (a model.State) and operations are
// grouped in classes by kind and outcome; a model with more states (an
// owner, a count) fits the same sweep with a larger state value and classes
// that include what the step depends on (for an owned lock, the client).
package linear
