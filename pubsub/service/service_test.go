package service_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/querybus/querybus/pubsub/service"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a service that records its hooks and can be told to fail them.
type recorder struct {
	service.BaseService
	mu         sync.Mutex
	calls      []string
	startErr   error
	resetErr   error
	runningIn  bool // IsRunning as seen from inside OnStop
	quitInStop bool // whether Quit was already closed inside OnStop
}

func newRecorder() *recorder {
	r := &recorder{}
	r.BaseService = *service.NewBaseService(nil, "Recorder", r)
	return r
}

func (r *recorder) record(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

func (r *recorder) OnStart() error { r.record("start"); return r.startErr }
func (r *recorder) OnStop() {
	r.record("stop")
	r.runningIn = r.IsRunning()
	select {
	case <-r.Quit():
		r.quitInStop = true
	default:
	}
}
func (r *recorder) OnReset() error { r.record("reset"); return r.resetErr }

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestLifecycle(t *testing.T) {
	r := newRecorder()
	assert.Equal(t, "Recorder", r.String())
	assert.False(t, r.IsRunning())
	assert.ErrorIs(t, r.Stop(), service.ErrNotStarted)
	assert.ErrorIs(t, r.Reset(), service.ErrNotStopped)
	assert.False(t, isClosed(r.Quit()))

	require.NoError(t, r.Start())
	assert.True(t, r.IsRunning())
	assert.ErrorIs(t, r.Start(), service.ErrAlreadyStarted)
	assert.ErrorIs(t, r.Reset(), service.ErrNotStopped)
	assert.False(t, isClosed(r.Quit()))

	quit := r.Quit()
	require.NoError(t, r.Stop())
	assert.False(t, r.IsRunning())
	assert.False(t, r.runningIn, "IsRunning inside OnStop")
	assert.False(t, r.quitInStop, "Quit closed before OnStop")
	assert.True(t, isClosed(quit))
	r.Wait() // returns at once: stopped
	assert.ErrorIs(t, r.Stop(), service.ErrAlreadyStopped)
	assert.ErrorIs(t, r.Start(), service.ErrAlreadyStopped)

	require.NoError(t, r.Reset())
	assert.False(t, r.IsRunning())
	assert.False(t, isClosed(r.Quit()), "Reset gives a fresh Quit")
	assert.True(t, isClosed(quit), "the old Quit stays closed")
	assert.ErrorIs(t, r.Stop(), service.ErrNotStarted)
	require.NoError(t, r.Start())
	require.NoError(t, r.Stop())

	assert.Equal(t, []string{"start", "stop", "reset", "start", "stop"}, r.Calls())
}

func TestFailingHooks(t *testing.T) {
	boom := errors.New("boom")
	r := newRecorder()
	r.startErr = boom
	assert.ErrorIs(t, r.Start(), boom)
	assert.False(t, r.IsRunning())
	assert.ErrorIs(t, r.Stop(), service.ErrNotStarted, "a failed Start leaves the service not started")

	r.startErr = nil
	require.NoError(t, r.Start(), "Start may be retried after OnStart failed")
	require.NoError(t, r.Stop())

	r.resetErr = boom
	assert.ErrorIs(t, r.Reset(), boom)
	assert.ErrorIs(t, r.Start(), service.ErrAlreadyStopped, "a failed Reset leaves the service stopped")
	r.resetErr = nil
	require.NoError(t, r.Reset())
	require.NoError(t, r.Start())
	require.NoError(t, r.Stop())
}

func TestConcurrentStartStop(t *testing.T) {
	const n = 16
	for round := 0; round < 20; round++ {
		r := newRecorder()
		errs := make(chan error, 2*n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- r.Start() }()
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- r.Stop() }()
		}
		wg.Wait()
		close(errs)
		var ok, started, stopped int
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, service.ErrAlreadyStarted):
				started++
			case errors.Is(err, service.ErrAlreadyStopped):
				stopped++
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		assert.Equal(t, 2, ok, "exactly one Start and one Stop succeed")
		assert.Equal(t, n-1, started)
		assert.Equal(t, n-1, stopped)
		assert.Equal(t, []string{"start", "stop"}, r.Calls())
	}
}

func TestWaitReturnsOnStop(t *testing.T) {
	r := newRecorder()
	require.NoError(t, r.Start())
	done := make(chan struct{})
	go func() { r.Wait(); close(done) }()
	assert.False(t, isClosed(done))
	require.NoError(t, r.Stop())
	<-done
}

func TestDefaultsAndLogger(t *testing.T) {
	bs := service.NewBaseService(nil, "Plain", nil)
	require.NotNil(t, bs.Logger())
	require.NoError(t, bs.Start())
	require.NoError(t, bs.Stop())
	require.NoError(t, bs.Reset())

	var buf bytes.Buffer
	bs.SetLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, bs.Start())
	assert.Contains(t, buf.String(), "service=Plain")
	bs.SetLogger(nil)
	require.NotNil(t, bs.Logger())
	require.NoError(t, bs.Stop())
}

// The default logger passes warnings and errors to slog.Default(), as it is
// when each record is logged, and drops the rest: the Go convention for a
// library. SetLogger(nil) restores it.
func TestDefaultLoggerWarnsThroughSlogDefault(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	bs := service.NewBaseService(nil, "Plain", nil)
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))

	require.NoError(t, bs.Start()) // logs at Debug
	bs.Logger().Info("an info")
	bs.Logger().With("k", "v").WithGroup("g").Info("a grouped info")
	assert.Empty(t, buf.String(), "records below Warn are dropped")

	bs.Logger().Warn("a warning")
	bs.Logger().With("k", "v").WithGroup("g").Error("an error", "x", 1)
	assert.Contains(t, buf.String(), `level=WARN msg="a warning"`)
	assert.Contains(t, buf.String(), `level=ERROR msg="an error" k=v g.x=1`)

	buf.Reset()
	bs.SetLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	bs.Logger().Error("discarded")
	assert.Empty(t, buf.String())
	bs.SetLogger(nil)
	bs.Logger().Error("restored")
	assert.Contains(t, buf.String(), "restored")
	require.NoError(t, bs.Stop())
}

func TestErrorMessages(t *testing.T) {
	for _, err := range []error{service.ErrAlreadyStarted, service.ErrAlreadyStopped, service.ErrNotStarted, service.ErrNotStopped} {
		msg := err.Error()
		assert.Regexp(t, `^service: [a-z ]+$`, msg)
	}
}
