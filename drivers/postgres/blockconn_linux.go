//go:build linux

package postgres

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// blockingSupported: this platform has blockConn.
const blockingSupported = true

// blockConn is a TCP or Unix socket that its caller's goroutine waits on
// in the kernel, as a C client does: a Read that finds nothing to read
// waits in ppoll(2) on the calling thread, instead of parking the
// goroutine on Go's netpoller. A round trip then costs the client one
// thread sleep and wake-up, where the netpoller adds a wake-up of the
// thread that polls, and, at low concurrency, of an idle P's thread and
// of the sysmon thread (bench/PARITY.md).
//
// The socket stays non-blocking: a read follows a ppoll that said the
// socket is readable, and a write that fills the send buffer waits in
// ppoll for room. Every wait also watches an eventfd that SetDeadline and
// Close signal, so that deadlines and Close interrupt a call in flight as
// on a net.Conn, and a timed-out conn can be used again after its
// deadline is extended. The deadline is the wait's ppoll timeout.
//
// A wait can be bounded further, for one call, by arm: after the armed
// time the conn calls slow once (in the waiting goroutine) and waits on.
// A Session uses it to hand a call's own context to its watcher only
// when the call takes that long (see Session.begin).
type blockConn struct {
	fd, efd       int
	laddr, raddr  net.Addr
	network       string
	state         atomic.Int64 // references in use, and closedBit
	rdl, wdl      atomic.Int64 // deadlines, Unix ns; 0 = none
	slowAt        atomic.Int64 // Unix ns when a wait calls slow; 0 = not armed
	yielded       atomic.Int64 // Unix ns of the last runtime.Gosched before a wait
	slow          func()       // set once, before the first arm
	rfds, wfds    [2]pollFd    // Read's and Write's ppoll sets
	signalPayload [8]byte      // what SetDeadline and Close write to efd
	drain         [8]byte      // what a wait reads from efd
}

// pollFd is struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn  = 0x1
	pollOut = 0x4
	pollErr = 0x8
	pollHup = 0x10

	efdSemaphore = 0x1
	closedBit    = 1 << 62
)

// newBlockConn takes over c's socket when c is a *net.TCPConn or a
// *net.UnixConn: it duplicates the descriptor, closes c (which takes the
// socket off the netpoller; the duplicate keeps the connection open) and
// returns the blockConn. Any other conn (a test's pipe, say) is returned
// as it is.
func newBlockConn(c net.Conn) (net.Conn, error) {
	var sc syscall.RawConn
	switch t := c.(type) {
	case *net.TCPConn:
		var err error
		if sc, err = t.SyscallConn(); err != nil {
			return c, nil
		}
	case *net.UnixConn:
		var err error
		if sc, err = t.SyscallConn(); err != nil {
			return c, nil
		}
	default:
		return c, nil
	}
	fd := -1
	var dupErr error
	if err := sc.Control(func(f uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, f, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			dupErr = os.NewSyscallError("fcntl", e)
			return
		}
		fd = int(r)
	}); err != nil {
		return c, nil
	}
	if dupErr != nil {
		c.Close()
		return nil, dupErr
	}
	efd, _, e := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK|efdSemaphore, 0)
	if e != 0 {
		syscall.Close(fd)
		c.Close()
		return nil, os.NewSyscallError("eventfd2", e)
	}
	bc := &blockConn{fd: fd, efd: int(efd), laddr: c.LocalAddr(), raddr: c.RemoteAddr(), network: c.LocalAddr().Network()}
	binary.NativeEndian.PutUint64(bc.signalPayload[:], 2)
	bc.rfds = [2]pollFd{{fd: int32(fd), events: pollIn}, {fd: int32(efd), events: pollIn}}
	bc.wfds = [2]pollFd{{fd: int32(fd), events: pollOut}, {fd: int32(efd), events: pollIn}}
	// The duplicate shares the open file description: it stays
	// non-blocking, with Go's socket options (TCP_NODELAY, keepalive).
	c.Close()
	return bc, nil
}

// asBlockConn returns c as a *blockConn, or nil.
func asBlockConn(c net.Conn) *blockConn {
	bc, _ := c.(*blockConn)
	return bc
}

// acquire takes a reference for one operation: false once the conn is
// closed.
func (c *blockConn) acquire() bool {
	if c.state.Add(1)&closedBit != 0 {
		c.release()
		return false
	}
	return true
}

// release drops a reference; the last one after Close closes the
// descriptors, so that no operation ever uses a number the kernel has
// given to another file.
func (c *blockConn) release() {
	if c.state.Add(-1) == closedBit {
		syscall.Close(c.fd)
		syscall.Close(c.efd)
	}
}

// signal wakes every wait in progress, to look at the deadlines and the
// closed bit again. The eventfd counts in semaphore mode: a wait takes
// one, a Read and a Write may wait at once, so 2 per signal; one left
// over wakes a later wait once, which then waits again.
func (c *blockConn) signal() {
	syscall.Write(c.efd, c.signalPayload[:])
}

func (c *blockConn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Source: c.laddr, Addr: c.raddr, Err: err}
}

