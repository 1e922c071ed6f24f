import { validateCommandList } from './command-rules.ts';
import type { RestContext, RouteHandler } from './rest-context.ts';
import { SandboxError, invalidForm, missingAccess } from './sandbox-error.ts';
import type { Json } from './types.ts';
import { SANDBOX_USERS } from './world.ts';
import { channelJson, guildJson, memberJson, userJson } from './wire.ts';

/** Login, the bot's own user and application, command registration, and guild reads. */
export function appRoutes(ctx: RestContext): RouteHandler {
  const { world } = ctx;
  const { application, botUser } = world;

  /** A guild the bot is in: 10004 if there is none, 50001 once the bot was removed from it. */
  const memberGuild = (id: string) => {
    const g = world.guild(id);
    if (!g) throw new SandboxError(404, 10004, 'Unknown Guild');
    if (!g.botMember) throw missingAccess();
    return g;
  };

  return async (method, route, _query, body) => {
    let m: RegExpExecArray | null;
    if (method === 'GET' && route === '/gateway/bot') {
      // Discord recommends about one shard per 1,000 servers, and at least one.
      const { options, sessionStartsRemaining } = ctx.gateway();
      const guilds = world.guilds.filter((g) => g.botMember).length;
      const shards = Math.max(1, Math.ceil(guilds / options.guildsPerRecommendedShard));
      const sessionStartLimit = { total: options.sessionStartLimit, remaining: sessionStartsRemaining, reset_after: 86_400_000, max_concurrency: options.maxConcurrency };
      return [200, { url: ctx.gatewayUrl(), shards, session_start_limit: sessionStartLimit }];
    }
    if (method === 'GET' && route === '/gateway') return [200, { url: ctx.gatewayUrl() }];
    if (method === 'GET' && route === '/users/@me') return [200, userJson(botUser)];
    if (method === 'GET' && (route === '/applications/@me' || route === '/oauth2/applications/@me')) {
      return [200, { id: application.id, name: application.name, description: '', bot_public: true, bot_require_code_grant: false, flags: 0, verify_key: '0'.repeat(64), icon: null }];
    }

    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route))) {
      if (m[1] !== application.id) throw missingAccess();
      const guildId = m[2] ?? null;
      if (guildId) memberGuild(guildId);
      const key = guildId ?? 'global';
      if (method === 'GET') return [200, world.commands.get(key) ?? []];
      if (method === 'PUT') {
        const problems = validateCommandList(body);
        if (problems.length > 0) throw invalidForm(problems);
        const saved = (body as Json[]).map((c) => ({ ...c, id: world.snowflake(), application_id: application.id, version: world.snowflake(), ...(guildId ? { guild_id: guildId } : {}) }));
        world.commands.set(key, saved);
        world.events.emit('commands', { guildId, commands: saved });
        return [200, saved];
      }
    }

    if ((m = /^\/guilds\/(\d+)$/.exec(route)) && method === 'GET') return [200, guildJson(memberGuild(m[1]!), botUser, world.iso())];
    if ((m = /^\/guilds\/(\d+)\/channels$/.exec(route)) && method === 'GET') return [200, memberGuild(m[1]!).channels.map(channelJson)];
    if ((m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(route)) && method === 'GET') {
      const g = memberGuild(m[1]!);
      const user = [botUser, ...Object.values(SANDBOX_USERS)].find((u) => u.id === m![2]);
      if (!user) throw new SandboxError(404, 10007, 'Unknown Member');
      return [200, memberJson(g, user, world.iso())];
    }
    return null;
  };
}
