package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long Serve waits for scrapes in flight when
// its context ends.
const ShutdownTimeout = 5 * time.Second

// Serve listens on addr (the value of --metrics-addr, e.g. ":9100" or
// "127.0.0.1:0") and serves h until ctx ends, then shuts the server down,
// letting scrapes in flight finish. It returns the address it is bound
// to once listening. To learn how serving ended, use ServeOn.
func Serve(ctx context.Context, addr string, h http.Handler) (boundAddr string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("--metrics-addr %q: %w", addr, err)
	}
	ServeOn(ctx, ln, h)
	return ln.Addr().String(), nil
}

// ServeOn serves h on ln until ctx ends, then shuts down (bounded by
// ShutdownTimeout) and closes ln. The channel receives one value when the
// server has stopped: nil after a clean shutdown, else the error.
func ServeOn(ctx context.Context, ln net.Listener, h http.Handler) <-chan error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	go func() {
		select {
		case err := <-served: // the listener failed
			done <- fmt.Errorf("metrics: serve %s: %w", ln.Addr(), err)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
			defer cancel()
			err := srv.Shutdown(sctx)
			if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
				err = serr
			}
			if err != nil {
				err = fmt.Errorf("metrics: shutdown %s: %w", ln.Addr(), err)
			}
			done <- err
		}
	}()
	return done
}
