import { DOCUMENT_KEYS, MAX_MODEL_NUMBER, PARAMS, type ParamInfo } from './keys.ts';

/**
 * The JSON Schema (draft 2020-12) of model files, built from the parameter table so it can never drift
 * from what the loader accepts. models/schema.json is this object, written by `hmsim models schema`;
 * editors use it through `"$schema": "./schema.json"` for completion and checking.
 *
 * The loader validates every model with this schema (validate.ts, through the validator compiled from it
 * ahead of time: schema-validator.generated.ts, `npm run schema`), then checks by hand only what a schema
 * cannot say: every parameter present once `extends` is resolved, TLB geometry, increasing table points,
 * uniform min ≤ max, hook costs naming a plug-in's function, and sources on shipped models.
 */
export function buildModelSchema(): Record<string, unknown> {
  const root: Tree = {};
  for (const p of PARAMS) insert(root, p.key.split('.'), p);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'hmsim cost model',
    description:
      'A CPU cost model for hmsim: TLB geometry, costs in cycles (constant, linear, table ' +
      'or distribution), locks, and the storage device and writeback tunables (io.*, vm.*). ' +
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
  let next = tree[head];
  if (next === undefined) {
    next = {};
    tree[head] = next;
  }
  insert(next as Tree, rest, p);
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
  if (p.kind === 'enum')
    return { description, ...scalar(['string'], { if: { type: 'string' }, then: { enum: p.values ?? [] } }, { enum: p.values ?? [] }) };
  if (p.kind === 'device') return { description, ...scalar(['string'], { pattern: NOT_BLANK }, { type: 'string', pattern: NOT_BLANK }) };
  return { description, $ref: `#/$defs/${p.kind}` };
}

const DOC_KEYS_DOC: Record<string, string> = {
  $schema: 'Path or URL of this schema (editor support).',
  name: 'Model name; for a shipped model it must equal the file name.',
  description: 'One line: the CPU and where its figures come from.',
  extends: 'A shipped model name or a relative path of a model to start from; parameters given here replace its ones.',
};

/** A string with at least one character that is not white space. */
const NOT_BLANK = '\\S';

/** Numbers of any sign stay within ±MAX_MODEL_NUMBER, so totals stay finite. */
const bounded = { type: 'number', minimum: -MAX_MODEL_NUMBER, maximum: MAX_MODEL_NUMBER };
const nonNegative = { type: 'number', minimum: 0, maximum: MAX_MODEL_NUMBER };

const provenance = {
  source: { type: 'string', pattern: NOT_BLANK, description: 'Citation: a row or section of cost-figures.md, or another reference.' },
  borrowedFrom: { type: 'string', pattern: NOT_BLANK, description: 'The CPU whose figure is used because none exists for this one.' },
  note: { type: 'string', pattern: NOT_BLANK },
  unverified: { type: 'boolean', description: 'True when no source confirms the figure (an estimate).' },
  within: {
    type: 'number',
    minimum: 1,
    maximum: 100,
    description:
      'Costs only: the figure is known to within this factor (a ±2× anchor: 2): the true cost lies in [value / within, value × within]; ' +
      '--model-uncertainty draws a factor in that range per replication.',
  },
};

/**
 * A scalar parameter: the bare value, or an object `{ "value": …, "source": … }`. Written with a type list
 * rather than oneOf (each keyword applies to its own JSON type), so a wrong value yields one error that
 * says what was expected, not one per branch.
 */
function scalar(
  types: readonly string[],
  bareKeywords: Record<string, unknown>,
  valueSchema: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: [...types, 'object'],
    ...bareKeywords,
    additionalProperties: false,
    required: ['value'],
    properties: { value: valueSchema, ...provenance },
  };
}

function numberScalar(type: 'integer' | 'number', bounds: Record<string, number>): Record<string, unknown> {
  const keywords = { maximum: MAX_MODEL_NUMBER, ...bounds };
  return scalar([type], keywords, { type, ...keywords });
}

const FORMS = {
  constant: { ...nonNegative, description: 'Always this many cycles.' },
  linear: {
    type: 'object',
    additionalProperties: false,
    required: ['a', 'b'],
    description: 'a + b·n cycles.',
    properties: { a: nonNegative, b: nonNegative },
  },
  table: {
    type: 'object',
    additionalProperties: false,
    required: ['points'],
    description:
      'Piecewise-linear through [n, cycles] points (n strictly increasing); outside: clamp (default) or extend the end segments.',
    properties: {
      points: { type: 'array', minItems: 1, items: { type: 'array', prefixItems: [bounded, nonNegative], minItems: 2, maxItems: 2 } },
      extrapolate: { enum: ['clamp', 'linear'] },
    },
  },
  normal: {
    type: 'object',
    additionalProperties: false,
    required: ['mean', 'sd'],
    description: 'Normal(mean, sd) sampled from the run RNG; negative draws read as 0.',
    properties: { mean: nonNegative, sd: nonNegative },
  },
  lognormal: {
    type: 'object',
    additionalProperties: false,
    required: ['mean', 'sd'],
    description: 'Lognormal with this arithmetic mean and sd, sampled from the run RNG.',
    properties: { mean: { type: 'number', exclusiveMinimum: 0, maximum: MAX_MODEL_NUMBER }, sd: nonNegative },
  },
  uniform: {
    type: 'object',
    additionalProperties: false,
    required: ['min', 'max'],
    description: 'Uniform in [min, max), sampled from the run RNG.',
    properties: { min: nonNegative, max: nonNegative },
  },
  empirical: { type: 'array', minItems: 1, items: nonNegative, description: 'One of these samples, each equally likely.' },
  hook: { type: 'string', description: 'Code plug-ins only: the function of the module that computes this cost (with scale).' },
};

const DEFS = {
  cost: {
    description:
      'A cost in cycles: a number, or an object with exactly one form (constant, ' +
      'linear, table, normal, lognormal, uniform, empirical) and its provenance.',
    ...nonNegative,
    type: ['number', 'object'],
    additionalProperties: false,
    properties: { ...FORMS, scale: nonNegative, ...provenance },
    dependentRequired: { hook: ['scale'], scale: ['hook'] },
    if: { type: 'object' },
    then: { oneOf: Object.keys(FORMS).map((f) => ({ required: [f] })) },
  },
  count: numberScalar('integer', { minimum: 0 }),
  positiveCount: numberScalar('integer', { minimum: 1 }),
  positive: numberScalar('number', { exclusiveMinimum: 0 }),
  nonNegative: numberScalar('number', { minimum: 0 }),
};
