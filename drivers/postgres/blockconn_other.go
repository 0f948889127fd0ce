//go:build !linux

package postgres

import "net"

// blockingSupported: blockConn is Linux's; elsewhere sessions use Go's
// netpoller (TransportNetpoll).
const blockingSupported = false

// blockConn exists only on Linux; on other platforms no value of it is
// ever made, and a session's bc stays nil.
type blockConn struct{ slow func() }

func (c *blockConn) arm(int64) {}
func (c *blockConn) disarm()   {}

func newBlockConn(c net.Conn) (net.Conn, error) { return c, nil }

func asBlockConn(net.Conn) *blockConn { return nil }
