package linear

import (
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// modelFrom is model.Model starting in the States init.
func modelFrom(init model.State) porcupine.Model {
	m := model.Model
	m.Init = func() any { return init }
	return m
}

// porcupineCheck is porcupine's verdict on h from init (history.Unknown
// when the timeout, 0 for none, runs out first), with its linearization
// information.
func porcupineCheck(init model.State, h []history.Op, timeout time.Duration) (history.Verdict, porcupine.LinearizationInfo) {
	res, info := porcupine.CheckOperationsVerbose(modelFrom(init), history.Operations(h), timeout)
	switch res {
	case porcupine.Ok:
		return history.Linearizable, info
	case porcupine.Illegal:
		return history.NotLinearizable, info
	}
	return history.Unknown, info
}

// Porcupine returns porcupine's verdict on h from init, the oracle Check
// agrees with: for tests and for confirming a window. timeout 0 means none.
func Porcupine(init model.State, h []history.Op, timeout time.Duration) history.Verdict {
	v, _ := porcupineCheck(init, h, timeout)
	return v
}

// VisualizeWindow writes porcupine's HTML visualization of the window to
// path, with the failing operation annotated. Porcupine gets 5s to search
// for linearizations to draw; after that it draws what it found.
func VisualizeWindow(win *Window, path string) error {
	_, info := porcupineCheck(win.Init, win.Ops, 5*time.Second) // partial information after a timeout still draws
	ops := history.Operations(win.Ops)
	if win.Failing >= 0 {
		o := ops[win.Failing]
		info.AddAnnotations([]porcupine.Annotation{{ClientId: o.ClientId, Start: o.Call, End: o.Return,
			Tag: "lockcheck", Description: "◀ cannot be linearized", BackgroundColor: "#ffd6d6"}})
	}
	return porcupine.VisualizePath(modelFrom(win.Init), info, path)
}
