/**
 * The content folder's start-up listing, read once for two readers: the archive, which loads what it
 * lists, and the watcher, which must watch every folder and know every file the load may have put in
 * the store. Each walked the whole tree on its own; at a million files the second walk made a million
 * names again on the main thread (over a second of a restart) and kept a core of the thread pool busy.
 */

/** Told of each folder as the listing reads it. Called synchronously, in the order the folders are read. */
export interface ListingVisitor {
  /**
   * Before `relDir` ('' for the content folder itself) is read. A watch made here, before the read, sees
   * every change the listing misses. `linked`: reached through a symbolic link (read, but not watched
   * where it is linked: its target is watched where it really is).
   */
  entering(relDir: string, linked: boolean): void;
  /** Markdown names found in `relDir` that are not folders (its files, and links or special files the load names as skipped). */
  listed(relDir: string, names: readonly string[]): void;
}

/**
 * One listing shared by its lister (the archive) and one follower (the watcher). The lister waits for
 * the follower to be ready (or to give up) before it reads anything, so no folder is listed unwatched.
 */
export interface SharedListing {
  /** Follower: visit the listing with `visitor`; resolves once the listing is complete, rejects if it failed. */
  follow(visitor: ListingVisitor): Promise<void>;
  /** Follower: it will not follow (it failed to start); the lister goes on alone. */
  abandon(): void;
  /** Lister: the follower's visitor once it is ready, or null if it abandoned. */
  visitor(): Promise<ListingVisitor | null>;
  /** Lister: the listing is complete, or failed with `err` (the follower fails with it). */
  end(err?: Error): void;
}

/** A listing for one lister and one follower (see {@link SharedListing}). */
export function createSharedListing(): SharedListing {
  let give: (v: ListingVisitor | null) => void = () => undefined;
  const visitor = new Promise<ListingVisitor | null>((resolve) => (give = resolve));
  let finish: () => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // Awaited by the follower; this only keeps a failed listing nobody follows from counting as unhandled.
  ended.catch(() => undefined);
  return {
    follow(v) {
      give(v);
      return ended;
    },
    abandon: () => give(null),
    visitor: () => visitor,
    end: (err) => (err ? fail(err) : finish()),
  };
}
