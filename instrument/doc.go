// Package instrument rewrites a Go package's source so that every
// synchronisation point calls the controlled scheduler (package sched): it
// is what `lockcheck test` builds tests with, through go test -overlay,
// leaving the sources on disk untouched.
//
// File rewrites one file, using the type information of its package:
//
//   - ch <- v becomes sched.Send(ch, v); <-ch becomes sched.Recv(ch);
//     v, ok := <-ch (and its = and var forms) becomes sched.Recv2(ch);
//     close(ch) becomes sched.Close(ch); for v := range ch becomes
//     for v := range sched.Range(ch);
//   - a select becomes a switch on sched.Select whose init statement builds
//     the cases (sched.OnRecv, sched.OnSend, evaluated in source order as
//     Go evaluates the channel operands and send values);
//   - go f(a, b) becomes sched.Go(func() { f(a, b) }), with the function
//     value (a method value's receiver too) and the arguments evaluated
//     first, at the go statement, as Go does;
//   - runtime.Gosched() becomes sched.Gosched();
//   - the imports of sync/atomic, sync, time and context are replaced by
//     sched's drop-in packages under the file's local name for them.
//
// The rewritten file keeps every comment (build constraints, //go:
// directives) and its lines: a //line directive opens it and /*line*/
// directives follow any rewrite that moves text across lines, so compiler
// messages, stack traces and the scheduler's trace point at the original
// source. File also lists what the scheduler cannot control, with
// file:line: cgo, system calls (syscall, golang.org/x/sys/unix),
// //go:linkname, channel operations through reflect, and unsafe
// conversions of sync types.
//
// Prepare does it for the packages named on a go test command line: it
// lists them with their tests and dependencies (go list -deps -test
// -export), type-checks each package to instrument from the export data of
// its dependencies, rewrites its files into a temporary directory, adds the
// generated registration files, and writes the overlay file.
package instrument
