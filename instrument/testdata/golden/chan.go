package p

func chans(ch chan int, out chan<- int, in <-chan int) (int, bool) {
	ch <- 1
	out <- <-in
	x := <-ch
	y, ok := <-ch
	var z, ok2 = <-in
	y, ok = (<-ch)
	<-ch
	close(ch)
	defer close(out)
	for v := range in {
		x += v
	}
	for range ch {
	}
	for i := range 3 { // not a channel
		x += i
	}
	return x + y + z, ok && ok2
}

type C chan string

func named(c C) string {
	c <- "a"
	for s := range c {
		return s
	}
	return <-c
}

func shadowed(close func(chan int), ch chan int) {
	close(ch) // not the builtin
}

func inferred(errs chan error, anys chan<- any, e *myErr, b []byte) {
	errs <- e
	anys <- b
	anys <- 1
	select {
	case errs <- e:
	case anys <- e:
	}
}

type myErr struct{}

func (*myErr) Error() string { return "" }
