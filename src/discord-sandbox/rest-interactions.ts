import { DISCORD_LIMITS } from '../payload/limits.ts';
import { validateAutocompleteChoices } from '../payload/validate.ts';
import type { InteractionHandle } from './interaction-handle.ts';
import { checkMessageBody } from './message-rules.ts';
import type { RestContext, RouteHandler } from './rest-context.ts';
import { SandboxError, invalidForm } from './sandbox-error.ts';
import type { InteractionResponse, Json, StoredMessage } from './types.ts';

const EPHEMERAL = 64;
const isEphemeral = (flags: unknown) => ((Number(flags) || 0) & EPHEMERAL) !== 0;

/** Interaction callbacks (the first answer, within the deadline, once) and the interaction webhook. */
export function interactionRoutes(ctx: RestContext): RouteHandler {
  const { world, messageJson } = ctx;

  const byRoute = (id: string, tok: string): InteractionHandle => {
    const h = world.interactions.get(id);
    if (!h || h.token !== tok) throw new SandboxError(404, 10062, 'Unknown interaction');
    return h;
  };
  const webhook = (appId: string, tok: string): InteractionHandle => {
    const h = world.byToken.get(tok);
    if (appId !== world.application.id || !h) throw new SandboxError(404, 10015, 'Unknown Webhook');
    if (world.now() - h.createdAt > DISCORD_LIMITS.interactionTokenTtlMs) throw new SandboxError(401, 50027, 'Invalid Webhook Token');
    if (!h.acknowledged) throw new SandboxError(404, 10015, 'Unknown Webhook');
    return h;
  };
  const interactionMessage = (h: InteractionHandle, body: Json, ephemeral: boolean): StoredMessage => {
    const data = (h.payload.data ?? {}) as Json;
    const sub = Array.isArray(data.options) ? (data.options as Json[]).find((o) => o.type === 1) : undefined;
    // Discord shows "used /news search" above a reply: the command and its subcommand.
    const commandName = typeof data.name === 'string' ? `${data.name}${sub ? ` ${String(sub.name)}` : ''}` : undefined;
    return world.newMessage(String(h.payload.channel_id), body, { interaction: { id: h.id, userId: h.user.id, ephemeral, commandName } });
  };
  const respond = (h: InteractionHandle, response: InteractionResponse) => {
    h.record(response);
    world.events.emit('response', { interaction: h, response });
  };

  const callback = (h: InteractionHandle, b: Json, query: Record<string, string>): [number, unknown] => {
    if (h.acknowledged) throw new SandboxError(400, 40060, 'Interaction has already been acknowledged.');
    if (world.now() - h.createdAt > world.deadlineMs) throw new SandboxError(404, 10062, 'Unknown interaction');
    const type = Number(b.type);
    const data = (b.data ?? {}) as Json;
    let message: StoredMessage | undefined;
    if (type === 4 || type === 5) {
      if (type === 4) checkMessageBody(data);
      h.ephemeral = isEphemeral(data.flags);
      message = interactionMessage(h, type === 4 ? data : { content: '', flags: data.flags }, h.ephemeral);
      h.original = message;
      world.store(message);
    } else if (type === 6 || type === 7) {
      if (h.type !== 3) throw invalidForm([{ path: 'type', message: 'This response type is only valid for component interactions' }]);
      const source = h.payload.message as Json;
      const target = world.findMessage(String(source.channel_id), String(source.id));
      if (!target) throw new SandboxError(404, 10008, 'Unknown Message');
      if (type === 7) {
        checkMessageBody({ ...target.body, ...data }, { partial: true });
        world.edit(target, data);
      }
      h.original = target;
      message = target;
    } else if (type === 8) {
      if (h.type !== 4) throw invalidForm([{ path: 'type', message: 'Autocomplete results are only valid for autocomplete interactions' }]);
      const violations = validateAutocompleteChoices(data.choices);
      if (violations.length > 0) throw invalidForm(violations);
      h.choices = data.choices as Json[];
    } else {
      throw invalidForm([{ path: 'type', message: `Unsupported interaction callback type ${type}` }]);
    }
    h.acknowledged = true;
    respond(h, { kind: 'callback', type, body: b, ...(message ? { message } : {}) });
    if (query.with_response !== 'true') return [204, undefined];
    const interaction = { id: h.id, type: h.type, activity_instance_id: null, response_message_id: message?.id ?? null, response_message_loading: type === 5, response_message_ephemeral: h.ephemeral };
    return [200, { interaction, resource: { type, ...(message ? { message: messageJson(message) } : {}) } }];
  };

  return async (method, route, query, body) => {
    const b = (body ?? {}) as Json;
    let m: RegExpExecArray | null;
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route)) && method === 'POST') return callback(byRoute(m[1]!, m[2]!), b, query);

    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/.exec(route))) {
      const h = webhook(m[1]!, m[2]!);
      const which = m[3]!;
      const target = which === '@original' ? h.original : h.followUps.find((f) => f.id === which);
      if (!target) throw new SandboxError(404, 10008, 'Unknown Message');
      if (method === 'GET') return [200, messageJson(target)];
      if (method === 'DELETE') {
        world.removeMessage(target);
        return [204, undefined];
      }
      if (method === 'PATCH') {
        checkMessageBody({ ...target.body, ...b }, { partial: true });
        world.edit(target, b);
        respond(h, { kind: which === '@original' ? 'edit-original' : 'edit-followup', body: b, message: target });
        return [200, messageJson(target)];
      }
    }

    if ((m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(route)) && method === 'POST') {
      const h = webhook(m[1]!, m[2]!);
      checkMessageBody(b);
      const message = interactionMessage(h, b, isEphemeral(b.flags));
      h.followUps.push(message);
      world.store(message);
      respond(h, { kind: 'followup', body: b, message });
      return [200, messageJson(message)];
    }
    return null;
  };
}
