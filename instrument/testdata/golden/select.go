package p

import "time"

func f(a, c chan int, b chan<- string, x string) int {
	var w int
	select {
	case v := <-a:
		return v
	case b <- x:
		w = 1
	case v, ok := <-c:
		if !ok {
			break
		}
		return v
	case w = <-a:
	case <-time.After(time.Second):
	default:
		return -1
	}
	return w
}

func g(a chan int) {
L:
	for {
		select {
		case <-a:
			break L
		}
	}
	select {}
}
