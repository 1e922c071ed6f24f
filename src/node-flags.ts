/**
 * The V8 flags every bot process runs with: `npm start` (package.json's start line, which a test holds
 * to this list) and each cluster of `npm run start:shards`.
 *
 * A young generation of 2 MB per semi-space lets the garbage of one command die young. With
 * `--optimize-for-size`, which the bot used before, it stayed near 1 MB: the garbage of commands in
 * quick succession was promoted, and a full collection of the 100,000-article heap (40–85 ms of
 * marking) came every second or so, putting one `/news search` in twenty over 10 ms. Heap growth of
 * 20% over the live size after each full collection keeps the resident memory near what that flag held.
 *
 * Inlining is bounded to 150 bytes of bytecode per optimized function (V8's default is 920). A first
 * start compiles the parse path in each parse worker and the store's in the main thread, on V8's
 * background threads, on a machine of two cores that the parse itself keeps busy: at 100,000 files
 * those threads spent 2.6–2.9 s of CPU compiling and collecting garbage. With the bound, in three rounds
 * of cold starts run in turn with and without it, they spent 2.0–2.2 s, and each start with the bound
 * was online sooner (by 0.2 to 0.9 s). Search, latest and autocomplete answer as fast (`npm run bench`).
 */
export const BOT_V8_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=20', '--max-inlined-bytecode-size-cumulative=150'];

/**
 * The C library's settings every bot process runs with (glibc, on Linux; elsewhere they do nothing):
 * large allocations are mapped and handed back when freed, and the parse workers share the main arena
 * instead of keeping arenas of their own resident after they end.
 */
export const BOT_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072' };
