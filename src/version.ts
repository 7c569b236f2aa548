import { readFileSync } from 'node:fs';

/** The hmsim version from package.json (read once). */
export const HMSIM_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
