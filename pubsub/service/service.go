package service

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Errors returned by the lifecycle methods of BaseService.
var (
	// ErrAlreadyStarted is returned by Start on a running service.
	ErrAlreadyStarted = errors.New("service: already started")
	// ErrAlreadyStopped is returned by Stop on a stopped service, and by
	// Start on a service stopped and not Reset since.
	ErrAlreadyStopped = errors.New("service: already stopped")
	// ErrNotStarted is returned by Stop on a service that was never started
	// (or not started since its last Reset).
	ErrNotStarted = errors.New("service: not started")
	// ErrNotStopped is returned by Reset on a service that is not stopped.
	ErrNotStopped = errors.New("service: not stopped")
)

// Service is a component with a Start/Stop/Reset lifecycle. BaseService
// implements it; embedders override the On* hooks.
type Service interface {
	// Start starts the service: it calls OnStart and, if OnStart succeeds,
	// marks the service running.
	Start() error
	// OnStart is the hook Start calls; an error leaves the service not started.
	OnStart() error

	// Stop stops a running service: it calls OnStop, then closes Quit.
	Stop() error
	// OnStop is the hook Stop calls.
	OnStop()

	// Reset makes a stopped service startable again: it calls OnReset and
	// replaces Quit with a fresh channel.
	Reset() error
	// OnReset is the hook Reset calls; an error leaves the service stopped.
	OnReset() error

	// IsRunning reports whether the service has started and not stopped.
	IsRunning() bool
	// Quit returns a channel closed when the service stops.
	Quit() <-chan struct{}
	// String returns the service's name.
	String() string
	// SetLogger sets the service's logger; nil restores the default, which
	// passes warnings and errors to slog.Default().
	SetLogger(*slog.Logger)
}

type phase int

const (
	phaseNew phase = iota
	phaseRunning
	phaseStopped
)

// lifecycle is the mutable state of a BaseService. It lives behind a pointer
// so that a BaseService value may be copied into the embedding struct.
type lifecycle struct {
	mu      sync.Mutex // serializes Start, Stop and Reset; guards phase
	phase   phase
	running atomic.Bool
	quit    atomic.Pointer[chan struct{}]
	logger  atomic.Pointer[slog.Logger]
}

// BaseService implements the lifecycle of Service and calls the hooks of the
// implementation given to NewBaseService. Create it with NewBaseService; the
// zero value is not usable. Copying a BaseService made by NewBaseService (as
// in `s.BaseService = *service.NewBaseService(...)`) is fine: the copies share
// one lifecycle.
type BaseService struct {
	name string
	impl Service
	lc   *lifecycle
}

var _ Service = (*BaseService)(nil)

// NewBaseService returns a BaseService called name whose Start, Stop and
// Reset call the hooks of impl. A nil logger means the default one, which
// passes warnings and errors to slog.Default() (see SetLogger); a nil impl
// means the default no-op hooks.
func NewBaseService(logger *slog.Logger, name string, impl Service) *BaseService {
	bs := &BaseService{name: name, impl: impl, lc: &lifecycle{}}
	if impl == nil {
		bs.impl = bs
	}
	quit := make(chan struct{})
	bs.lc.quit.Store(&quit)
	bs.SetLogger(logger)
	return bs
}

// Start calls OnStart and, if it succeeds, marks the service running. It
// returns ErrAlreadyStarted if the service is running, ErrAlreadyStopped if
// it was stopped and not Reset since, and OnStart's error otherwise (the
// service is then not started, and Start may be called again).
func (bs *BaseService) Start() error {
	lc := bs.lc
	lc.mu.Lock()
	defer lc.mu.Unlock()
	switch lc.phase {
	case phaseRunning:
		return ErrAlreadyStarted
	case phaseStopped:
		return ErrAlreadyStopped
	}
	bs.Logger().Debug("service starting", "service", bs.name)
	if err := bs.impl.OnStart(); err != nil {
		return err
	}
	lc.phase = phaseRunning
	lc.running.Store(true)
	return nil
}

// Stop marks the service not running, calls OnStop and then closes the Quit
// channel. It returns ErrNotStarted if the service is not running and was not
// stopped, and ErrAlreadyStopped if it is stopped.
func (bs *BaseService) Stop() error {
	lc := bs.lc
	lc.mu.Lock()
	defer lc.mu.Unlock()
	switch lc.phase {
	case phaseNew:
		return ErrNotStarted
	case phaseStopped:
		return ErrAlreadyStopped
	}
	bs.Logger().Debug("service stopping", "service", bs.name)
	lc.running.Store(false)
	bs.impl.OnStop()
	lc.phase = phaseStopped
	close(*lc.quit.Load())
	return nil
}

// Reset calls OnReset on a stopped service and, if it succeeds, makes the
// service startable again with a fresh Quit channel. It returns ErrNotStopped
// if the service is not stopped, and OnReset's error otherwise (the service
// then stays stopped).
func (bs *BaseService) Reset() error {
	lc := bs.lc
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.phase != phaseStopped {
		return ErrNotStopped
	}
	if err := bs.impl.OnReset(); err != nil {
		return err
	}
	quit := make(chan struct{})
	lc.quit.Store(&quit)
	lc.phase = phaseNew
	return nil
}

// OnStart does nothing and returns nil.
func (bs *BaseService) OnStart() error { return nil }

// OnStop does nothing.
func (bs *BaseService) OnStop() {}

// OnReset does nothing and returns nil.
func (bs *BaseService) OnReset() error { return nil }

// IsRunning reports whether the service has started and not stopped.
func (bs *BaseService) IsRunning() bool { return bs.lc.running.Load() }

// Quit returns a channel that is closed when the service stops. After Reset
// it returns a new channel.
func (bs *BaseService) Quit() <-chan struct{} { return *bs.lc.quit.Load() }

// Wait blocks until the service stops (until the channel returned by Quit
// at the time of the call is closed).
func (bs *BaseService) Wait() { <-bs.Quit() }

// String returns the service's name.
func (bs *BaseService) String() string { return bs.name }

// SetLogger sets the logger returned by Logger. nil restores the default:
// records of level Warn and above go to the handler of slog.Default() (as it
// is when each record is logged), the others are dropped. That is the Go
// convention for a library: what an operator must know (a query that fails,
// a subscriber dropped for falling behind) is seen, and nothing else. To
// discard everything, pass a logger whose handler writes to io.Discard.
func (bs *BaseService) SetLogger(l *slog.Logger) {
	if l == nil {
		l = defaultLogger
	}
	bs.lc.logger.Store(l)
}

// Logger returns the service's logger (never nil).
func (bs *BaseService) Logger() *slog.Logger { return bs.lc.logger.Load() }

var defaultLogger = slog.New(warnToDefault{})

// warnToDefault passes records of level Warn and above to the handler of
// slog.Default() at the time of each record.
type warnToDefault struct{}

func (warnToDefault) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && slog.Default().Handler().Enabled(ctx, level)
}

func (warnToDefault) Handle(ctx context.Context, r slog.Record) error {
	return slog.Default().Handler().Handle(ctx, r)
}

func (warnToDefault) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{slog.Default().Handler().WithAttrs(attrs)}
}

func (warnToDefault) WithGroup(name string) slog.Handler {
	return warnOnly{slog.Default().Handler().WithGroup(name)}
}

// warnOnly is a handler that drops the records below level Warn.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && h.Handler.Enabled(ctx, level)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}

func (h warnOnly) WithGroup(name string) slog.Handler {
	return warnOnly{h.Handler.WithGroup(name)}
}
