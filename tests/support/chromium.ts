import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Executable names Chromium and Chrome go by, depending on the distribution's package. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const HOW_TO_INSTALL =
  'Install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) so that `chromium` is on PATH, ' +
  'or set CHROMIUM_PATH to the full path of a Chromium or Chrome executable.';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The browser the page tests drive: `CHROMIUM_PATH` when set, else the first of chromium,
 * chromium-browser, google-chrome or google-chrome-stable on `PATH`. Throws with install
 * instructions when there is none, so a missing browser fails the tests loudly instead of
 * skipping them.
 */
export function findChromium(env: Record<string, string | undefined> = process.env): string {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new Error(`CHROMIUM_PATH is set to "${configured}", which is not an executable file. ${HOW_TO_INSTALL}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  throw new Error(`No Chromium found: CHROMIUM_PATH is not set and none of ${NAMES.join(', ')} is on PATH. ${HOW_TO_INSTALL}`);
}
