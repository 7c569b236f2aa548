// Used by scripts/differential.sh: rewrites a `hmsim run --json` output with sorted keys and without
// wall-clock or version fields, so two results compare byte for byte. Non-JSON output is kept as is.
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';

const [raw, out] = process.argv.slice(2);
const text = readFileSync(raw, 'utf8');
const strip = (o) => {
  if (Array.isArray(o)) return o.map(strip);
  if (o && typeof o === 'object') {
    const r = {};
    for (const k of Object.keys(o).sort()) {
      if (/wall|elapsedMs|durationMs|hmsimVersion/i.test(k)) continue;
      r[k] = strip(o[k]);
    }
    return r;
  }
  return o;
};
let result;
try {
  result = JSON.stringify(strip(JSON.parse(text)), null, 1);
} catch {
  result = text;
}
writeFileSync(out, result);
unlinkSync(raw);
