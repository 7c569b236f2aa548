import { DOCUMENT_KEYS, PARAMS, type ParamInfo } from './keys.ts';

/**
 * The JSON Schema (draft 2020-12) of model files, built from the parameter table so it can never drift
 * from what the loader accepts. models/schema.json is this object, written by `hmsim models schema`;
 * editors use it through `"$schema": "./schema.json"` for completion and checking.
 *
 * The schema checks shapes and ranges; the loader additionally requires every parameter once `extends`
 * is resolved, TLB ways dividing entries, increasing table points, and sources on shipped models.
 */
export function buildModelSchema(): Record<string, unknown> {
  const root: Tree = {};
  for (const p of PARAMS) insert(root, p.key.split('.'), p);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'hmsim cost model',
    description:
      'A CPU cost model for hmsim: TLB geometry, costs in cycles (constant, linear, table or distribution), locks, and the storage device and writeback tunables (io.*, vm.*). ' +
      'Every value of a shipped model cites its source.',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(DOCUMENT_KEYS.map((k) => [k, { type: 'string', description: DOC_KEYS_DOC[k] ?? k }])),
      ...groupProperties(root),
    },
    $defs: DEFS,
  };
}

type Tree = { [k: string]: Tree | ParamInfo };

function insert(tree: Tree, segments: readonly string[], p: ParamInfo): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (rest.length === 0) {
    tree[head] = p;
    return;
  }
  const next = (tree[head] ??= {}) as Tree;
  insert(next, rest, p);
}

function isParam(x: Tree | ParamInfo): x is ParamInfo {
  return typeof (x as ParamInfo).kind === 'string' && typeof (x as ParamInfo).key === 'string';
}

function groupProperties(tree: Tree): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(tree).map(([k, v]) => [
      k,
      isParam(v) ? paramSchema(v) : { type: 'object', additionalProperties: false, properties: groupProperties(v) },
    ]),
  );
}

function paramSchema(p: ParamInfo): Record<string, unknown> {
  const description = p.arg !== undefined && p.kind === 'cost' ? `${p.doc} n = ${p.arg}.` : p.doc;
  if (p.kind === 'enum') return { description, ...scalar({ enum: p.values ?? [] }) };
  if (p.kind === 'device') return { description, ...scalar({ type: 'string', minLength: 1 }) };
  return { description, $ref: `#/$defs/${p.kind}` };
}

const DOC_KEYS_DOC: Record<string, string> = {
  $schema: 'Path or URL of this schema (editor support).',
  name: 'Model name; for a shipped model it must equal the file name.',
  description: 'One line: the CPU and where its figures come from.',
  extends: 'A shipped model name or a relative path of a model to start from; parameters given here replace its ones.',
};

const nonNegative = { type: 'number', minimum: 0 };

const provenance = {
  source: { type: 'string', minLength: 1, description: 'Citation: a row or section of cost-figures.md, or another reference.' },
  borrowedFrom: { type: 'string', minLength: 1, description: 'The CPU whose figure is used because none exists for this one.' },
  note: { type: 'string', minLength: 1 },
  unverified: { type: 'boolean', description: 'True when no source confirms the figure (an estimate).' },
};

function scalar(valueSchema: Record<string, unknown>): Record<string, unknown> {
  return {
    oneOf: [
      valueSchema,
      { type: 'object', additionalProperties: false, required: ['value'], properties: { value: valueSchema, ...provenance } },
    ],
  };
}

const FORMS = {
  constant: { ...nonNegative, description: 'Always this many cycles.' },
  linear: {
    type: 'object', additionalProperties: false, required: ['a', 'b'],
    description: 'a + b·n cycles.',
    properties: { a: nonNegative, b: nonNegative },
  },
  table: {
    type: 'object', additionalProperties: false, required: ['points'],
    description: 'Piecewise-linear through [n, cycles] points (n strictly increasing); outside: clamp (default) or extend the end segments.',
    properties: {
      points: { type: 'array', minItems: 1, items: { type: 'array', prefixItems: [{ type: 'number' }, nonNegative], minItems: 2, maxItems: 2 } },
      extrapolate: { enum: ['clamp', 'linear'] },
    },
  },
  normal: {
    type: 'object', additionalProperties: false, required: ['mean', 'sd'],
    description: 'Normal(mean, sd) sampled from the run RNG; negative draws read as 0.',
    properties: { mean: nonNegative, sd: nonNegative },
  },
  lognormal: {
    type: 'object', additionalProperties: false, required: ['mean', 'sd'],
    description: 'Lognormal with this arithmetic mean and sd, sampled from the run RNG.',
    properties: { mean: { type: 'number', exclusiveMinimum: 0 }, sd: nonNegative },
  },
  uniform: {
    type: 'object', additionalProperties: false, required: ['min', 'max'],
    description: 'Uniform in [min, max), sampled from the run RNG.',
    properties: { min: nonNegative, max: nonNegative },
  },
  empirical: { type: 'array', minItems: 1, items: nonNegative, description: 'One of these samples, each equally likely.' },
};

const DEFS = {
  cost: {
    description: 'A cost in cycles: a number, or an object with exactly one form (constant, linear, table, normal, lognormal, uniform, empirical) and its provenance.',
    oneOf: [
      nonNegative,
      {
        type: 'object',
        additionalProperties: false,
        properties: { ...FORMS, ...provenance },
        oneOf: Object.keys(FORMS).map((f) => ({ required: [f] })),
      },
    ],
  },
  count: scalar({ type: 'integer', minimum: 0 }),
  positiveCount: scalar({ type: 'integer', minimum: 1 }),
  positive: scalar({ type: 'number', exclusiveMinimum: 0 }),
  nonNegative: scalar({ type: 'number', minimum: 0 }),
};
