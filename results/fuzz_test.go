package results

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/adler32"
	"io"
	"math"
	"strings"
	"testing"
)

// checkReadError fails unless err is one line naming the input.
func checkReadError(t *testing.T, name string, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, name) || strings.ContainsAny(msg, "\n\r") || len(msg) > len(name)+maxErrorLen+len("…") {
		t.Fatalf("error %q: want one line of at most %d bytes naming %s", msg, maxErrorLen, name)
	}
}

// FuzzRead reads arbitrary bytes as a results file: it must never panic,
// must fail with one line naming the file, and what it accepts must be an
// occbench/v1 file that encodes and reads again, whose histograms decode
// or fail without panicking, and that renders as text, markdown and CSV.
// The seeds have files with and without faults and audit states.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := Encode(&buf, testFile(f)); err != nil {
		f.Fatal(err)
	}
	full := buf.Bytes()
	f.Add(full)
	f.Add(full[:len(full)/2])
	withFaults := mustRead(f, FaultsFixture)
	f.Add(withFaults)
	f.Add(withFaults[:len(withFaults)/3])
	f.Add([]byte(`{"schema": "occbench/v1", "cells": [{"writers": 2, "faults": [{"kind": "pause", "spec": "pause@1s:1s", "at_s": 1, "duration_s": 1, "detect_s": -1, "recover_s": -1, "throughput_drop": 1}],
		"audit": {"store_reset": true, "unavailable": "down", "verdict": "AUDIT UNAVAILABLE: down"}}]}`))
	f.Add([]byte(`{"schema": "occbench/v1", "cells": [{"faults": [{"at_s": "3s"}]}]}`))
	f.Add([]byte(`{"schema": "occbench/v1", "cells": [{"faults": {}, "audit": {"store_reset": 1}}]}`))
	f.Add([]byte(`{"schema": "occbench/v1"}`))
	f.Add([]byte(`{"schema": "occbench/v1", "cells": [{"writers": 8, "histograms": {"committed": "HISTFAAAAB94nJNpmSzMwMDAwwABzFAaxmdkYmIAAGbJAjs="}}]}`))
	f.Add([]byte(`{"schema": "occbench/v1", "environment": {"dsn": "postgres://u:secret@h/db"}, "scenario": {"writers": [1, 8]}}`))
	f.Add([]byte(`{"schema": 1}`))
	f.Add([]byte(`[{"schema": "occbench/v1"}]`))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.json"
		file, err := Read(bytes.NewReader(data), name)
		if err != nil {
			checkReadError(t, name, err)
			return
		}
		if file.Schema != Schema {
			t.Fatalf("read a file of schema %q", file.Schema)
		}
		for i := range file.Cells {
			for _, s := range file.Cells[i].Histograms {
				if _, err := DecodeHistogram(s); err != nil && strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("histogram error %q is not one line", err)
				}
			}
		}
		for _, format := range []string{"text", "markdown", "csv"} {
			if err := Render(io.Discard, file, format); err != nil {
				t.Fatalf("rendering a file Read accepted as %s: %v", format, err)
			}
		}
		var out bytes.Buffer
		if err := Encode(&out, file); err != nil {
			t.Fatalf("Encode of a file Read accepted: %v", err)
		}
		if _, err := Read(&out, name); err != nil {
			t.Fatalf("reading a file Read accepted, encoded again: %v", err)
		}
	})
}

