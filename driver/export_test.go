package driver

import "github.com/lockcheck/lockcheck/sim"

// Outstanding returns the number of requests of t's lock (t is a *Driver
// or a target of a Pool) that await their answer.
func Outstanding(t sim.Target) int {
	var d *Driver
	var g *generation
	switch t := t.(type) {
	case *Driver:
		d = t
		d.mu.Lock()
		g = d.gen
		d.mu.Unlock()
	case *pooled:
		d, g = t.Driver, t.g
	default:
		return -1
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range g.clients {
		if c.req != nil {
			n++
		}
	}
	return n
}
