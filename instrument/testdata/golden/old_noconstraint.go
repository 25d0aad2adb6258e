// This file is rewritten as a file of a module whose go.mod says go 1.16:
// it gets a build constraint of its own.
package p

func send(ch chan int) { ch <- 1 }
