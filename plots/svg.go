package plots

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// Styles is a style sheet shared by the SVG charts of one HTML page:
// each distinct style (stroke, fill or font) becomes a class, written
// once for the page, so that a hundred charts do not repeat the same
// declarations on every path and text. Its zero value is not usable: use
// NewStyles. It is not safe for concurrent use.
type Styles struct {
	class map[string]string // declarations → class name
	rules []string          // ".c0{…}" in order of first use
	next  int               // rules already handed out by NewRules
	pfx   string
}

// NewStyles returns an empty style sheet whose classes are named
// prefix0, prefix1, … (prefix "c" when empty); prefix must be a CSS
// identifier.
func NewStyles(prefix string) *Styles {
	if prefix == "" {
		prefix = "c"
	}
	return &Styles{class: map[string]string{}, pfx: prefix}
}

// classOf returns the class of decl, adding a rule for a new one.
func (s *Styles) classOf(decl string) string {
	if c, ok := s.class[decl]; ok {
		return c
	}
	c := s.pfx + strconv.Itoa(len(s.rules))
	s.class[decl] = c
	s.rules = append(s.rules, "."+c+"{"+decl+"}")
	return c
}

// NewRules returns the CSS rules added since the last call, one a line,
// "" when there are none: a page writes them in a <style> element before
// the chart that first used them.
func (s *Styles) NewRules() string {
	if s.next == len(s.rules) {
		return ""
	}
	out := strings.Join(s.rules[s.next:], "\n")
	s.next = len(s.rules)
	return out
}

// Rules returns every rule of the sheet, one a line.
func (s *Styles) Rules() string { return strings.Join(s.rules, "\n") }

// svgCanvas is a vg.Canvas writing compact SVG: coordinates in points
// with one decimal, y pointing down (no flipping group), and the style
// of each element as a class of a shared Styles.
type svgCanvas struct {
	w, h  vg.Length
	buf   bytes.Buffer
	sty   *Styles
	stack []svgState

	// The path element being written: consecutive paths of one class
	// that can share an element (strokes, opaque fills) are written as
	// one, its subpaths after each other.
	open     string   // its class, "" when none is open
	openable bool     // whether a next path of that class may join it
	pos      [2]int64 // current point of the path data, in tenths of a point
	start    [2]int64 // start of the current subpath: the current point after a Z
}

type svgState struct {
	m      affine
	colour color.Color
	width  vg.Length
	dashes []vg.Length
	offset vg.Length
}

// affine maps (x, y) to (a·x + c·y + e, b·x + d·y + f).
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(x, y float64) (float64, float64) {
	return m.a*x + m.c*y + m.e, m.b*x + m.d*y + m.f
}

// then returns m after n: n applied first.
func (m affine) then(n affine) affine {
	return affine{
		a: m.a*n.a + m.c*n.b, b: m.b*n.a + m.d*n.b,
		c: m.a*n.c + m.c*n.d, d: m.b*n.c + m.d*n.d,
		e: m.a*n.e + m.c*n.f + m.e, f: m.b*n.e + m.d*n.f + m.f,
	}
}

func (m affine) det() float64 { return m.a*m.d - m.b*m.c }

var _ vg.CanvasSizer = (*svgCanvas)(nil)

func newSVGCanvas(w, h vg.Length, sty *Styles) *svgCanvas {
	c := &svgCanvas{w: w, h: h, sty: sty}
	// gonum draws with y up from the bottom left corner; SVG has y down.
	c.stack = []svgState{{m: affine{a: 1, d: -1, f: h.Points()}, colour: color.Black, width: 1}}
	return c
}

func (c *svgCanvas) top() *svgState                         { return &c.stack[len(c.stack)-1] }
func (c *svgCanvas) Size() (vg.Length, vg.Length)           { return c.w, c.h }
func (c *svgCanvas) SetLineWidth(w vg.Length)               { c.top().width = w }
func (c *svgCanvas) SetLineDash(d []vg.Length, o vg.Length) { c.top().dashes, c.top().offset = d, o }
func (c *svgCanvas) SetColor(col color.Color) {
	if col == nil {
		col = color.Black
	}
	c.top().colour = col
}

