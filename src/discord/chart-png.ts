import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import type { ChartFile } from '../payload/types.ts';
import { moodChartSvg } from '../render/mood-chart.ts';

/**
 * Fonts the chart's text may use, first found wins: DejaVu Sans from Debian's `fonts-dejavu-core`
 * (free licence, installed by `.ci/run` when missing), then Liberation Sans. Nothing is bundled.
 */
export const CHART_FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
];

let fonts: string[] | null = null;
/**
 * resvg, a native module, loaded at the first drawing rather than at every start (about 13 ms): a
 * process may run for days before its first digest with a chart, or never post one.
 */
let Resvg: typeof ResvgClass | null = null;

/**
 * Draws SVG as a PNG `width` pixels wide, with resvg: no browser, no canvas. Known font files are
 * loaded by path, so drawing does not scan every font on the machine; with none of them, the
 * system's fonts are searched instead.
 */
export function svgToPng(svg: string, width: number): Buffer {
  fonts ??= CHART_FONT_FILES.filter((f) => existsSync(f));
  Resvg ??= (createRequire(import.meta.url)('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg;
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: fonts.length > 0 ? { loadSystemFonts: false, fontFiles: fonts, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true },
  });
  return resvg.render().asPng();
}

/**
 * A chart file's PNG. Thousands of servers due at one minute share a handful of digests, so the last
 * few drawings are kept (by their data): each distinct chart is drawn once, not once per server.
 */
export function createChartRenderer(maxEntries = 16): (file: ChartFile) => Buffer {
  const drawn = new Map<string, Buffer>();
  return (file) => {
    const key = JSON.stringify([file.kind, file.width, file.days]);
    let png = drawn.get(key);
    if (!png) {
      png = svgToPng(moodChartSvg(file.days), file.width);
      drawn.set(key, png);
      if (drawn.size > maxEntries) drawn.delete(drawn.keys().next().value!);
    }
    return png;
  };
}
