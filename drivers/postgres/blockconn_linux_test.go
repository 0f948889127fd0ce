//go:build linux

package postgres

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// blockPair returns a blockConn and the other end of its TCP
// connection, a plain net.Conn; both are closed at cleanup.
func blockPair(t *testing.T) (*blockConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	local, remote := c.LocalAddr(), c.RemoteAddr()
	nc, err := newBlockConn(c)
	if err != nil {
		t.Fatal(err)
	}
	bc, ok := nc.(*blockConn)
	if !ok {
		t.Fatalf("newBlockConn(%T) = %T, want *blockConn", c, nc)
	}
	if bc.LocalAddr().String() != local.String() || bc.RemoteAddr().String() != remote.String() {
		t.Errorf("addresses %v → %v, want %v → %v", bc.LocalAddr(), bc.RemoteAddr(), local, remote)
	}
	peer, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { bc.Close(); peer.Close() })
	return bc, peer
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &ne) && ne.Timeout()
}

// TestBlockConnEcho: bytes go both ways, a write larger than the
// socket buffers completes while the peer reads slowly, and the peer's
// close is io.EOF.
func TestBlockConnEcho(t *testing.T) {
	bc, peer := blockPair(t)
	if n, err := bc.Write([]byte("ping")); n != 4 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	buf := make([]byte, 16)
	if n, err := io.ReadFull(peer, buf[:4]); n != 4 || err != nil || string(buf[:4]) != "ping" {
		t.Fatalf("peer read %q, %v", buf[:n], err)
	}
	if _, err := peer.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(bc, buf[:4]); n != 4 || err != nil || string(buf[:4]) != "pong" {
		t.Fatalf("Read %q, %v", buf[:n], err)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: fills the buffers
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(peer, int64(len(big))))
		got <- b
	}()
	if n, err := bc.Write(big); n != len(big) || err != nil {
		t.Fatalf("big Write = %d, %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("peer got %d bytes, not the %d written", len(b), len(big))
	}

	peer.Close()
	if n, err := bc.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v; want 0, io.EOF", n, err)
	}
}

// TestBlockConnDeadline: a past deadline fails Read and Write with a
// timeout, whether it was set before the call or while the call waits;
// cleared, the conn works again.
func TestBlockConnDeadline(t *testing.T) {
	bc, peer := blockPair(t)
	buf := make([]byte, 8)
	if err := bc.SetDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.Read(buf); !isTimeout(err) {
		t.Fatalf("Read past the deadline: %v, want a timeout", err)
	}
	if _, err := bc.Write(buf); !isTimeout(err) {
		t.Fatalf("Write past the deadline: %v, want a timeout", err)
	}

	// Set while Read waits (or just before it starts: the same result).
	if err := bc.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := bc.Read(buf)
		done <- err
	}()
	if err := bc.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !isTimeout(err) {
		t.Fatalf("Read interrupted by its deadline: %v, want a timeout", err)
	}

	// A deadline in the near future ends a Read that gets nothing.
	if err := bc.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.Read(buf); !isTimeout(err) {
		t.Fatalf("Read with nothing to read: %v, want a timeout", err)
	}

	if err := bc.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Write([]byte("again")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(bc, buf[:5]); err != nil || string(buf[:n]) != "again" {
		t.Fatalf("Read after the deadline was cleared: %q, %v", buf[:n], err)
	}
}

// TestBlockConnClose: Close ends a Read in progress (or about to start)
// with net.ErrClosed, and every later call fails the same way.
func TestBlockConnClose(t *testing.T) {
	bc, _ := blockPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := bc.Read(make([]byte, 8))
		done <- err
	}()
	if err := bc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read ended by Close: %v, want net.ErrClosed", err)
	}
	if _, err := bc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}
	if err := bc.SetDeadline(time.Time{}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("SetDeadline after Close: %v, want net.ErrClosed", err)
	}
	if err := bc.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
	if bc.state.Load() != closedBit {
		t.Errorf("state %#x after Close, want closed and no reference", bc.state.Load())
	}
}

// TestBlockConnSlow: an armed wait calls slow once when the armed time
// passes, and goes on waiting for the data; disarmed, it never does.
func TestBlockConnSlow(t *testing.T) {
	bc, peer := blockPair(t)
	var calls atomic.Int32
	bc.slow = func() {
		if calls.Add(1) == 1 {
			peer.Write([]byte("late"))
		}
	}
	buf := make([]byte, 8)
	bc.arm(time.Now().UnixNano()) // due at once: the data comes after slow
	if n, err := io.ReadFull(bc, buf[:4]); err != nil || string(buf[:n]) != "late" {
		t.Fatalf("armed Read = %q, %v", buf[:n], err)
	}
	if c := calls.Load(); c != 1 {
		t.Fatalf("slow called %d times, want 1", c)
	}
	bc.disarm()
	if _, err := peer.Write([]byte("soon")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(bc, buf[:4]); err != nil || string(buf[:n]) != "soon" {
		t.Fatalf("disarmed Read = %q, %v", buf[:n], err)
	}
	if c := calls.Load(); c != 1 {
		t.Fatalf("slow called %d times in all, want 1", c)
	}
}

// TestNewBlockConnOther: a conn that is not a socket stays as it is.
func TestNewBlockConnOther(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if c, err := newBlockConn(a); c != a || err != nil {
		t.Fatalf("newBlockConn(pipe) = %T, %v; want the pipe", c, err)
	}
}

// BenchmarkBlockConnRoundTrip: one request and answer over loopback,
// with an armed slow bound as a session's call has; no allocation.
func BenchmarkBlockConnRoundTrip(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	nc, err := newBlockConn(c)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	bc := nc.(*blockConn)
	bc.slow = func() {}
	msg, buf := make([]byte, 64), make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		bc.arm(time.Now().Add(time.Hour).UnixNano())
		if _, err := bc.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(bc, buf); err != nil {
			b.Fatal(err)
		}
		bc.disarm()
	}
}
