package report

import "html/template"

// pageTemplate is the HTML report, in the pieces HTML writes one after
// the other: "top" (head, banners, environment, scenario, summary,
// thresholds), "sweeps", a "figure" per sweep chart and "sweepsEnd" when
// there are sweep charts, "gap", "cells", a "cell" per section and
// "cellsEnd" when a cell ran, then "bottom". Everything the page needs is
// inline: no script, font, image or stylesheet is loaded from anywhere.
var pageTemplate = template.Must(template.New("report").Parse(`{{define "top"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{{.Generator}}">
<title>{{.Title}}</title>
<style>
:root {
  --ink: #202124; --muted: #5f6368; --line: #dadce0; --soft: #f1f3f4;
  --ok: #137333; --ok-bg: #e6f4ea; --ok-line: #a8d5b5;
  --amber: #7a4b00; --amber-bg: #fef3d6; --amber-line: #f2cf74;
  --red: #b3261e; --red-bg: #fce8e6;
  --grey: #5f6368; --grey-bg: #eceff1;
  --void: #5b2c83; --void-bg: #f1e9f8; --void-line: #c9aee3;
}
* { box-sizing: border-box; }
html { background: #f6f7f9; }
body { margin: 0; color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1380px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 26px; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 0; }
h4 { font-size: 14px; margin: 0 0 6px; }
p { margin: 0 0 10px; }
.meta { color: var(--muted); margin: 2px 0 10px; }
nav { font-size: 14px; margin-bottom: 8px; }
nav a { color: #1a5fb4; text-decoration: none; margin-right: 14px; }
nav a:hover, td a:hover { text-decoration: underline; }
code, .mono, dd { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
.banner { border-radius: 8px; padding: 14px 18px; margin: 12px 0; border: 1px solid transparent; }
.banner h2 { font-size: 18px; margin: 0; }
.banner ul { margin: 8px 0 0; padding-left: 22px; }
.banner li { margin: 2px 0; }
.banner.bad { background: var(--red); color: #fff; box-shadow: 0 2px 6px rgba(179, 38, 30, .35); }
.banner.bad h2::before { content: "\2716\00a0\00a0"; }
.banner.good { background: var(--ok-bg); color: var(--ok); border-color: var(--ok-line); }
.banner.good h2::before { content: "\2714\00a0\00a0"; }
.banner.warn { background: var(--amber-bg); color: var(--amber); border-color: var(--amber-line); }
.banner.warn h2::before { content: "\26a0\00a0\00a0"; }
.banner.fail { background: #fff1ef; color: var(--red); border-color: #f2b8b5; border-left: 6px solid var(--red); }
.banner.fail h2::before { content: "\2716\00a0\00a0"; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
.hint { color: var(--muted); font-size: 14px; }
dl.kv { margin: 0; column-gap: 32px; }
dl.kv.c2 { columns: 2; }
dl.kv.c3 { columns: 3; }
dl.kv > div { display: grid; grid-template-columns: 12.5em 1fr; gap: 12px; align-items: baseline; padding: 3px 0; border-bottom: 1px solid var(--soft); break-inside: avoid; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 9px; text-align: left; white-space: nowrap; border-bottom: 1px solid #ebedf0; }
th { background: #f8f9fa; border-bottom: 2px solid var(--line); font-weight: 600; }
th.num, td.num { text-align: right; }
td a { color: inherit; text-decoration: none; border-bottom: 1px dotted #9aa0a6; }
tbody tr:hover td { background: #f8fafd; }
tr.unexpected td { background: var(--red-bg); }
tr.unexpected:hover td { background: #f9d9d6; }
tr.skipped td { color: var(--grey); }
tr.reset td, tr.unavailable td { background: var(--void-bg); }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 600; font-size: 12.5px; white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.expected { background: var(--amber-bg); color: var(--amber); border: 1px solid var(--amber-line); }
.badge.unexpected { background: var(--red); color: #fff; }
.badge.skipped { background: var(--grey-bg); color: var(--grey); font-weight: 500; }
.badge.reset, .badge.unavailable { background: var(--void-bg); color: var(--void); border: 1px solid var(--void-line); }
.badge.pass { background: var(--ok-bg); color: var(--ok); font-weight: 500; }
.badge.fail { background: var(--red); color: #fff; }
td.audit { white-space: normal; min-width: 16em; }
td.audit .badge { white-space: normal; }
ul.notes { margin: 12px 0 0; padding-left: 20px; color: var(--amber); font-size: 14px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; }
figure { margin: 0; border: 1px solid #ebedf0; border-radius: 6px; padding: 6px; background: #fff; }
.charts figure.wide { grid-column: 1 / -1; }
figure svg { display: block; width: 100%; height: auto; }
details.cell { border: 1px solid var(--line); border-left: 5px solid var(--ok-line); border-radius: 8px; margin: 10px 0; background: #fff; }
details.cell.expected { border-left-color: var(--amber-line); }
details.cell.reset, details.cell.unavailable { border-left-color: var(--void-line); }
table.faults { margin-bottom: 14px; }
table.faults td.error { white-space: normal; color: var(--red); }
details.cell.unexpected { border-color: var(--red); border-left-color: var(--red); }
details.cell > summary { cursor: pointer; padding: 10px 14px; display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: baseline; }
details.cell > summary .stats { color: var(--muted); font-size: 14px; }
details.cell[open] > summary { border-bottom: 1px solid var(--soft); }
details.cell .body { padding: 12px 14px 14px; }
details.cell dl.kv, details.cell .scroll { margin-bottom: 14px; }
table.facts td { white-space: normal; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; vertical-align: top; }
table.facts tbody th { background: none; border-bottom: 1px solid #ebedf0; color: var(--muted); font-weight: normal; vertical-align: top; }
footer { color: var(--muted); font-size: 13px; margin-top: 24px; }
@media (max-width: 900px) { dl.kv.c2, dl.kv.c3 { columns: 1; } .charts { grid-template-columns: 1fr; } }
@media print { details.cell > .body { display: block; } .banner.bad { box-shadow: none; } }
</style>
</head>
<body>
<main>
<header>
<h1>{{.Title}}</h1>
<p class="meta">{{range $i, $m := .Meta}}{{if $i}} · {{end}}{{$m}}{{end}}</p>
<nav><a href="#summary">Summary</a><a href="#environment">Environment</a><a href="#scenario">Scenario</a>{{if .Thresholds}}<a href="#thresholds">Thresholds</a>{{end}}{{if .HasSweeps}}<a href="#charts">Charts</a>{{end}}{{if .Cells}}<a href="#cells">Cells</a>{{end}}</nav>
</header>

{{range .Banners}}<div class="banner {{.Class}}" role="{{if eq .Class "bad"}}alert{{else}}status{{end}}">
<h2>{{.Head}}</h2>
{{if .Lines}}<ul>{{range .Lines}}<li>{{.}}</li>{{end}}</ul>{{end}}
</div>
{{end}}
<section id="environment">
<h2>Environment</h2>
<dl class="kv c2">{{range .Env}}<div><dt>{{.K}}</dt><dd>{{.V}}</dd></div>{{end}}</dl>
</section>

<section id="scenario">
<h2>Scenario</h2>
{{if .Description}}<p>{{.Description}}</p>{{end}}
<dl class="kv c3">{{range .Scenario}}<div><dt>{{.K}}</dt><dd>{{.V}}</dd></div>{{end}}</dl>
</section>

<section id="summary">
<h2>Summary</h2>
<div class="scroll">
<table>
<thead><tr>{{range .Table.Header}}<th{{if .Numeric}} class="num"{{end}}>{{.Name}}</th>{{end}}<th>audit</th></tr></thead>
<tbody>
{{range .Table.Rows}}{{$r := .}}<tr class="{{.Class}}">{{range $i, $v := .Cells}}{{$c := index $.Table.Header $i}}<td{{if $c.Numeric}} class="num"{{end}}>{{if and (eq $i 0) $r.Anchor}}<a href="#{{$r.Anchor}}">{{$v}}</a>{{else}}{{$v}}{{end}}</td>{{end}}<td class="audit"><span class="badge {{.Class}}">{{.Audit}}</span></td></tr>
{{end}}</tbody>
</table>
</div>
{{if .Notes}}<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>

{{with .Thresholds}}<section id="thresholds">
<h2>Thresholds</h2>
{{if .Declared}}<p>Declared checks: {{range $i, $d := .Declared}}{{if $i}}, {{end}}<code>{{$d}}</code>{{end}}</p>{{end}}
{{if .Rows}}<p>{{if .Failed}}<span class="badge unexpected">{{.Failed}} of {{.Total}} failed</span>{{else}}<span class="badge ok">all {{.Total}} passed</span>{{end}}</p>
<div class="scroll"><table class="thresholds">
<thead><tr><th>cell</th>{{range .Header}}<th class="num"><code>{{.}}</code></th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr class="{{.Class}}"><td>{{.Cell}}</td>{{range .Values}}<td class="num">{{if .Class}}{{.Text}} <span class="badge {{.Class}}">{{.Mark}}</span>{{else}}-{{end}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{else}}<p class="hint">This results file records no per-cell threshold results.</p>{{end}}
</section>
{{end}}
{{end}}

{{- define "sweeps"}}<section id="charts">
<h2>Across the writer sweep</h2>
<p class="hint">Colour is the strategy, line style and marker the backoff, in every chart. A chart with more than 8 lines is drawn as small multiples, one panel per strategy, on one y scale. Retry amplification is attempts ÷ committed ops. Percentile charts put 90%, 99%, 99.9%… at equal steps, as the HdrHistogram plotter does. <a href="docs/METRICS.md">docs/METRICS.md</a> defines every number.</p>
<div class="charts">
{{end}}

{{- define "figure"}}{{if .CSS}}<style>
{{.CSS}}
</style>
{{end}}<figure id="chart-{{.Name}}"{{if .Wide}} class="wide"{{end}}>{{.SVG}}</figure>
{{end}}

{{- define "sweepsEnd"}}</div>
</section>
{{end}}

{{- define "gap"}}
{{end}}

{{- define "cells"}}<section id="cells">
<h2>Per cell</h2>
<p class="hint">Open a cell for its counts, faults, latency spectrum, attempts per op and, for cells that measured 3 s or more, time series (fault windows shaded). Cells with unexpected lost updates are open.</p>
{{if lt .Charted .Cells}}<p class="hint limit">Charts are drawn for {{.Charted}} of the {{.Cells}} cells, the most an HTML report draws (report.MaxChartedCells, {{.MaxCharted}}): cells with unexpected lost updates first, then in file order. The other sections show their counts only; the sweep charts above cover every cell, and <code>occbench plot</code> writes every chart as files.</p>
{{end}}{{end}}

{{- define "cell"}}<details class="cell {{.Class}}" id="{{.ID}}"{{if .Open}} open{{end}}>
<summary><h3>{{.Name}}</h3><span class="badge {{.Class}}">{{.Audit}}</span><span class="stats">{{.Summary}}</span></summary>
<div class="body">
{{if .Facts}}<dl class="kv c2">{{range .Facts}}<div><dt>{{.K}}</dt><dd>{{.V}}</dd></div>{{end}}</dl>{{end}}
{{with .Trials}}<div class="scroll"><table class="facts">
<thead><tr><th></th>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><th>{{.K}}</th>{{range .V}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{end}}
{{with .Faults}}{{$h := .Header}}<h4>Faults injected</h4>
<div class="scroll"><table class="faults">
<thead><tr>{{range .Header}}<th{{if .Numeric}} class="num"{{end}}>{{.Name}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range $i, $v := .}}{{$c := index $h $i}}<td{{if $c.Numeric}} class="num"{{else if eq $c.Name "error"}} class="error"{{end}}>{{$v}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{end}}
{{with .Classes}}{{$h := .Header}}<h4>Writer classes</h4>
<div class="scroll"><table class="faults">
<thead><tr>{{range .Header}}<th{{if .Numeric}} class="num"{{end}}>{{.Name}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range $i, $v := .}}{{$c := index $h $i}}<td{{if $c.Numeric}} class="num"{{end}}>{{$v}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{end}}
{{if .Charted}}<div class="charts">
{{range .Figures}}{{template "figure" .}}{{end}}</div>
{{with .NoTimeseries}}<p class="hint">{{.}}</p>
{{end}}{{else}}<p class="hint">No charts for this cell: this report draws those of {{.Limit}} cells (see the note under Per cell).</p>{{end}}
</div>
</details>
{{end}}

{{- define "cellsEnd"}}</section>
{{end}}

{{- define "bottom"}}
<footer>Generated by {{.Generator}} from a results file (schema occbench/v1). Every number is defined in <a href="docs/METRICS.md">docs/METRICS.md</a> (a link relative to the occbench repository checkout: open this page from there, or read the file in the repository).</footer>
</main>
</body>
</html>
{{end}}`))
