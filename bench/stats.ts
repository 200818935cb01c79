/** Percentiles, ratios and the results table of `npm run bench`. */

export interface Sample {
  n: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Nearest-rank percentiles; p99 of fewer than 100 samples is the largest one. */
export function summarize(values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

export interface Figure {
  /** The stable name in bench/results.json. */
  name: string;
  /** What is measured, in the table. */
  label: string;
  unit: string;
  value: number;
  /** The same figure for the baseline of the same run (a bare workflow, `node -e ''`), when one exists. */
  baseline?: number;
  ratio?: number;
  sample?: Sample;
  baselineSample?: Sample;
  goal: string;
  met?: boolean;
  note?: string;
}

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || Number.isNaN(x) ? '–' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);

export function sampleText(s: Sample | undefined): string {
  return s ? `p50 ${fmt(s.p50)} / p90 ${fmt(s.p90)} / p99 ${fmt(s.p99)} (n=${s.n})` : '';
}

/** A Markdown table: the README shows the same one. */
export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    `\`${f.name}\``,
    `${fmt(f.value, 2)} ${f.unit}`,
    f.baseline === undefined ? '–' : `${fmt(f.baseline, 2)} ${f.unit}`,
    f.ratio === undefined ? '–' : `${f.ratio.toFixed(2)}×`,
    [sampleText(f.sample), f.baselineSample ? `bare: ${sampleText(f.baselineSample)}` : ''].filter(Boolean).join('; '),
    f.goal,
    f.met === undefined ? '–' : f.met ? 'met' : 'not met',
  ]);
  const header = ['figure', 'value', 'baseline', 'ratio', 'distribution', 'goal', ''];
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
