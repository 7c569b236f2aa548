// Lists every line longer than the formatter's width (biome.json formatter.lineWidth) in the JavaScript and
// TypeScript files biome.json's files.includes selects: comments and string literals are the lines the formatter
// cannot wrap. One line per offender, exit 1 if there is any. Run by `npm test` after `biome check`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const biome = JSON.parse(readFileSync('biome.json', 'utf8'));
const width = biome.formatter.lineWidth;

/** A Biome glob as a regular expression over a path relative to the project root. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

const positive = [];
const negative = [];
for (const pattern of biome.files.includes) {
  if (pattern.startsWith('!')) negative.push(globToRegExp(pattern.slice(1)));
  else positive.push(globToRegExp(pattern));
}
/** True when the path or one of its folders matches a pattern (a folder pattern covers what is inside). */
const matches = (patterns, path) => {
  const parts = path.split('/');
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('/');
    if (patterns.some((p) => p.test(prefix))) return true;
  }
  return false;
};

// Tracked files and new files not ignored by .gitignore: what Biome sees with vcs.useIgnoreFile.
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' })
  .split('\0')
  .filter((f) => SOURCE.test(f) && matches(positive, f) && !matches(negative, f));

let over = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the work tree
  }
  if (text.includes('\0')) continue; // binary
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const length = [...lines[i]].length;
    if (length > width) {
      over++;
      console.log(`${file}:${i + 1}: ${length} characters (the formatter's width is ${width})`);
    }
  }
}
process.exit(over > 0 ? 1 : 0);
