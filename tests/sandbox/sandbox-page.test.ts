import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startBot } from '../../src/main.ts';
import { sandboxBanner, startSandboxMode } from '../../src/sandbox/mode.ts';
import { BOT_ARTICLES, captureLogs } from '../support/bot-harness.ts';
import { findChromium } from '../support/chromium.ts';
import { tempDir } from '../support/temp-dir.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
/** Where the README's picture of a digest lives (committed, unlike the artifacts). */
const README_DIGEST = fileURLToPath(new URL('../../src/sandbox/digest-with-chart.png', import.meta.url));
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/** The few canvas calls {@link colouredEmoji} makes in the page (the tests are type-checked without DOM types). */
interface PageCanvas {
  document: { createElement(tag: 'canvas'): { width: number; height: number; getContext(kind: '2d'): CanvasContext } };
  getComputedStyle(element: unknown): { fontFamily: string };
}
interface CanvasContext {
  font: string;
  fillStyle: string;
  textBaseline: string;
  fillText(text: string, x: number, y: number): void;
  getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
}

/** Runs in the page: draws each emoji in black with the element's font and says whether colour pixels came out. */
function colouredEmoji(element: unknown, emoji: string[]) {
  const w = globalThis as unknown as PageCanvas;
  return emoji.map((e) => {
    const canvas = w.document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = `48px ${w.getComputedStyle(element).fontFamily}`;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'top';
    ctx.fillText(e, 4, 4);
    const px = ctx.getImageData(0, 0, 64, 64).data;
    let saturated = 0;
    for (let i = 0; i < px.length; i += 4) {
      const [r = 0, g = 0, b = 0, a = 0] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 80) saturated++;
    }
    return { emoji: e, coloured: saturated > 200 };
  });
}

let browser: Browser;
let page: Page;
let running: Awaited<ReturnType<typeof startSandboxMode>>;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir('news-bot-sandbox-');
  for (const [file, text] of Object.entries(BOT_ARTICLES)) await dir.write(`content/${file}`, text);
  const parsed = parseConfig({ CONTENT_DIR: `${dir.root}/content`, LOG_LEVEL: 'warn' });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  running = await startSandboxMode({ config: parsed.config, logger: createLogger({ level: 'warn', destination: captureLogs().destination }), startBot, port: 0 });
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_FLAGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

// Each test starts from a freshly loaded page on the first channel, so none depends on where another left it.
beforeEach(async () => {
  await page.goto(running.url);
  await page.waitForSelector('body[data-ready=true]');
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await dir?.cleanup();
});

async function typeCommand(text: string) {
  await page.fill('#composer', '');
  await page.type('#composer', text);
}

