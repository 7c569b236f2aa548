// The CLI as bin/hmsim.js runs it: tsc's compiled modules (dist/, run `tsc -p tsconfig.build.json` first)
// bundled by esbuild into dist/bundle/ — the CLI (hmsim.js) and the entries of its worker threads
// (sweep-worker.js, gen-thread.js), with the modules they share in chunks and each command still loaded
// on first use. Node then loads a few files instead of ~190 modules at every start. The library (the
// `exports` map: dist/index.js and its .d.ts) stays tsc's output. Dependencies stay in node_modules and
// load as before (lazily, for the heavy ones). Run by `npm run build`.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const INLINE = new Set(['commander', '@msgpack/msgpack', 'jsonc-parser']);
const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: [
    { in: 'dist/cli/main.js', out: 'hmsim' },
    { in: 'dist/sweep/worker.js', out: 'sweep-worker' },
    { in: 'dist/cli/gen-thread.js', out: 'gen-thread' },
  ],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The dependencies' ES module builds where they have one (jsonc-parser's UMD build hides its requires).
  mainFields: ['module', 'main'],
  target: 'node20',
  plugins: [
    {
      name: 'external-deps',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('node:')) return { external: true };
          const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
          return INLINE.has(name) ? undefined : { external: true };
        });
      },
    },
  ],
  banner: { js: "import { createRequire as __hmsimRequire } from 'node:module'; const require = __hmsimRequire(import.meta.url);" },
  logLevel: 'warning',
});
