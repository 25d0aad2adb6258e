package p

import (
	"fmt"
	"runtime"
)

type T struct{ n int }

func (t *T) inc(by int)          { t.n += by }
func sum(xs ...int) (s int)      { return }
func pair() (int, string)        { return 1, "a" }
func two(n int, s string)        {}
func generic[E any](e E)         {}
func wait(ch chan int, f func()) {}

func starts(t *T, f func(int), xs []int, ch chan int) {
	go func() {
		runtime.Gosched()
	}()
	go func(n int) {
		fmt.Println(n)
	}(t.n)
	go t.inc(len(xs))
	go f(t.n)
	go sum(1, 2, t.n)
	go sum(xs...)
	go two(pair())
	go generic(t)
	go generic[int](3)
	go close(ch)
	go fmt.Println("x", <-ch)
	go wait(ch, func() {
		ch <- 1
	})
	go runtime.Gosched()
	g := runtime.Gosched
	g()
}

type flag bool

func setFlag(f flag, n int64) {}

func untyped(a, b int, s uint) {
	go setFlag(a == b, 1<<s)
	go setFlag(!(a < b) && a != 0, int64(a))
}