// FuzzDecodeHistogram decodes arbitrary stored histograms: raw bytes in
// base64, and a V2 compressed histogram built from fuzzed header fields
// and payload (which random bytes rarely reach, behind zlib's checksum).
// It must never panic; errors start "histogram: decode: " and are one
// line; what decodes is within the MaxHistogram* bounds and encodes and
// decodes back to itself.
func FuzzDecodeHistogram(f *testing.F) {
	own := NewHistogram()
	for _, v := range []int64{1, 42, 999, 1000, 65_000, HistHighest} {
		if err := own.RecordValue(v); err != nil {
			f.Fatal(err)
		}
	}
	s, err := EncodeHistogram(own)
	if err != nil {
		f.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		f.Fatal(err)
	}
	p := onceEach(1000, 2000, 3000)
	f.Add(raw, int32(3), int64(1), HistHighest, int32(len(p)), p)
	f.Add(stored(3, 1, HistHighest, int32(len(p)), p), int32(3), int64(1), HistHighest, int32(len(p)), p)
	f.Add(craftHistogram(f, 5, 1, math.MaxInt64, int32(len(p)), p), int32(5), int64(1), int64(math.MaxInt64), int32(len(p)), p)
	f.Add(raw[:len(raw)/2], int32(2), int64(1), int64(60_000_000), int32(0), []byte(nil))
	f.Add([]byte{}, int32(3), int64(0), int64(1), int32(-1), []byte{0x01})
	f.Fuzz(func(t *testing.T, raw []byte, figs int32, lowest, highest int64, payloadLen int32, payload []byte) {
		if len(payload) > 60_000 {
			return
		}
		check := func(s string) {
			h, err := DecodeHistogram(s)
			if err != nil {
				if msg := err.Error(); !strings.HasPrefix(msg, "histogram: decode: ") || strings.ContainsAny(msg, "\n\r") {
					t.Fatalf("error %q: want one line starting histogram: decode: ", msg)
				}
				return
			}
			if h.SignificantFigures() > MaxHistogramSigFigs || h.LowestTrackableValue() > MaxHistogramLowest ||
				h.HighestTrackableValue() > MaxHistogramHighest {
				t.Fatalf("decoded %d figures over %d … %d, beyond the bounds", h.SignificantFigures(), h.LowestTrackableValue(), h.HighestTrackableValue())
			}
			_ = LatencyOf(h)
			_ = RetriesOf(h)
			again, err := EncodeHistogram(h)
			if err != nil {
				t.Fatalf("encoding a decoded histogram: %v", err)
			}
			back, err := DecodeHistogram(again)
			if err != nil {
				t.Fatalf("decoding a histogram encoded again: %v", err)
			}
			if !back.Equals(h) {
				t.Fatal("a decoded histogram, encoded and decoded again, differs")
			}
		}
		check(base64.StdEncoding.EncodeToString(raw))
		check(string(raw))
		check(base64.StdEncoding.EncodeToString(stored(figs, lowest, highest, payloadLen, payload)))
	})
}

// stored is craftHistogram with the zlib stream in one stored
// (uncompressed) block: no compressor to allocate, so the fuzzer runs
// faster. len(payload) must be at most 65,495.
func stored(figs int32, lowest, highest int64, payloadLen int32, payload []byte) []byte {
	var inner []byte
	inner = binary.BigEndian.AppendUint32(inner, 0x1c849313)
	inner = binary.BigEndian.AppendUint32(inner, uint32(payloadLen))
	inner = binary.BigEndian.AppendUint32(inner, 0)
	inner = binary.BigEndian.AppendUint32(inner, uint32(figs))
	inner = binary.BigEndian.AppendUint64(inner, uint64(lowest))
	inner = binary.BigEndian.AppendUint64(inner, uint64(highest))
	inner = binary.BigEndian.AppendUint64(inner, math.Float64bits(1))
	inner = append(inner, payload...)
	n := uint16(len(inner))
	z := []byte{0x78, 0x01, 0x01, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)} // zlib header, final stored block, LEN, NLEN
	z = append(z, inner...)
	z = binary.BigEndian.AppendUint32(z, adler32.Checksum(inner))
	out := binary.BigEndian.AppendUint32(nil, 0x1c849314)
	out = binary.BigEndian.AppendUint32(out, uint32(len(z)))
	return append(out, z...)
}

func TestStoredHistogram(t *testing.T) {
	t.Parallel()
	p := onceEach(1000, 2000, 3000)
	h, err := DecodeHistogram(base64.StdEncoding.EncodeToString(stored(3, 1, HistHighest, int32(len(p)), p)))
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 3 || h.Min() != 1000 {
		t.Errorf("stored histogram: %d values, min %d; want 3, 1000", h.TotalCount(), h.Min())
	}
}
