package postgres

import (
	"fmt"
	"strings"

	"github.com/occbench/occbench/drivers"
)

// Table names without a namespace. Setup drops and recreates these two
// and nothing else; with Options.Namespace NS they are NS_occbench_docs
// and NS_occbench_leases (drivers.Prefixed), and the markers of
// multi-runner runs are rows of NS_occbench_meta (metaTable).
const (
	docsTable   = "occbench_docs"
	leasesTable = "occbench_leases"
	metaTable   = "occbench_meta"
)

// tables are the names of one store's tables, in its namespace.
type tables struct {
	docs, leases, meta string
}

// tablesIn returns the tables of namespace ns ("" = the default names).
func tablesIn(ns string) tables {
	return tables{docs: drivers.Prefixed(ns, docsTable), leases: drivers.Prefixed(ns, leasesTable), meta: drivers.Prefixed(ns, metaTable)}
}

// numFixed is the number of columns before the group versions in every
// document read: version, counter, fence, writer, op, updated_at.
const numFixed = 6

// groupSQL holds the statements that name field group g's columns.
type groupSQL struct {
	casDoc    string // $1 id, $2 expected version, $3 payload, $4 writer, $5 op, $6 updated_at
	casGroup  string // same, comparing gvG
	put       string // $1 id, $2 version, $3 counter, $4 gv, $5 payload, $6 writer, $7 op, $8 updated_at
	putFenced string // same, $9 fence
	lockRead  string // $1 id → version, counter, gvG, locked FOR UPDATE [NOWAIT]
	plainRead string // $1 id → version, counter, gvG
}

// statements is every SQL string of one cell, built by Setup.
type statements struct {
	groups     []groupSQL
	read       string // $1 id → all columns
	readFenced string // $1 id, $2 fence → all columns
}

// columnList is "version, counter, …, gv0, …, p0, …" for n groups.
func columnList(n int) string {
	var b strings.Builder
	b.WriteString("version, counter, fence, writer, op, updated_at")
	for g := range n {
		fmt.Fprintf(&b, ", gv%d", g)
	}
	for g := range n {
		fmt.Fprintf(&b, ", p%d", g)
	}
	return b.String()
}

// buildStatements returns the statements for n field groups and the given
// FOR UPDATE mode (nowait: FOR UPDATE NOWAIT).
func buildStatements(t tables, n int, nowait bool) statements {
	cols := columnList(n)
	lock := "FOR UPDATE"
	if nowait {
		lock = "FOR UPDATE NOWAIT"
	}
	st := statements{
		groups:     make([]groupSQL, n),
		read:       "SELECT " + cols + " FROM " + t.docs + " WHERE id = $1",
		readFenced: "UPDATE " + t.docs + " SET fence = $2 WHERE id = $1 AND fence <= $2 RETURNING " + cols,
	}
	for g := range n {
		cas := fmt.Sprintf("UPDATE %s SET version = version + 1, counter = counter + 1, gv%[2]d = gv%[2]d + 1, p%[2]d = $3, writer = $4, op = $5, updated_at = $6 WHERE id = $1 AND ",
			t.docs, g)
		put := fmt.Sprintf("UPDATE %s SET version = $2, counter = $3, gv%[2]d = $4, p%[2]d = $5, writer = $6, op = $7, updated_at = $8",
			t.docs, g)
		read := fmt.Sprintf("SELECT version, counter, gv%d FROM %s WHERE id = $1", g, t.docs)
		st.groups[g] = groupSQL{
			casDoc:    cas + "version = $2",
			casGroup:  cas + fmt.Sprintf("gv%d = $2", g),
			put:       put + " WHERE id = $1",
			putFenced: put + ", fence = $9 WHERE id = $1 AND fence <= $9",
			lockRead:  read + " " + lock,
			plainRead: read,
		}
	}
	return st
}

// setupSQL is the DDL and seeding of one cell.
type setupSQL struct {
	ddl        []string // no parameters
	seedDocs   string   // $1 number of keys, $2 zero payload of one group
	seedLeases string   // $1 number of keys
}

// buildSetup returns the statements that recreate and seed the tables for
// n field groups.
func buildSetup(t tables, n int) setupSQL {
	var def, sel strings.Builder
	for g := range n {
		fmt.Fprintf(&def, ", gv%d bigint NOT NULL", g)
	}
	for g := range n {
		fmt.Fprintf(&def, ", p%d bytea NOT NULL", g)
	}
	sel.WriteString("g, 0, 0, 0, 0, 0, 0")
	for range n {
		sel.WriteString(", 0")
	}
	for range n {
		sel.WriteString(", $2::bytea")
	}
	return setupSQL{
		ddl: []string{
			"DROP TABLE IF EXISTS " + t.docs + ", " + t.leases,
			"CREATE TABLE " + t.docs + " (id bigint PRIMARY KEY, version bigint NOT NULL, counter bigint NOT NULL, fence bigint NOT NULL, writer bigint NOT NULL, op bigint NOT NULL, updated_at bigint NOT NULL" + def.String() + ")",
			"CREATE TABLE " + t.leases + " (id bigint PRIMARY KEY, holder bigint NOT NULL, expires_at timestamptz NOT NULL, fence bigint NOT NULL)",
		},
		seedDocs:   "INSERT INTO " + t.docs + " (id, " + columnList(n) + ") SELECT " + sel.String() + " FROM generate_series(0, $1::bigint - 1) AS g",
		seedLeases: "INSERT INTO " + t.leases + " (id, holder, expires_at, fence) SELECT g, 0, '-infinity', 0 FROM generate_series(0, $1::bigint - 1) AS g",
	}
}

// fixedSQL are the statements that do not depend on the number of
// groups.
type fixedSQL struct {
	totals string
	// $1 id, $2 holder, $3 ttl in microseconds.
	acquire string
	// $1 id, $2 holder, $3 fence, $4 ttl in microseconds.
	extend string
	// $1 id, $2 holder, $3 fence.
	release string
}

// buildFixed returns the statements of t that do not depend on the
// number of groups.
func buildFixed(t tables) fixedSQL {
	return fixedSQL{
		totals: "SELECT count(*), coalesce(sum(counter), 0)::bigint, coalesce(sum(version), 0)::bigint FROM " + t.docs,
		acquire: "UPDATE " + t.leases + " SET holder = $2, expires_at = now() + $3::bigint * interval '1 microsecond', fence = fence + 1 " +
			"WHERE id = $1 AND (holder = 0 OR expires_at <= now()) RETURNING fence",
		extend: "UPDATE " + t.leases + " SET expires_at = now() + $4::bigint * interval '1 microsecond' " +
			"WHERE id = $1 AND holder = $2 AND fence = $3 AND expires_at > now()",
		release: "UPDATE " + t.leases + " SET holder = 0, expires_at = '-infinity' WHERE id = $1 AND holder = $2 AND fence = $3",
	}
}
