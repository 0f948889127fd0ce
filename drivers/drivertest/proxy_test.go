package drivertest

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip writes b and reads it back within d.
func roundTrip(c net.Conn, b string, d time.Duration) error {
	c.SetDeadline(time.Now().Add(d))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, b); err != nil {
		return err
	}
	buf := make([]byte, len(b))
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != b {
		return errors.New("echoed " + string(buf))
	}
	return nil
}

func TestProxy(t *testing.T) {
	addr := echoServer(t)
	p := NewProxy(t)
	ctx := context.Background()
	c, err := p.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := roundTrip(c, "up", 5*time.Second); err != nil {
		t.Fatalf("up: %v", err)
	}

	p.Pause()
	if err := roundTrip(c, "paused", 100*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("paused: %v, want a timeout", err)
	}
	p.Up()
	buf := make([]byte, len("paused"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "paused" {
		t.Fatalf("after Up the held bytes arrive: %q, %v", buf, err)
	}

	p.Cut()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(buf); err == nil {
		t.Fatal("read on a cut connection succeeded")
	}
	c2, err := p.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := roundTrip(c2, "again", 5*time.Second); err != nil {
		t.Fatalf("new connection after Cut: %v", err)
	}
	// A client dialing the address it is connected to reaches the server.
	c3, err := p.Dial(ctx, "tcp", c2.RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if err := roundTrip(c3, "self", 5*time.Second); err != nil {
		t.Fatalf("dialing the proxy's own address: %v", err)
	}

	p.Down()
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c2.Read(buf); err == nil {
		t.Fatal("read on a connection of a downed proxy succeeded")
	}
	_, err = p.Dial(ctx, "tcp", addr)
	if !errors.Is(err, syscall.ECONNREFUSED) || drivers.MayHaveCommitted(err) {
		t.Fatalf("dial while down: %v, want ECONNREFUSED, a dial error", err)
	}

	p.Blackhole()
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := p.Dial(dctx, "tcp", addr); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial while blackholed: %v, want the context's deadline", err)
	}
	if took := time.Since(start); took < 100*time.Millisecond || took > 5*time.Second {
		t.Errorf("blackholed dial returned after %v, want at its deadline", took)
	}
	if n := p.Dials(); n != 5 {
		t.Errorf("Dials = %d, want 5", n)
	}
}
