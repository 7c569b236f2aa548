import { PACKAGE_JSON } from './package-root.ts';

/** The hmsim version from package.json (read once). */
export const HMSIM_VERSION: string = PACKAGE_JSON.version;
