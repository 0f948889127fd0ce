package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/occbench/occbench/drivers"
)

var (
	_ drivers.Attacher    = (*Store)(nil)
	_ drivers.Coordinator = (*Store)(nil)
)

// Attach prepares the store for a cell of spec that another runner set
// up (its tables exist and are seeded): it builds the cell's statements
// as Setup does and touches no table.
func (s *Store) Attach(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("postgres: attach: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: attach: %w", err)
	}
	s.prepare(spec)
	return nil
}

// Mark sets marker name to value: a row of the namespace's
// occbench_meta table, which it creates when missing.
func (s *Store) Mark(ctx context.Context, name, value string) error {
	c, err := s.fresh(ctx, "mark")
	if err != nil {
		return err
	}
	defer c.Release()
	create := "CREATE TABLE IF NOT EXISTS " + s.tables.meta + " (name text PRIMARY KEY, value text NOT NULL)"
	if _, err := c.Exec(ctx, create, pgx.QueryExecModeSimpleProtocol); err != nil && !alreadyCreated(err) {
		return fmt.Errorf("postgres: mark %q: %w", name, err)
	}
	upsert := "INSERT INTO " + s.tables.meta + " (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
	if _, err := c.Exec(ctx, upsert, pgx.QueryExecModeExec, name, value); err != nil {
		return fmt.Errorf("postgres: mark %q: %w", name, err)
	}
	return nil
}

// Marks returns the markers whose name starts with prefix; none when
// the meta table does not exist yet.
func (s *Store) Marks(ctx context.Context, prefix string) (map[string]string, error) {
	c, err := s.fresh(ctx, "marks")
	if err != nil {
		return nil, err
	}
	defer c.Release()
	q := "SELECT name, value FROM " + s.tables.meta + " WHERE starts_with(name, $1)"
	rows, err := c.Query(ctx, q, pgx.QueryExecModeExec, prefix)
	if err != nil {
		if undefinedTable(err) {
			return map[string]string{}, nil
		}
		return nil, fmt.Errorf("postgres: marks %q: %w", prefix, err)
	}
	out := map[string]string{}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: marks %q: %w", prefix, err)
		}
		out[n] = v
	}
	if err := rows.Err(); err != nil {
		if undefinedTable(err) {
			return map[string]string{}, nil
		}
		return nil, fmt.Errorf("postgres: marks %q: %w", prefix, err)
	}
	return out, nil
}

// ClearMarks deletes every marker of the namespace.
func (s *Store) ClearMarks(ctx context.Context) error {
	c, err := s.fresh(ctx, "clear marks")
	if err != nil {
		return err
	}
	defer c.Release()
	if _, err := c.Exec(ctx, "DELETE FROM "+s.tables.meta, pgx.QueryExecModeSimpleProtocol); err != nil && !undefinedTable(err) {
		return fmt.Errorf("postgres: clear marks: %w", err)
	}
	return nil
}

// Now reads the server's clock (clock_timestamp(): the time of the
// call, not of the transaction).
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	c, err := s.fresh(ctx, "now")
	if err != nil {
		return time.Time{}, err
	}
	defer c.Release()
	var t time.Time
	if err := c.QueryRow(ctx, "SELECT clock_timestamp()", pgx.QueryExecModeExec).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("postgres: now: %w", err)
	}
	return t, nil
}

// alreadyCreated: a concurrent CREATE TABLE IF NOT EXISTS won the race
// (PostgreSQL reports it on its catalogue's unique index).
func alreadyCreated(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "23505" || pg.Code == "42P07")
}

func undefinedTable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42P01"
}
