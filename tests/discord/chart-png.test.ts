import { describe, expect, it } from 'vitest';
import { createChartRenderer, svgToPng } from '../../src/discord/chart-png.ts';
import { moodChartFile } from '../../src/render/mood-chart.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const size = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

const days = Array.from({ length: 14 }, (_, i) => ({ date: `2026-11-${String(8 + i).padStart(2, '0')}`, counts: { positive: i, negative: 3, neutral: 1 }, total: i + 4 }));

describe('the mood chart as a PNG', () => {
  it('GIVEN 14 days THEN a PNG of 640×240, drawn once for identical data however many times it is asked for', () => {
    const render = createChartRenderer();
    const png = render(moodChartFile(days));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(size(png)).toEqual({ width: 640, height: 240 });
    expect(render(moodChartFile(days))).toBe(png);
    expect(render(moodChartFile(days.map((d) => ({ ...d, total: d.total + 1 }))))).not.toBe(png);
  });

  it('GIVEN text in the SVG THEN a font is found and the text is drawn (the PNG differs from the same SVG without it)', () => {
    const frame = (inner: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="#2b2d31"/>${inner}</svg>`;
    const blank = svgToPng(frame(''), 200);
    const text = svgToPng(frame('<text x="8" y="26" font-family="DejaVu Sans" font-size="16" fill="#ffffff">more negative 44%</text>'), 200);
    expect(text.length).toBeGreaterThan(blank.length + 200);
  });
});
