/**
 * Regenerates the two files derived from the model parameter table (src/models/keys.ts):
 *
 * - models/schema.json: the JSON Schema of model files (what `hmsim models schema` prints), for editors;
 * - src/models/schema-validator.generated.ts: that schema compiled by ajv into plain code ("standalone"
 *   validation code), which the loader runs. Compiling the schema at run time takes hundreds of
 *   milliseconds; the generated module loads in a few.
 *
 * Run `npm run schema` after changing keys.ts or schema.ts; tests/models/schema-generated.test.ts fails
 * while either file is stale. `--check` only compares and exits 1 when a file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedModelSchemaFiles } from '../src/models/schema-build.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of Object.entries(generatedModelSchemaFiles())) {
  const file = `${root}${path}`;
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // a missing file is stale
  }
  if (old === text) continue;
  stale++;
  if (check) process.stderr.write(`${path} is stale (run: npm run schema)\n`);
  else {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
if (check && stale > 0) process.exit(1);
