/**
 * Turning measurements into the printed table, the JSON file and the SVG bar chart.
 */
import { median } from './stats.ts';

/** Which way is better for a metric. */
export type Better = 'higher' | 'lower';

/** One row of the report: a metric of a scenario, both stacks, every repetition. */
export interface Row {
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: Better;
  /** Per-repetition values; empty when the stack was not measured. */
  readonly typetls: readonly number[];
  readonly node: readonly number[];
  /**
   * Set for rows that are not measured ("n/a (not implemented)", "typetls only"), or for
   * measured rows whose node:tls column holds another baseline (the note says which).
   */
  readonly note: string | null;
}

/** Per-repetition ratios typetls/node:tls (repetitions where both were measured). */
export function ratios(r: Row): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(r.typetls.length, r.node.length); i++) {
    const t = r.typetls[i]!, n = r.node[i]!;
    if (Number.isFinite(t) && Number.isFinite(n) && n !== 0) out.push(t / n);
  }
  return out;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 10000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** The report as a Markdown table (also readable as plain text). */
export function formatTable(rows: readonly Row[]): string {
  const head = ['scenario', 'metric', 'typetls', 'node:tls', 'ratio t/n', 'better'];
  const body = rows.map((r) => {
    if (r.note !== null && r.typetls.length === 0) return [r.scenario, r.metric, r.note, '', '', ''];
    const rs = ratios(r);
    return [
      r.scenario,
      r.note === null ? `${r.metric} (${r.unit})` : `${r.metric} (${r.unit}) [${r.note}]`,
      fmt(median(r.typetls)),
      r.node.length === 0 ? (r.note ?? '-') : fmt(median(r.node)),
      rs.length === 0 ? '-' : median(rs).toFixed(2),
      r.better,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i >= 2 && i <= 4 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`, ...body.map(line)].join('\n');
}

/** The JSON document `--json` writes. */
export function toJson(rows: readonly Row[], meta: Record<string, unknown>): string {
  return JSON.stringify({
    meta,
    rows: rows.map((r) => ({
      ...r,
      typetlsMedian: median(r.typetls),
      nodeMedian: median(r.node),
      ratioMedian: median(ratios(r)),
      ratios: ratios(r),
    })),
  }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A horizontal bar chart of the ratios typetls/node:tls, log scale centred on 1.0 (parity).
 * Bars are green where typetls does better on that metric and red where it does worse.
 */
export function toSvg(rows: readonly Row[], title: string): string {
  const items = rows.map((r) => ({ r, ratio: median(ratios(r)) })).filter((x) => Number.isFinite(x.ratio) && x.ratio > 0);
  const labelW = 430, chartW = 420, rowH = 20, top = 50;
  const maxLog = Math.max(1, ...items.map((x) => Math.ceil(Math.abs(Math.log2(x.ratio)))));
  const cx = labelW + chartW / 2;
  const scale = chartW / 2 / maxLog;
  const height = top + items.length * rowH + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + chartW + 80}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">ratio typetls / node:tls (median of per-repetition ratios), log scale; green: typetls better, red: worse</text>`);
  for (let k = -maxLog; k <= maxLog; k++) {
    const x = cx + k * scale;
    out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${top + items.length * rowH}" stroke="${k === 0 ? '#000' : '#ddd'}"/>`);
    out.push(`<text x="${x}" y="${top + items.length * rowH + 16}" text-anchor="middle" fill="#555">${k >= 0 ? 2 ** k : `1/${2 ** -k}`}</text>`);
  }
  items.forEach(({ r, ratio }, i) => {
    const y = top + i * rowH;
    const w = Math.log2(ratio) * scale;
    const good = r.better === 'higher' ? ratio >= 1 : ratio <= 1;
    out.push(`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(`${r.scenario}: ${r.metric}${r.note === null ? '' : ' *'}`)}</text>`);
    out.push(`<rect x="${Math.min(cx, cx + w)}" y="${y + 3}" width="${Math.max(1, Math.abs(w))}" height="${rowH - 6}" fill="${good ? '#3a3' : '#c33'}"/>`);
    out.push(`<text x="${labelW + chartW + 6}" y="${y + 14}">${ratio.toFixed(2)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
