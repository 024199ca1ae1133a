// Package service gives long-running components a common lifecycle: Start,
// Stop, Reset, IsRunning, Quit and Wait, with hooks (OnStart, OnStop,
// OnReset) that the embedding type overrides.
//
// A component embeds a BaseService made by NewBaseService and passes itself as
// the implementation, so that BaseService calls the component's hooks:
//
//	type Worker struct {
//		service.BaseService
//		// ...
//	}
//
//	func NewWorker() *Worker {
//		w := &Worker{}
//		w.BaseService = *service.NewBaseService(nil, "Worker", w)
//		return w
//	}
//
//	func (w *Worker) OnStart() error { /* start goroutines */ return nil }
//	func (w *Worker) OnStop()        { /* stop them and wait */ }
//
// The lifecycle is: new → (Start) → running → (Stop) → stopped → (Reset) → new.
// Start on a running service returns ErrAlreadyStarted, on a stopped one
// ErrAlreadyStopped; Stop on a service that never started returns
// ErrNotStarted, on a stopped one ErrAlreadyStopped; Reset on a service that
// is not stopped returns ErrNotStopped. Start, Stop and Reset are serialized:
// of two concurrent Starts exactly one succeeds. A hook must not call Start,
// Stop or Reset on its own service (that would deadlock).
package service
