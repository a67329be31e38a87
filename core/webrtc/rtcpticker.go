package webrtc

import (
	"context"
	"sync"
	"time"
)

// rtcpTickerPeriod is how often the Engine's rtcpTicker wakes: the TWCC
// feedback interval, the shortest of the periodic RTCP tasks.
const rtcpTickerPeriod = twccInterval

// rtcpTask is one PeerConnection's periodic RTCP: its sender and receiver
// reports (mediaWatch, each second) or its TWCC feedback (twccFeedback,
// each 100 ms). tick writes through the PeerConnection's RTCP writer; it
// must not block for long, since every PeerConnection's tasks share one
// goroutine.
type rtcpTask interface {
	tick(now time.Time)
}

// rtcpTicker runs the periodic RTCP of every PeerConnection of an Engine
// from one goroutine, where pion's interceptors ran a ticker goroutine per
// PeerConnection for each of them. It wakes every rtcpTickerPeriod and
// runs the tasks that are due; a task's period starts when it is added,
// so that the reports of PeerConnections that started at different times
// do not all leave in one burst. The goroutine runs while at least one
// task is registered and ends with the last one, or when the Engine
// closes.
type rtcpTicker struct {
	period time.Duration
	now    func() time.Time // tests

	mu     sync.Mutex
	tasks  map[rtcpTask]*taskSchedule
	cancel context.CancelFunc // stops the running loop; nil when none runs
	done   chan struct{}      // closed when the last loop started has ended
	closed bool
	wg     sync.WaitGroup
}

// taskSchedule is a task's period and when it is next due.
type taskSchedule struct {
	every time.Duration
	next  time.Time
}

func newRTCPTicker() *rtcpTicker {
	return &rtcpTicker{period: rtcpTickerPeriod, now: time.Now, tasks: map[rtcpTask]*taskSchedule{}}
}

// add runs task every period from now on (the first time one period from
// now). Adding a task twice changes nothing.
func (r *rtcpTicker) add(task rtcpTask, every time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if _, ok := r.tasks[task]; ok {
		return
	}
	r.tasks[task] = &taskSchedule{every: every, next: r.now().Add(every)}
	if r.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		prev, done := r.done, make(chan struct{})
		r.cancel, r.done = cancel, done
		r.wg.Add(1)
		go r.loop(ctx, prev, done)
	}
}

// remove stops running task; the loop ends with the last task. A tick of
// the task under way when remove is called may still finish.
func (r *rtcpTicker) remove(task rtcpTask) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.tasks, task)
	if len(r.tasks) == 0 && r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
}

// close stops the loop for good and waits for it.
func (r *rtcpTicker) close() {
	r.mu.Lock()
	r.closed = true
	clear(r.tasks)
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// loop runs the tasks that are due at each tick until ctx ends. It starts
// once the loop before it (prev, stopped when its last task went) has
// ended, so that one loop at a time runs tasks.
func (r *rtcpTicker) loop(ctx context.Context, prev <-chan struct{}, done chan<- struct{}) {
	defer r.wg.Done()
	defer close(done)
	if prev != nil {
		<-prev
	}
	t := time.NewTicker(r.period)
	defer t.Stop()
	var due []rtcpTask
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		due = r.due(due[:0], r.now())
		for _, task := range due {
			// Each task reads the clock itself: a report's NTP time and
			// DLSR must be those of its own moment, not of the tick's
			// start, which is one SRTCP write per earlier task ago.
			task.tick(r.now())
		}
		clear(due) // no task kept alive until the next tick
	}
}

// due appends the tasks due at now and schedules their next run. A task
// is due from half a tick before its time, so a task whose period is the
// tick's runs at every tick although ticks come a little early or late.
func (r *rtcpTicker) due(out []rtcpTask, now time.Time) []rtcpTask {
	r.mu.Lock()
	defer r.mu.Unlock()
	early := now.Add(r.period / 2)
	for task, s := range r.tasks {
		if early.Before(s.next) {
			continue
		}
		out = append(out, task)
		s.next = s.next.Add(s.every)
		if s.next.Before(now) { // the loop fell behind: no catching up
			s.next = now.Add(s.every)
		}
	}
	return out
}