// wait blocks until fds[0] is ready, the deadline dl passes, or the conn
// is closed.
func (c *blockConn) wait(op string, fds *[2]pollFd, dl *atomic.Int64) error {
	for {
		if c.state.Load()&closedBit != 0 {
			return c.opErr(op, net.ErrClosed)
		}
		until := dl.Load()
		slowAt := c.slowAt.Load()
		d := int64(maxWait)
		if until != 0 || slowAt != 0 {
			end := until
			if slowAt != 0 && (end == 0 || slowAt < end) {
				end = slowAt
			}
			left := end - time.Now().UnixNano()
			if left <= 0 {
				if end == until {
					return c.opErr(op, os.ErrDeadlineExceeded)
				}
				if c.slowAt.CompareAndSwap(slowAt, 0) && c.slow != nil {
					c.slow()
				}
				continue
			}
			d = min(d, left)
		}
		ts := syscall.NsecToTimespec(d)
		c.yield()
		fds[0].revents, fds[1].revents = 0, 0
		n, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), 2, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		switch {
		case e == syscall.EINTR || n == 0:
			continue // a signal, or the timeout: the loop looks at the clock
		case e != 0:
			return c.opErr(op, os.NewSyscallError("ppoll", e))
		}
		if fds[1].revents != 0 {
			syscall.Read(c.efd, c.drain[:]) // one wake-up: look again
			if fds[0].revents == 0 {
				continue
			}
		}
		if fds[0].revents != 0 {
			return nil
		}
	}
}

// maxWait bounds one ppoll: a longer wait is several system calls. The
// runtime's sysmon takes the P of a goroutine that has been in the same
// system call for 10 ms (when it next looks, at most every 10 ms), and
// the call then ends on the slow path (another P, a futex wake-up of
// sysmon); a new call starts that count again.
const maxWait = 4 * time.Millisecond

// yieldEvery is how often a wait passes through the Go scheduler
// first; it must be well under the runtime's 10 ms preemption slice.
const yieldEvery = 4 * time.Millisecond

// yield calls runtime.Gosched when the last call is yieldEvery ago. A
// goroutine that only computes and makes system calls is never
// rescheduled, and once it has run 10 ms on the same scheduler tick, Go's
// sysmon (1.26) takes its P at every system call longer than sysmon's
// 20 µs tick: that call then ends on the slow path (another P, and a
// futex wake-up of sysmon, which had gone to sleep with every P idle),
// and sysmon naps on at 20 µs. Measured at 1 client: one such steal per
// round trip. A Gosched now and then starts a new tick.
func (c *blockConn) yield() {
	now := time.Now().UnixNano()
	if now-c.yielded.Load() < int64(yieldEvery) {
		return
	}
	c.yielded.Store(now)
	runtime.Gosched()
}

// Read waits until the socket is readable (see blockConn) and reads.
func (c *blockConn) Read(b []byte) (int, error) {
	if !c.acquire() {
		return 0, c.opErr("read", net.ErrClosed)
	}
	defer c.release()
	if len(b) == 0 {
		return 0, nil
	}
	for {
		if err := c.wait("read", &c.rfds, &c.rdl); err != nil {
			return 0, err
		}
		n, err := syscall.Read(c.fd, b)
		switch {
		case err == syscall.EAGAIN || err == syscall.EINTR:
			continue
		case err != nil:
			return 0, c.opErr("read", os.NewSyscallError("read", err))
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of b, waiting for room in the send buffer when it
// is full.
func (c *blockConn) Write(b []byte) (int, error) {
	if !c.acquire() {
		return 0, c.opErr("write", net.ErrClosed)
	}
	defer c.release()
	written := 0
	for written < len(b) {
		if until := c.wdl.Load(); until != 0 && until <= time.Now().UnixNano() {
			return written, c.opErr("write", os.ErrDeadlineExceeded)
		}
		n, err := syscall.Write(c.fd, b[written:])
		switch {
		case err == syscall.EAGAIN:
			if err := c.wait("write", &c.wfds, &c.wdl); err != nil {
				return written, err
			}
			continue
		case err == syscall.EINTR:
			continue
		case err != nil:
			return written, c.opErr("write", os.NewSyscallError("write", err))
		}
		written += n
	}
	return written, nil
}

// Close closes the conn: a Read or Write in progress returns
// net.ErrClosed at once, and the descriptors close when the last of them
// has returned.
func (c *blockConn) Close() error {
	for {
		s := c.state.Load()
		if s&closedBit != 0 {
			return c.opErr("close", net.ErrClosed)
		}
		// Closed, and a reference of Close's own for the signal.
		if c.state.CompareAndSwap(s, (s|closedBit)+1) {
			break
		}
	}
	c.signal()
	c.release()
	return nil
}

func (c *blockConn) LocalAddr() net.Addr  { return c.laddr }
func (c *blockConn) RemoteAddr() net.Addr { return c.raddr }

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if n := t.UnixNano(); n > 0 {
		return n
	}
	return 1 // long past
}

func (c *blockConn) setDeadlines(r, w bool, t time.Time) error {
	if !c.acquire() {
		return c.opErr("set deadline", net.ErrClosed)
	}
	defer c.release()
	n := unixNano(t)
	earlier := false
	if r {
		old := c.rdl.Swap(n)
		earlier = n != 0 && (old == 0 || n < old)
	}
	if w {
		old := c.wdl.Swap(n)
		earlier = earlier || n != 0 && (old == 0 || n < old)
	}
	// A wait sleeps until the deadline it saw at most: only an earlier
	// one must wake it. A later or cleared one is found when it wakes.
	if earlier {
		c.signal()
	}
	return nil
}

func (c *blockConn) SetDeadline(t time.Time) error      { return c.setDeadlines(true, true, t) }
func (c *blockConn) SetReadDeadline(t time.Time) error  { return c.setDeadlines(true, false, t) }
func (c *blockConn) SetWriteDeadline(t time.Time) error { return c.setDeadlines(false, true, t) }

// arm bounds the waits from now on: at Unix ns at (> 0) a wait calls
// the conn's slow function once, then waits on. disarm ends it.
func (c *blockConn) arm(at int64) { c.slowAt.Store(at) }
func (c *blockConn) disarm()      { c.slowAt.Store(0) }
