package provision

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// probe connects to the server of kind at addr and reports whether it
// serves requests, speaking just enough of its protocol: no client
// library, so nothing logs and no password is needed. ctx bounds it.
func probe(ctx context.Context, kind Kind, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
	}
	switch kind {
	case Postgres:
		return probePostgres(conn)
	case Redis:
		return probeRedis(conn)
	case Mongo:
		return probeMongo(conn)
	}
	return fmt.Errorf("no readiness probe for kind %q", kind)
}

// postgresStartup is a protocol 3.0 StartupMessage for User on Database.
func postgresStartup() []byte {
	var body bytes.Buffer
	body.Write([]byte{0, 3, 0, 0}) // protocol 3.0
	for _, s := range []string{"user", User, "database", Database} {
		body.WriteString(s)
		body.WriteByte(0)
	}
	body.WriteByte(0)
	msg := binary.BigEndian.AppendUint32(nil, uint32(4+body.Len()))
	return append(msg, body.Bytes()...)
}

// probePostgres sends a startup message: a server that will serve the
// session answers with an authentication request ('R'); one that is
// starting up, recovering or shutting down answers with an error ('E',
// SQLSTATE 57P03 and the like).
func probePostgres(conn net.Conn) error {
	if _, err := conn.Write(postgresStartup()); err != nil {
		return err
	}
	var hdr [5]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return fmt.Errorf("postgres startup: %w", err)
	}
	switch hdr[0] {
	case 'R':
		return nil
	case 'E':
		n := binary.BigEndian.Uint32(hdr[1:]) - 4
		if n > 8<<10 {
			return fmt.Errorf("postgres startup: error message of %d bytes", n)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(conn, body); err != nil {
			return fmt.Errorf("postgres startup: %w", err)
		}
		return fmt.Errorf("postgres startup: %s", postgresError(body))
	}
	return fmt.Errorf("postgres startup: unexpected message type %q", hdr[0])
}

// postgresError renders an ErrorResponse's SQLSTATE and message.
func postgresError(body []byte) string {
	var code, msg string
	for _, f := range bytes.Split(body, []byte{0}) {
		if len(f) < 1 {
			continue
		}
		switch f[0] {
		case 'C':
			code = string(f[1:])
		case 'M':
			msg = string(f[1:])
		}
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", msg, code)
}

// probeRedis sends PING: a server that serves requests answers +PONG;
// one loading its data set answers -LOADING.
func probeRedis(conn net.Conn) error {
	if _, err := io.WriteString(conn, "*1\r\n$4\r\nPING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("redis PING: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line != "+PONG" {
		return fmt.Errorf("redis PING: %q", line)
	}
	return nil
}

// opMsg is the wire protocol's OP_MSG opcode.
const opMsg = 2013

// probeMongo sends hello (OP_MSG): the server is ready when the reply
// has ok 1 and isWritablePrimary true (a MongoDB replica set member
// that has elected itself; FerretDB always says true).
func probeMongo(conn net.Conn) error {
	doc, err := bson.Marshal(bson.D{{Key: "hello", Value: int32(1)}, {Key: "$db", Value: "admin"}})
	if err != nil {
		return err
	}
	msg := make([]byte, 16, 16+4+1+len(doc))
	msg = binary.LittleEndian.AppendUint32(msg, 0) // flag bits
	msg = append(msg, 0)                           // section kind 0: body
	msg = append(msg, doc...)
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.LittleEndian.PutUint32(msg[4:], 1) // request ID
	binary.LittleEndian.PutUint32(msg[12:], opMsg)
	if _, err := conn.Write(msg); err != nil {
		return err
	}
	var hdr [16]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return fmt.Errorf("mongo hello: %w", err)
	}
	n := binary.LittleEndian.Uint32(hdr[0:])
	if n < 16+5 || n > 1<<20 || binary.LittleEndian.Uint32(hdr[12:]) != opMsg {
		return fmt.Errorf("mongo hello: unexpected reply (length %d, opcode %d)", n, binary.LittleEndian.Uint32(hdr[12:]))
	}
	body := make([]byte, n-16)
	if _, err := io.ReadFull(conn, body); err != nil {
		return fmt.Errorf("mongo hello: %w", err)
	}
	if body[4] != 0 {
		return fmt.Errorf("mongo hello: reply section of kind %d", body[4])
	}
	reply := bson.Raw(body[5:])
	if err := reply.Validate(); err != nil {
		return fmt.Errorf("mongo hello: %w", err)
	}
	if ok, _ := reply.Lookup("ok").AsFloat64OK(); ok != 1 {
		return fmt.Errorf("mongo hello: %s", reply.Lookup("errmsg"))
	}
	if primary, _ := reply.Lookup("isWritablePrimary").BooleanOK(); !primary {
		return errors.New("mongo hello: not the writable primary yet")
	}
	return nil
}
