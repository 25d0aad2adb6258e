// Package history holds concurrent histories of lock operations: how they are
// recorded, checked for linearizability against the lock's model, written to
// and read from the JSON Lines history format, and drawn as per-client text
// timelines.
//
// A history is a slice of [Op], each an operation with the client that ran
// it, its input and output, and logical call and return times. Times only
// order events: an operation that returned before another was called has a
// smaller Return than the other's Call.
package history
