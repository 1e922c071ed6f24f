import type { InteractionResponse, Json, SandboxUser, StoredMessage } from './types.ts';

/** Everything the bot did for one interaction, with ways to wait for it. */
export class InteractionHandle {
  readonly responses: InteractionResponse[] = [];
  /** The original response message (after edits), if any. */
  original: StoredMessage | null = null;
  readonly followUps: StoredMessage[] = [];
  acknowledged = false;
  ephemeral = false;
  /** Autocomplete choices the bot answered with. */
  choices: Json[] | null = null;
  /** The gateway sessions INTERACTION_CREATE went to: the one connection of the shard that owns the server, or none. */
  deliveredTo: Array<{ sessionId: string; shard: [number, number] }> = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly token: string,
    readonly type: number,
    readonly payload: Json,
    readonly createdAt: number,
    readonly user: SandboxUser,
  ) {}

  /** @internal */
  record(r: InteractionResponse) {
    this.responses.push(r);
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `check` holds, or rejects after `timeoutMs` with what did arrive. */
  waitFor<T>(check: (h: InteractionHandle) => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    const now = check(this);
    if (now) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(probe);
        reject(new Error(`interaction ${this.id}: condition not met within ${timeoutMs} ms; responses: ${JSON.stringify(this.responses.map((r) => [r.kind, r.type]))}`));
      }, timeoutMs);
      const probe = () => {
        const v = check(this);
        if (v) {
          clearTimeout(timer);
          this.waiters.delete(probe);
          resolve(v);
        }
      };
      this.waiters.add(probe);
    });
  }

  /** The first callback the bot sent. */
  firstResponse(timeoutMs?: number): Promise<InteractionResponse> {
    return this.waitFor((h) => h.responses.find((r) => r.kind === 'callback'), timeoutMs);
  }

  /** The visible reply once it has content (a deferred reply resolves after its edit). */
  reply(timeoutMs?: number): Promise<StoredMessage> {
    return this.waitFor((h) => (h.original && (h.original.content || h.original.embeds.length > 0) ? h.original : null), timeoutMs);
  }
}
