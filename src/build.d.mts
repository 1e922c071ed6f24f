/** The project folder. */
export declare const ROOT: string;
/** Where builds go by default: `node_modules/.cache/news-digest-bot/`. */
export declare const DEFAULT_CACHE_DIR: string;
/** One build: its main file and folder, whether this call built it, and how long the call took. */
export interface Build {
  main: string;
  dir: string;
  built: boolean;
  ms: number;
}
/** Makes sure an up-to-date build exists, building only if a source it was built from changed (or `force`). */
export declare function ensureBuild(options?: { cacheDir?: string; force?: boolean }): Promise<Build>;
