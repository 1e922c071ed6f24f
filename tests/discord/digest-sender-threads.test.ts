import { afterEach, describe, expect, it } from 'vitest';
import { createChannelSender, createDigestRest } from '../../src/discord/digest-sender.ts';
import { createLogger } from '../../src/logger.ts';
import { DEFAULT_EVERYONE, PERMISSION, THREAD_AND_FILE_PERMISSIONS } from '../../src/discord-sandbox/permissions.ts';
import { moodChartFile } from '../../src/render/mood-chart.ts';
import { captureLogs } from '../support/bot-harness.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { waitFor } from '../support/wait-for.ts';

type Harness = Awaited<ReturnType<typeof startSandboxWithClient>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The digest side of the adapter on a loopback Discord whose @everyone may start threads and attach files. */
async function start() {
  h = await startSandboxWithClient({ rateLimits: false });
  const guildId = h.sandbox.guilds[0]!.id;
  h.sandbox.setEveryonePermissions(guildId, DEFAULT_EVERYONE | THREAD_AND_FILE_PERMISSIONS);
  const logs = captureLogs();
  const rest = createDigestRest({ token: h.sandbox.token, apiUrl: h.sandbox.apiUrl, retries: 0 });
  const sender = createChannelSender({ rest, client: h.client, logger: createLogger({ level: 'debug', destination: logs.destination }) });
  const digest = h.sandbox.channel('digest');
  await waitFor(() => sender.capabilities(guildId, digest.id).threads, { what: 'the thread permissions in the cache' });
  return { ...h, sender, digest, guildId, logs };
}

const days = Array.from({ length: 14 }, (_, i) => ({ date: `2026-11-${String(8 + i).padStart(2, '0')}`, counts: { positive: 1, negative: i % 3, neutral: 1 }, total: 2 + (i % 3) }));

describe('the digest sender and threads, on the loopback Discord', () => {
  it('GIVEN a channel where @everyone is denied Create Public Threads THEN threads are off there (from the cache, no request), and files follow Attach Files', async () => {
    const t = await start();
    expect(t.sender.capabilities(t.guildId, t.digest.id)).toEqual({ threads: true, attachFiles: true });
    const requests = t.sandbox.requests.length;
    t.sandbox.setChannelOverwrites(t.digest.id, [{ id: t.guildId, type: 0, deny: PERMISSION.CreatePublicThreads | PERMISSION.AttachFiles }]);
    await waitFor(() => !t.sender.capabilities(t.guildId, t.digest.id).threads, { what: 'the overwrite in the cache' });
    expect(t.sender.capabilities(t.guildId, t.digest.id)).toEqual({ threads: false, attachFiles: false });
    expect(t.sender.capabilities(t.guildId, '499999999999999999')).toEqual({ threads: false, attachFiles: false });
    expect(t.sandbox.requests.length).toBe(requests);
  });

  it('GIVEN a part with the mood chart THEN it is uploaded as multipart: the PNG at files[0], named by the attachments entry; GIVEN a thread started twice THEN the second answer (160004) gives the same thread', async () => {
    const t = await start();
    const chart = moodChartFile(days);
    const { id } = await t.sender.send(t.digest.id, {
      content: 'digest',
      allowed_mentions: { parse: [] },
      attachments: [{ id: 0, filename: chart.filename }],
      files: [chart],
      placement: { in: 'channel', startThread: { name: 'Full list', auto_archive_duration: 1440 } },
      nonce: 'n1',
      enforce_nonce: true,
    });
    const [posted] = t.sandbox.messages(t.digest.id);
    expect(posted!.id).toBe(id);
    // Only Discord's fields went over the wire: the stored plan (placement, files) stays with the bot.
    expect(Object.keys(posted!.body).sort()).toEqual(['allowed_mentions', 'attachments', 'content', 'enforce_nonce', 'nonce']);
    expect(posted!.attachments).toEqual([expect.objectContaining({ filename: 'market-mood.png', content_type: 'image/png', width: 640, height: 240 })]);

    const first = await t.sender.startThread(t.digest.id, id, { name: 'Full list', auto_archive_duration: 1440 });
    const second = await t.sender.startThread(t.digest.id, id, { name: 'Full list', auto_archive_duration: 1440 });
    expect([first.id, second.id]).toEqual([id, id]);
    expect(t.sandbox.requests.filter((r) => r.path.endsWith('/threads')).map((r) => [r.status, r.code])).toEqual([
      [201, undefined],
      [400, 160004],
    ]);
    expect(t.logs.lines.some((l) => l.msg === 'the digest thread exists already; posting into it')).toBe(true);
  });
});