describe('the sandbox page in a real browser', () => {
  it('says it is a local sandbox and how to reach real Discord, in the terminal and on the page', async () => {
    expect(sandboxBanner('http://127.0.0.1:3000', '', true).split('\n')).toEqual([
      '',
      '  News digest bot — local sandbox',
      '',
      '  ➜  Open http://127.0.0.1:3000',
      '',
      '  This is a local sandbox: a Discord-like server on this machine with the real bot logged in.',
      '  Nothing is sent to Discord. Try /news search musk, /news impact, /digest set, or "Post digest now".',
      '  To connect to real Discord, put DISCORD_TOKEN in .env (README: "Connecting to Discord") and run npm start again.',
      '',
      '',
    ]);
    expect(sandboxBanner('http://127.0.0.1:3000', 'Clock: 2026-11-21 18:00 UTC', false).split('\n').slice(7, 9)).toEqual([
      '  Clock: 2026-11-21 18:00 UTC',
      '  DISCORD_TOKEN is set: run npm start without --sandbox to connect to real Discord.',
    ]);
    expect(await page.textContent('.sandbox-badge')).toBe('Local sandbox · not connected to Discord');
  });

  it('/news search musk: picked from the command list, rendered as an embed, ▶ shows page 2', async () => {
    await typeCommand('/news se');
    await page.click('.picker-item:has-text("/news search")');
    expect(await page.inputValue('#composer')).toBe('/news search ');
    await page.type('#composer', 'query:musk');
    await page.press('#composer', 'Enter');
    const embed = page.locator('.message', { hasText: 'used /news' }).last().locator('.embed');
    await expect.poll(() => embed.locator('.embed-title').textContent()).toBe('Results 1–5 of 7 for “musk”');
    const description = await embed.locator('.embed-description').innerText();
    expect(description).toContain('Musk talks AI safety on stage');
    expect(description).toContain('Musk launches a payments app');
    expect(await embed.locator('.md-link').first().getAttribute('href')).toMatch(/^https:\/\/example\.com\//);

    await page.locator('.message', { hasText: 'used /news' }).last().locator('button:has-text("Next ▶")').click();
    await expect.poll(() => embed.locator('.embed-title').textContent()).toBe('Results 6–7 of 7 for “musk”');
    expect(await embed.locator('.embed-description').innerText()).toContain('Musk @\u200beveryone post draws attention');
  });

  it('/news impact: suggestions come from the bot, and the bullets render', async () => {
    await typeCommand('/news impact article:ether');
    await page.waitForSelector('.suggestion:has-text("Ethereum upgrade ships on time")');
    await page.click('.suggestion:has-text("Ethereum upgrade ships on time")');
    expect(await page.inputValue('#composer')).toBe('/news impact article:impact/eth ');
    await page.press('#composer', 'Enter');
    const embed = page.locator('.embed', { hasText: 'Impact on the crypto market' }).last();
    await embed.waitFor();
    expect(await embed.locator('.embed-description strong').textContent()).toBe('Impact on the crypto market');
    expect(await embed.locator('.embed-description').innerText()).toContain('• Lower fees could attract users.\n• Staking demand may rise.');
    expect(await embed.locator('.embed-field-name').allTextContents()).toEqual(['Source', 'Published', 'Sentiment', 'Topics']);
  });

  it('an error reply is shown only to the user who ran the command', async () => {
    // A command every member may use, with an answer only the member who ran it sees.
    await typeCommand('/news latest topic:Gardening');
    await page.press('#composer', 'Enter');
    const note = page.locator('.message.ephemeral', { hasText: 'There is no topic called “Gardening”' }).last();
    await note.waitFor();
    expect(await note.locator('.ephemeral-note').innerText()).toContain('Only you can see this');
    await page.check('input[name=user][value=admin]');
    await expect.poll(() => page.locator('.message.ephemeral', { hasText: 'There is no topic called “Gardening”' }).count()).toBe(0);
  });

  it('the command picker offers a member only what Discord would: /news, not /digest; the admin gets both', async () => {
    await typeCommand('/');
    await page.waitForSelector('#picker:not([hidden])');
    const listed = () => page.locator('.picker-item b').allTextContents();
    expect(await listed()).toContain('/news search');
    expect((await listed()).filter((c) => c.startsWith('/digest'))).toEqual([]);
    await page.check('input[name=user][value=admin]');
    await expect.poll(async () => (await listed()).filter((c) => c.startsWith('/digest'))).toEqual(['/digest list', '/digest set', '/digest status', '/digest off', '/digest send-now']);
  });

  it('a member who types the hidden /digest anyway is told it is not available, inline, and nothing is sent', async () => {
    const before = running.sandbox.requests.length;
    await typeCommand('/digest status');
    await expect.poll(() => page.textContent('#hint')).toMatch(/^\/digest is not available to you here/);
    await page.press('#composer', 'Enter');
    await expect.poll(() => page.textContent('#hint')).toMatch(/^\/digest is not available to you here\. Discord hides \/digest from Regular Member in #news/);
    expect(await page.getAttribute('#hint', 'class')).toBe('hint error');
    // No interaction reached the bot, so it made no call to Discord.
    expect(running.sandbox.requests.slice(before).filter((r) => r.path.includes('/interactions/'))).toEqual([]);
  });

  it('a page on another port cannot post a digest or run /digest set through the sandbox page', async () => {
    const digestId = running.sandbox.channel('digest').id;
    const before = running.sandbox.messages(digestId).length;
    const requestsBefore = running.sandbox.requests.length;
    const attacker = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      // What a hostile page can send without a CORS preflight: a plain-text POST, answer unreadable.
      const statuses = await other.evaluate(
        async ({ url, channelId }) => {
          const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) }).then((r) => r.type);
          return [
            await post('/api/command', { name: 'digest', subcommand: 'set', options: { channel: channelId, time: '08:00', timezone: 'UTC' }, channelId, user: 'admin' }),
            await post('/api/post-digest', {}),
          ];
        },
        { url: running.url, channelId: digestId },
      );
      expect(statuses).toEqual(['opaque', 'opaque']);
      // Both requests were answered (the fetches resolved) and neither reached the bot or Discord.
      expect(running.sandbox.messages(digestId)).toHaveLength(before);
      expect(running.sandbox.requests.slice(requestsBefore).filter((r) => r.method !== 'GET')).toEqual([]);
    } finally {
      await other.close();
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
  });

  it('"Post digest now" posts the digest into #digest: top stories, the mood line and chart, and the grouped list in its thread; the inspector shows its payload', async () => {
    await page.click('#digest-now');
    await expect.poll(() => page.textContent('#digest-status')).toMatch(/^Posted \d+ articles? in 2 messages to #digest\.$/);
    expect(await page.textContent('#channel-name')).toBe('digest');
    // The channel's own last message (a thread's messages are shown inside it).
    const digest = page.locator('#messages > .message').last();
    const content = await digest.locator(':scope > .body > .content').innerText();
    expect(content).toMatch(/^📰 Daily digest — /);
    expect(content).toMatch(/📊 Market mood: /);
    expect(await digest.locator(':scope > .body > .embed .embed-title').allTextContents()).toEqual([expect.stringMatching(/^⭐ Top \d stor(y|ies)$/)]);

    // The chart: the PNG the bot uploaded, drawn at its size.
    const chart = digest.locator('img.attachment-image');
    await expect.poll(() => chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(640);
    expect(await chart.getAttribute('data-filename')).toBe('market-mood.png');

    // The thread, started from the digest message, holds the grouped list.
    expect(await digest.locator('.thread-head b').textContent()).toMatch(/^Full list — .+ \(\d+ articles?\)$/);
    const titles = await digest.locator('.thread .embed-title').allTextContents();
    expect(titles.map((t) => t.replace(/ · \d+$/, ''))).toEqual(['🟢 Positive', '🔴 Negative', '⚪ Neutral']);
    const colours = await digest.locator('.thread .embed').evaluateAll((els) => els.map((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { borderLeftColor: string } }).getComputedStyle(e).borderLeftColor));
    expect(colours).toEqual(['rgb(46, 204, 113)', 'rgb(231, 76, 60)', 'rgb(149, 165, 166)']);
    expect(await digest.locator('.thread .embed-field-name').first().textContent()).toMatch(/^\S.* \(\d+\)$/);
    await digest.locator(':scope > .body > .content').click();
    expect(await page.textContent('#inspector-status')).toBe('✓ Within every Discord limit');
    expect(JSON.parse((await page.textContent('#inspector-json'))!)).toMatchObject({ allowed_mentions: { parse: [] }, enforce_nonce: true, attachments: [{ id: 0, filename: 'market-mood.png' }] });
    // Without a colour emoji font (.ci/run installs Debian's) the screenshot shows empty boxes. Drawn in
    // black with the title's font, only a colour glyph leaves saturated pixels (⚪ and 📰 are grey by design).
    const emoji = titles.slice(0, 2).map((t) => [...t][0] ?? '');
    expect(await digest.locator('.thread .embed-title').first().evaluate(colouredEmoji, emoji)).toEqual([
      { emoji: '🟢', coloured: true },
      { emoji: '🔴', coloured: true },
    ]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}sandbox-digest.png` });
    // The README's picture of a digest: the message with its top stories, mood line, chart and thread, whole.
    await page.setViewportSize({ width: 1400, height: 2200 });
    try {
      mkdirSync(dirname(README_DIGEST), { recursive: true });
      await digest.screenshot({ path: README_DIGEST });
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('a payload Discord would reject is shown as an error in the page', async () => {
    const digestId = running.sandbox.channel('digest').id;
    await page.click(`#channels [data-channel="${digestId}"]`);
    expect(await page.textContent('#channel-name')).toBe('digest');
    await running.bot.client.rest.post(`/channels/${digestId}/messages`, { body: { content: 'x'.repeat(2001) } }).catch(() => undefined);
    const rejected = page.locator('.rejected').last();
    await rejected.waitFor();
    expect(await rejected.innerText()).toMatch(/^Discord would reject this message \(HTTP 400, code 50035: Invalid Form Body\)\ncontent: content must be 2000 or fewer in length \(got 2001\)\./);
  });
});
