// Command generic exercises channel operations on values whose type is a
// type parameter, and generic code around the rewrites.
package main

import "fmt"

type Pipe[T any] struct{ ch chan T }

func (p *Pipe[T]) Put(v T) { p.ch <- v }

func (p *Pipe[T]) Take() (T, bool) {
	v, ok := <-p.ch
	return v, ok
}

func drain[C ~chan E, E any](c C) []E {
	close(c)
	var out []E
	for v := range c {
		out = append(out, v)
	}
	return out
}

func send[C ~chan<- E, E any](c C, v E) { c <- v }

func recv[C ~<-chan E, E any](c C) E { return <-c }

func main() {
	p := &Pipe[string]{ch: make(chan string, 2)}
	p.Put("a")
	go p.Put("b")
	v, ok := p.Take()
	w, _ := p.Take()
	fmt.Println(v, ok, w)

	c := make(chan int, 3)
	send((chan<- int)(c), 1)
	send[chan<- int]((chan<- int)(c), 2)
	fmt.Println(recv((<-chan int)(c)))
	fmt.Println(drain(c))
}
