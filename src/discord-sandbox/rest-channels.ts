import { historyPage } from './history.ts';
import { checkMessageBody } from './message-rules.ts';
import { PERMISSION } from './permissions.ts';
import { SandboxError, missingAccess, missingPermissions, unknownChannel } from './sandbox-error.ts';
import type { Json, SandboxChannel } from './types.ts';
import { channelJson } from './wire.ts';
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

  return async (method, route, query, body) => {
    const b = (body ?? {}) as Json;
    let m: RegExpExecArray | null;

    if ((m = /^\/channels\/(\d+)$/.exec(route)) && method === 'GET') return [200, channelJson(visibleChannel(m[1]!).c)];

    if ((m = /^\/channels\/(\d+)\/messages$/.exec(route))) {
      const { c, perms } = visibleChannel(m[1]!);
      if (method === 'GET') {
        require(perms, PERMISSION.ReadMessageHistory);
        const visible = (world.messages.get(c.id) ?? []).filter((x) => !x.interaction?.ephemeral);
        return [200, historyPage(visible, query).map(messageJson)];
      }
      if (method === 'POST') {
        require(perms, PERMISSION.SendMessages);
        if (Array.isArray(b.embeds) && b.embeds.length > 0) require(perms, PERMISSION.EmbedLinks);
        checkMessageBody(b, { channelPost: true });
        const nonce = typeof b.nonce === 'string' || typeof b.nonce === 'number' ? String(b.nonce) : undefined;
        const enforce = nonce !== undefined && b.enforce_nonce === true;
        if (enforce) {
          // Per author, across channels: the first message comes back, wherever it was posted.
          const seen = nonces.find(world.botUser.id, nonce);
          if (seen) return [200, messageJson(seen)];
        }
        const message = world.newMessage(c.id, b, nonce ? { nonce } : {});
        if (enforce) nonces.remember(world.botUser.id, nonce, message);
        world.store(message);
        return [200, messageJson(message)];
      }
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
