/**
 * A small strict XML parser for tests: enough of XML 1.0 to prove a document is well-formed (one root,
 * properly nested and closed elements, quoted attributes without duplicates, only the five predefined
 * entities and character references, no stray `<` or `&`) and to read it back as a tree. Throws on the
 * first violation.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`XML not well-formed at offset ${i}: ${what}`);
  };
  const decode = (s: string): string =>
    s.replace(/&([^;]*);?/g, (m, body: string) => {
      if (!m.endsWith(';')) fail(`bare '&' in ${JSON.stringify(s)}`);
      if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
      if (body.startsWith('#')) return String.fromCodePoint(Number(body.slice(1)));
      const e = ENTITIES[body];
      return e ?? fail(`unknown entity &${body};`);
    });
  const skipSpace = (): void => {
    while (i < src.length && /\s/.test(src[i] ?? '')) i++;
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  skipSpace();
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < src.length) {
    if (src[i] === '<') {
      if (src.startsWith('</', i)) {
        i += 2;
        const name = NAME.exec(src.slice(i))?.[0] ?? fail('bad closing tag name');
        i += name.length;
        skipSpace();
        if (src[i] !== '>') fail('expected > in closing tag');
        i++;
        const open = stack.pop() ?? fail(`closing </${name}> without an open element`);
        if (open.name !== name) fail(`</${name}> closes <${open.name}>`);
        continue;
      }
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
        continue;
      }
      i++;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail('bad element name');
      i += name.length;
      const attributes: Record<string, string> = {};
      for (;;) {
        const before = i;
        skipSpace();
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (i === before) fail('expected whitespace before attribute');
        const an = NAME.exec(src.slice(i))?.[0] ?? fail('bad attribute name');
        i += an.length;
        if (src[i] !== '=') fail(`expected = after attribute ${an}`);
        i++;
        const q = src[i];
        if (q !== '"' && q !== "'") fail(`attribute ${an} not quoted`);
        const end = src.indexOf(q ?? '"', i + 1);
        if (end < 0) fail('unterminated attribute value');
        const raw = src.slice(i + 1, end);
        if (raw.includes('<')) fail(`'<' in attribute ${an}`);
        if (an in attributes) fail(`duplicate attribute ${an}`);
        attributes[an] = decode(raw);
        i = end + 1;
      }
      const el: XmlElement = { name, attributes, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root === null) root = el;
      else fail('more than one root element');
      if (src.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
      continue;
    }
    const next = src.indexOf('<', i);
    const chunk = src.slice(i, next < 0 ? src.length : next);
    const parent = stack[stack.length - 1];
    if (!parent) {
      if (chunk.trim() !== '') fail('text outside the root element');
    } else parent.text += decode(chunk);
    i = next < 0 ? src.length : next;
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]?.name}> not closed`);
  return root ?? fail('no root element');
}