func (c *svgCanvas) Rotate(rad float64) {
	s, co := math.Sincos(rad)
	c.top().m = c.top().m.then(affine{a: co, b: s, c: -s, d: co})
}

func (c *svgCanvas) Translate(pt vg.Point) {
	c.top().m = c.top().m.then(affine{a: 1, d: 1, e: pt.X.Points(), f: pt.Y.Points()})
}

func (c *svgCanvas) Scale(x, y float64) {
	c.top().m = c.top().m.then(affine{a: x, d: y})
}

func (c *svgCanvas) Push() { c.stack = append(c.stack, *c.top()) }

func (c *svgCanvas) Pop() {
	if len(c.stack) > 1 {
		c.stack = c.stack[:len(c.stack)-1]
	}
}

// num formats a coordinate with at most one decimal.
func num(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// hexColour is c as #rrggbb and its opacity (1 when opaque).
func hexColour(c color.Color) (string, float64) {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	s := fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
	if s[1] == s[2] && s[3] == s[4] && s[5] == s[6] {
		s = "#" + s[1:2] + s[3:4] + s[5:6]
	}
	return s, float64(n.A) / 255
}

func (c *svgCanvas) Stroke(p vg.Path) {
	st := c.top()
	scale := math.Sqrt(math.Abs(st.m.det()))
	if st.width <= 0 || len(p) == 0 {
		return
	}
	col, op := hexColour(st.colour)
	decl := "fill:none;stroke:" + col + ";stroke-width:" + num(st.width.Points()*scale)
	if op < 1 {
		decl += ";stroke-opacity:" + strconv.FormatFloat(math.Round(op*100)/100, 'f', -1, 64)
	}
	if len(st.dashes) > 0 {
		ds := make([]string, len(st.dashes))
		for i, d := range st.dashes {
			ds[i] = num(d.Points() * scale)
		}
		decl += ";stroke-dasharray:" + strings.Join(ds, ",")
		if st.offset != 0 {
			decl += ";stroke-dashoffset:" + num(st.offset.Points()*scale)
		}
	}
	c.path(p, decl, true)
}

func (c *svgCanvas) Fill(p vg.Path) {
	if len(p) == 0 {
		return
	}
	col, op := hexColour(c.top().colour)
	decl := "fill:" + col
	if op < 1 {
		decl += ";fill-opacity:" + strconv.FormatFloat(math.Round(op*100)/100, 'f', -1, 64)
	}
	// Translucent fills that overlap must stay separate elements, or the
	// overlap would not be darker.
	c.path(p, decl, op == 1)
}

// path writes p with the style decl, joining the open element when it
// has the same class and both may be joined.
func (c *svgCanvas) path(p vg.Path, decl string, joinable bool) {
	cls := c.sty.classOf(decl)
	if c.open != cls || !c.openable || !joinable {
		c.flush()
		c.buf.WriteString(`<path d="`)
		c.open, c.openable = cls, joinable
		c.pos = [2]int64{}
	}
	c.pathData(p)
}

// flush closes the open path element, if any.
func (c *svgCanvas) flush() {
	if c.open == "" {
		return
	}
	c.buf.WriteString(`" class="` + c.open + `"/>` + "\n")
	c.open = ""
}

// tenths rounds a coordinate to tenths of a point.
func tenths(v float64) int64 { return int64(math.Round(v * 10)) }

// fmtTenths formats a number of tenths: 12.3, -0.5, 4.
func fmtTenths(t int64) string {
	neg := t < 0
	if neg {
		t = -t
	}
	s := strconv.FormatInt(t/10, 10)
	if d := t % 10; d != 0 {
		s += "." + strconv.FormatInt(d, 10)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// pair formats a coordinate pair, with no separator before a minus sign.
func pair(x, y int64) string {
	xs, ys := fmtTenths(x), fmtTenths(y)
	if strings.HasPrefix(ys, "-") {
		return xs + ys
	}
	return xs + "," + ys
}

// moveOrLine writes a move ('M') or line ('L') to the page point (x, y),
// in the shortest of the absolute, relative, horizontal and vertical
// forms. A line to the current point is left out unless keep is set.
func (c *svgCanvas) moveOrLine(cmd byte, x, y float64, keep bool) {
	tx, ty := tenths(x), tenths(y)
	dx, dy := tx-c.pos[0], ty-c.pos[1]
	if cmd == 'L' && dx == 0 && dy == 0 && !keep {
		return
	}
	best := string(cmd) + pair(tx, ty)
	try := func(s string) {
		if len(s) < len(best) {
			best = s
		}
	}
	lower := cmd + ('a' - 'A')
	try(string(lower) + pair(dx, dy))
	if cmd == 'L' {
		if dy == 0 {
			try("H" + fmtTenths(tx))
			try("h" + fmtTenths(dx))
		}
		if dx == 0 {
			try("V" + fmtTenths(ty))
			try("v" + fmtTenths(dy))
		}
	}
	c.buf.WriteString(best)
	c.pos = [2]int64{tx, ty}
	if cmd == 'M' {
		c.start = c.pos
	}
}

// pathData writes p in the canvas's coordinates, with one decimal.
// Arcs stay arcs: the transforms gonum uses (translation, rotation, the
// y flip) keep circles circles. On a polyline, a point less than half a
// point from the last one written, or within a quarter point of the
// straight line on to the next, is left out (the line's end is kept): a
// spectrum of hundreds of points draws no differently.
func (c *svgCanvas) pathData(p vg.Path) {
	m := c.top().m
	scale := math.Sqrt(math.Abs(m.det()))
	var cur [2]float64   // in local coordinates
	var drawn [2]float64 // the last point written, on the page
	pt := func(cmd byte, x, y float64, keep bool) {
		sx, sy := m.apply(x, y)
		c.moveOrLine(cmd, sx, sy, keep)
		drawn = [2]float64{sx, sy}
	}
	// skip reports whether the line to the page point (sx, sy) can be
	// left out: it is within half a point of the last point written, or
	// within a quarter point of the line from there to the next point.
	skip := func(sx, sy float64, next vg.Point) bool {
		if math.Abs(sx-drawn[0]) < 0.5 && math.Abs(sy-drawn[1]) < 0.5 {
			return true
		}
		nx, ny := m.apply(next.X.Points(), next.Y.Points())
		dx, dy := nx-drawn[0], ny-drawn[1]
		l := math.Hypot(dx, dy)
		if l < 0.5 {
			return false
		}
		// Distance from the chord, and on it (not past either end).
		t := ((sx-drawn[0])*dx + (sy-drawn[1])*dy) / (l * l)
		return t > 0 && t < 1 && math.Abs((sx-drawn[0])*dy-(sy-drawn[1])*dx)/l < 0.25
	}
	arc := func(cx, cy, r, from, angle float64) {
		// SVG's sweep flag is the direction of increasing angle on the
		// page; a reflection (negative determinant) reverses it.
		sweep := (angle > 0) == (m.det() > 0)
		large := math.Abs(angle) >= math.Pi
		s, co := math.Sincos(from + angle)
		x, y := cx+r*co, cy+r*s
		sx, sy := m.apply(x, y)
		tx, ty := tenths(sx), tenths(sy)
		rs := fmtTenths(tenths(r * scale))
		fmt.Fprintf(&c.buf, "a%s,%s 0 %d %d %s", rs, rs, b2i(large), b2i(sweep), pair(tx-c.pos[0], ty-c.pos[1]))
		c.pos = [2]int64{tx, ty}
		cur = [2]float64{x, y}
		drawn = [2]float64{sx, sy}
	}
	for i, comp := range p {
		x, y := comp.Pos.X.Points(), comp.Pos.Y.Points()
		last := i == len(p)-1 || p[i+1].Type != vg.LineComp
		switch comp.Type {
		case vg.MoveComp:
			pt('M', x, y, true)
			cur = [2]float64{x, y}
		case vg.LineComp:
			cur = [2]float64{x, y}
			if !last {
				if sx, sy := m.apply(x, y); skip(sx, sy, p[i+1].Pos) {
					continue
				}
			}
			pt('L', x, y, last)
		case vg.ArcComp:
			r := comp.Radius.Points()
			s, co := math.Sincos(comp.Start)
			x0, y0 := x+r*co, y+r*s
			if x0 != cur[0] || y0 != cur[1] {
				if i == 0 {
					pt('M', x0, y0, true)
				} else {
					pt('L', x0, y0, true)
				}
			}
			if math.Abs(comp.Angle) >= 2*math.Pi {
				// SVG cannot draw a full circle in one arc.
				half := math.Copysign(math.Pi, comp.Angle)
				arc(x, y, r, comp.Start, half)
				arc(x, y, r, comp.Start+half, half)
			} else {
				arc(x, y, r, comp.Start, comp.Angle)
			}
		case vg.CurveComp:
			cmd := byte('Q')
			if len(comp.Control) == 2 {
				cmd = 'C'
			}
			c.buf.WriteByte(cmd)
			for i, cp := range comp.Control {
				sx, sy := m.apply(cp.X.Points(), cp.Y.Points())
				if i > 0 {
					c.buf.WriteByte(' ')
				}
				c.buf.WriteString(pair(tenths(sx), tenths(sy)))
			}
			sx, sy := m.apply(x, y)
			c.buf.WriteString(" " + pair(tenths(sx), tenths(sy)))
			c.pos = [2]int64{tenths(sx), tenths(sy)}
			cur = [2]float64{x, y}
			drawn = [2]float64{sx, sy}
		case vg.CloseComp:
			c.buf.WriteByte('Z')
			c.pos = c.start
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fontDecl is the CSS of a font face: the typeface and variant
// ("Liberation Sans"), with generic fallbacks, and its size.
func fontDecl(f font.Font, size float64, col color.Color) string {
	family := strings.TrimSpace(string(f.Typeface) + " " + string(f.Variant))
	fallback := "Arial,Helvetica,sans-serif" // metric-compatible with Liberation Sans
	switch f.Variant {
	case "Serif":
		fallback = "Times New Roman,serif"
	case "Mono":
		fallback = "Courier New,monospace"
	}
	hex, op := hexColour(col)
	decl := "font-family:" + family + "," + fallback + ";font-size:" + num(size) + "px;fill:" + hex
	if op < 1 {
		decl += ";fill-opacity:" + strconv.FormatFloat(math.Round(op*100)/100, 'f', -1, 64)
	}
	if f.Weight >= 600 {
		decl += ";font-weight:bold"
	}
	if f.Style != 0 {
		decl += ";font-style:italic"
	}
	return decl
}

func (c *svgCanvas) FillString(f font.Face, pt vg.Point, text string) {
	if f.Font.Size <= 0 || text == "" {
		return
	}
	c.flush()
	m := c.top().m
	scale := math.Sqrt(math.Abs(m.det()))
	x, y := m.apply(pt.X.Points(), pt.Y.Points())
	cls := c.sty.classOf(fontDecl(f.Font, f.Font.Size.Points()*scale, c.top().colour))
	// The baseline's direction on the page.
	bx, by := m.a, m.b
	rot := ""
	if deg := math.Atan2(by, bx) * 180 / math.Pi; math.Abs(deg) > 0.01 {
		rot = ` transform="rotate(` + num(deg) + "," + num(x) + "," + num(y) + `)"`
	}
	fmt.Fprintf(&c.buf, `<text x="%s" y="%s"%s class="%s">%s</text>`+"\n", num(x), num(y), rot, cls, html.EscapeString(text))
}

func (c *svgCanvas) DrawImage(r vg.Rectangle, img image.Image) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(fmt.Errorf("plots: svg: encoding an image: %w", err))
	}
	c.flush()
	m := c.top().m
	x0, y0 := m.apply(r.Min.X.Points(), r.Min.Y.Points())
	x1, y1 := m.apply(r.Max.X.Points(), r.Max.Y.Points())
	fmt.Fprintf(&c.buf, `<image x="%s" y="%s" width="%s" height="%s" preserveAspectRatio="none" href="data:image/png;base64,%s"/>`+"\n",
		num(math.Min(x0, x1)), num(math.Min(y0, y1)), num(math.Abs(x1-x0)), num(math.Abs(y1-y0)), base64.StdEncoding.EncodeToString(b.Bytes()))
}
