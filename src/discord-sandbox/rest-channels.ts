import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { historyPage } from './history.ts';
import { checkMessageBody } from './message-rules.ts';
import { checkAttachments, pngSize, type UploadedFile } from './multipart.ts';
import { PERMISSION } from './permissions.ts';
import { SandboxError, invalidForm, missingAccess, missingPermissions, unknownChannel } from './sandbox-error.ts';
import type { Json, SandboxChannel, StoredAttachment } from './types.ts';
import { channelJson, threadJson } from './wire.ts';

/** The archive durations Discord accepts for a thread, in minutes. */
export const AUTO_ARCHIVE_DURATIONS = [60, 1440, 4320, 10080] as const;
/** Discord's 400 for a second thread on one message. */
export const THREAD_ALREADY_CREATED = 160004;

/** Checks a Start Thread from Message body as Discord does: name 1–100 characters; the known archive durations; slowmode 0–21600 s. */
function checkThreadBody(b: Json): { name: string; autoArchiveDuration: number; rateLimitPerUser: number } {
  const problems: Array<{ path: string; message: string }> = [];
  const name = typeof b.name === 'string' ? b.name.trim() : '';
  if (typeof b.name !== 'string' || name.length === 0) problems.push({ path: 'name', message: 'This field is required' });
  else if ([...name].length > L.threadName) problems.push({ path: 'name', message: `Must be between 1 and ${L.threadName} in length.` });
  const duration = b.auto_archive_duration ?? 1440;
  if (!AUTO_ARCHIVE_DURATIONS.includes(duration as (typeof AUTO_ARCHIVE_DURATIONS)[number])) {
    problems.push({ path: 'auto_archive_duration', message: `Value must be one of (${AUTO_ARCHIVE_DURATIONS.join(', ')}).` });
  }
  const slow = b.rate_limit_per_user ?? 0;
  if (typeof slow !== 'number' || !Number.isInteger(slow) || slow < 0 || slow > 21600) problems.push({ path: 'rate_limit_per_user', message: 'int value should be between 0 and 21600.' });
  if (problems.length > 0) throw invalidForm(problems);
  return { name, autoArchiveDuration: duration as number, rateLimitPerUser: slow as number };
}
import type { RestContext, RouteHandler } from './rest-context.ts';

/** Channel routes: the channel itself, posting, history, and one message (get, edit, delete). */
export function channelRoutes(ctx: RestContext): RouteHandler {
  const { world, nonces, messageJson } = ctx;

  /** The channel, if the bot may see it: 10003 if there is none, 50001 if the bot left its server or cannot view it. */
  const visibleChannel = (id: string): { c: SandboxChannel; perms: bigint } => {
    const c = world.findChannel(id);
    if (!c) throw unknownChannel();
    if (!world.guildOf(c).botMember) throw missingAccess();
    const perms = world.botPermissions(c);
    if (!(perms & PERMISSION.ViewChannel)) throw missingAccess();
    return { c, perms };
  };
  const require = (perms: bigint, bits: bigint) => {
    if ((perms & bits) !== bits) throw missingPermissions();
  };

  /** Stores uploaded files as the message's attachments, served back at `/attachments/...` like Discord's CDN. */
  const storeFiles = (channelId: string, b: Json, files: UploadedFile[]): StoredAttachment[] => {
    const entries = Array.isArray(b.attachments) ? (b.attachments as Json[]) : [];
    return files.map((f) => {
      const id = world.snowflake();
      const entry = entries.find((a) => Number(a.id) === f.index);
      const filename = typeof entry?.filename === 'string' && entry.filename ? entry.filename : f.filename;
      const size = pngSize(f.data);
      world.files.set(id, { data: f.data, contentType: f.contentType });
      const url = `/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
      return {
        id,
        filename,
        ...(typeof entry?.description === 'string' ? { description: entry.description } : {}),
        content_type: f.contentType,
        size: f.data.length,
        url,
        proxy_url: url,
        ...(size ? { width: size.width, height: size.height } : {}),
      };
    });
  };

  return async (method, route, query, body, files = []) => {
    const b = (body ?? {}) as Json;
    let m: RegExpExecArray | null;

    if ((m = /^\/channels\/(\d+)$/.exec(route)) && method === 'GET') {
      const { c } = visibleChannel(m[1]!);
      return [200, c.thread ? threadJson(c, (world.messages.get(c.id) ?? []).length) : channelJson(c)];
    }

    if ((m = /^\/channels\/(\d+)\/messages$/.exec(route))) {
      const { c, perms } = visibleChannel(m[1]!);
      if (method === 'GET') {
        require(perms, PERMISSION.ReadMessageHistory);
        const visible = (world.messages.get(c.id) ?? []).filter((x) => !x.interaction?.ephemeral);
        return [200, historyPage(visible, query).map(messageJson)];
      }
      if (method === 'POST') {
        // In a thread, Discord asks for Send Messages in Threads instead of Send Messages.
        require(perms, c.thread ? PERMISSION.SendMessagesInThreads : PERMISSION.SendMessages);
        if (Array.isArray(b.embeds) && b.embeds.length > 0) require(perms, PERMISSION.EmbedLinks);
        if (files.length > 0) require(perms, PERMISSION.AttachFiles);
        checkMessageBody(b, { channelPost: true });
        if (files.length > 0 || Array.isArray(b.attachments)) checkAttachments(b, files);
        const nonce = typeof b.nonce === 'string' || typeof b.nonce === 'number' ? String(b.nonce) : undefined;
        const enforce = nonce !== undefined && b.enforce_nonce === true;
        if (enforce) {
          // Per author, across channels: the first message comes back, wherever it was posted.
          const seen = nonces.find(world.botUser.id, nonce);
          if (seen) return [200, messageJson(seen)];
        }
        const attachments = files.length > 0 ? storeFiles(c.id, b, files) : undefined;
        const message = world.newMessage(c.id, b, { ...(nonce ? { nonce } : {}), ...(attachments ? { attachments } : {}) });
        if (enforce) nonces.remember(world.botUser.id, nonce, message);
        world.store(message);
        return [200, messageJson(message)];
      }
    }

    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(route)) && method === 'POST') {
      const { c, perms } = visibleChannel(m[1]!);
      if (c.thread) throw new SandboxError(400, 50024, 'Cannot execute action on this channel type');
      require(perms, PERMISSION.CreatePublicThreads);
      const target = world.findMessage(c.id, m[2]!);
      if (!target || target.interaction?.ephemeral) throw new SandboxError(404, 10008, 'Unknown Message');
      const spec = checkThreadBody(b);
      if (target.thread) throw new SandboxError(400, THREAD_ALREADY_CREATED, 'A thread has already been created for this message');
      const thread = world.addThread(c, target, spec);
      const json = { ...threadJson(thread), newly_created: true };
      world.dispatchForGuild(c.guildId, 'THREAD_CREATE', json);
      return [201, threadJson(thread)];
    }

    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(route))) {
      const { c, perms } = visibleChannel(m[1]!);
      const target = world.findMessage(c.id, m[2]!);
      if (!target || target.interaction?.ephemeral) throw new SandboxError(404, 10008, 'Unknown Message');
      if (method === 'GET') {
        require(perms, PERMISSION.ReadMessageHistory);
        return [200, messageJson(target)];
      }
      if (method === 'PATCH') {
        checkMessageBody({ ...target.body, ...b }, { partial: true, channelPost: true });
        world.edit(target, b);
        return [200, messageJson(target)];
      }
      if (method === 'DELETE') {
        world.removeMessage(target);
        return [204, undefined];
      }
    }
    return null;
  };
}
