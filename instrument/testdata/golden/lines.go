package p

import "time"

func lines(a chan int, b chan func() int) int {
	select {
	case v := <-func() chan int {
		return a
	}():
		return v
	case f := <-b:
		return f()
	case <-time.After(
		time.Second,
	):
	}
	go func(x, y int) {
		println(x, y)
	}(<-a,
		<-a)
	panic("here") // line 21
}
