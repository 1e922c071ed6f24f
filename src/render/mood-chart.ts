import { SENTIMENTS } from '../content/article.ts';
import type { MoodDay } from '../digest/mood.ts';
import type { ChartFile } from '../payload/types.ts';
import { SENTIMENT_STYLE } from './style.ts';

/** The chart's size in pixels: small enough to sit under a message, wide enough for 14 labelled days. */
export const MOOD_CHART_SIZE = { width: 640, height: 240 } as const;
/** The attachment's file name. */
export const MOOD_CHART_FILENAME = 'market-mood.png';
/** The font family the chart asks for; the edge that rasterises it supplies the font file. */
export const MOOD_CHART_FONT = 'DejaVu Sans';

const hex = (n: number) => `#${n.toString(16).padStart(6, '0')}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The mood chart as SVG: one stacked bar per day (positive, negative, neutral: each share of the
 * day's articles, so busy and quiet days compare), the day's count above it, and the last day, the
 * digest's own, outlined and labelled "today". Pure text; an edge turns it into the PNG.
 */
export function moodChartSvg(days: readonly MoodDay[]): string {
  const { width, height } = MOOD_CHART_SIZE;
  const left = 16;
  const right = 16;
  const top = 44;
  const bottom = 36;
  const plotH = height - top - bottom;
  const slot = (width - left - right) / Math.max(1, days.length);
  const barW = Math.max(4, Math.floor(slot * 0.7));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${MOOD_CHART_FONT}">`,
    `<rect width="${width}" height="${height}" rx="8" fill="#2b2d31"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="bold" fill="#f2f3f5">Market mood, last ${days.length} days</text>`,
  ];
  // The legend, right-aligned on the title line.
  let lx = width - right;
  for (const s of [...SENTIMENTS].reverse()) {
    const label = SENTIMENT_STYLE[s].label;
    const w = 10 + 6 + label.length * 7;
    lx -= w + 12;
    parts.push(`<rect x="${lx}" y="14" width="10" height="10" rx="2" fill="${hex(SENTIMENT_STYLE[s].color)}"/>`);
    parts.push(`<text x="${lx + 16}" y="23" font-size="12" fill="#b5bac1">${label}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top + plotH + 0.5}" x2="${width - right}" y2="${top + plotH + 0.5}" stroke="#4e5058"/>`);
  days.forEach((day, i) => {
    const x = Math.round(left + i * slot + (slot - barW) / 2);
    const today = i === days.length - 1;
    if (day.total === 0) {
      parts.push(`<rect x="${x}" y="${top + plotH - 2}" width="${barW}" height="2" fill="#4e5058"/>`);
    } else {
      let y = top + plotH;
      for (const s of SENTIMENTS) {
        const h = (plotH * day.counts[s]) / day.total;
        if (h <= 0) continue;
        y -= h;
        parts.push(`<rect x="${x}" y="${y.toFixed(2)}" width="${barW}" height="${h.toFixed(2)}" fill="${hex(SENTIMENT_STYLE[s].color)}"/>`);
      }
    }
    const cx = x + barW / 2;
    parts.push(`<text x="${cx}" y="${top - 5}" font-size="10" text-anchor="middle" fill="#949ba4">${day.total}</text>`);
    const [, m, d] = day.date.split('-').map(Number) as [number, number, number];
    const label = d === 1 || i === 0 ? `${d} ${SHORT_MONTHS[m - 1]}` : String(d);
    parts.push(`<text x="${cx}" y="${top + plotH + 15}" font-size="11" text-anchor="middle" fill="${today ? '#f2f3f5' : '#949ba4'}">${esc(label)}</text>`);
    if (today) {
      parts.push(`<rect x="${x - 3}" y="${top - 18}" width="${barW + 6}" height="${plotH + 21}" rx="3" fill="none" stroke="#f0b232" stroke-width="2"/>`);
      parts.push(`<text x="${cx}" y="${top + plotH + 30}" font-size="11" font-weight="bold" text-anchor="middle" fill="#f0b232">today</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The chart as the file a digest message carries (attachment id 0): its data; the sender draws it with {@link moodChartSvg}. */
export function moodChartFile(days: readonly MoodDay[]): ChartFile {
  return { id: 0, filename: MOOD_CHART_FILENAME, kind: 'mood', days: days.map((d) => ({ date: d.date, counts: { ...d.counts }, total: d.total })), ...MOOD_CHART_SIZE };
}
