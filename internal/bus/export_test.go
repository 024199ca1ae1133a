package bus

// PublishersIn returns how many publishers are in e's Publish, for tests that must
// stop an engine while one waits.
func PublishersIn(e *Engine) uint64 {
	r := e.run.Load()
	left := r.left.Load()
	return r.entered.Load() - left
}
