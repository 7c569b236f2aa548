import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { loadModel, parseSetOption, resolveModel, splitSets } from '../../src/models/index.ts';
import { createRng } from '../../src/random/rng.ts';

const rng = createRng(1);

async function problemsOf(sets: readonly string[], model = 'core2'): Promise<string[]> {
  try {
    await loadModel(model, sets);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    return (err as Error).message.split('\n');
  }
  throw new Error('expected the model to be rejected');
}

describe('--set key=value', () => {
  it('sets exact values by canonical key (cost, geometry, enum)', async () => {
    const m = await loadModel('core2', [
      'costs.invlpg=500',
      'tlb.l1d.entries=32',
      'tlb.l1d.ways=8',
      'tlb.replacement=plru',
      'lock.kind=queued',
      'flushCeiling=8',
    ]);
    expect(m.costs.invlpg(0, rng)).toBe(500);
    expect(m.tlb.l1d).toEqual({ entries: 32, ways: 8 });
    expect(m.tlb.replacement).toBe('plru');
    expect(m.lock.kind).toBe('queued');
    expect(m.flushCeiling).toBe(8);
    expect(m.params?.['costs.invlpg']?.source).toBe('--set costs.invlpg=500');
  });

  it('sets a whole cost form from JSON, or one coefficient inside it', async () => {
    const m = await loadModel('core2', ['costs.ipi={"linear":{"a":800,"b":50}}', 'costs.copy.linear.b=1']);
    expect(m.costs.ipi(4, rng)).toBe(1000);
    expect(m.costs.copy(4096, rng)).toBe(4096);
  });

  it('sets a group of parameters from a JSON object (tlb.large)', async () => {
    const m = await loadModel('core2', ['tlb.large={"entries":0,"ways":1}']);
    expect(m.tlb.large).toEqual({ entries: 0, ways: 1 });
    expect((await problemsOf(['tlb.large=0']))[0]).toBe(
      'model core2: --set tlb.large=0: tlb.large groups several parameters: ' +
        'give a JSON object such as tlb.large={"…": …}, or set tlb.large.<name>',
    );
    expect((await problemsOf(['tlb.large={"entires":0}']))[0]).toBe(
      'model core2: tlb.large.entires: unknown key (did you mean tlb.large.entries?)',
    );
  });

  it('+20% / -10% scale a constant (core2 INVLPG 232, cost-figures.md I3)', async () => {
    const up = await loadModel('core2', ['costs.invlpg=+20%']);
    const down = await loadModel('core2', ['costs.invlpg=-10%']);
    expect(up.costs.invlpg(0, rng)).toBeCloseTo(232 * 1.2, 10);
    expect(down.costs.invlpg(0, rng)).toBeCloseTo(232 * 0.9, 10);
  });

  it('scaling a linear function scales both coefficients (core2 IPI 540 + 100·n)', async () => {
    const m = await loadModel('core2', ['costs.ipi=+20%']);
    expect(m.costs.ipi(3, rng)).toBeCloseTo((540 + 300) * 1.2, 10);
  });

  it('scaling a table scales every cost, not n (core2 PTE write 4→1, 8→2)', async () => {
    const m = await loadModel('core2', ['costs.pteWrite=+100%']);
    expect([4, 6, 8].map((n) => m.costs.pteWrite(n, rng))).toEqual([2, 3, 4]); // 2 × (1, 1.5, 2)
  });

  it('scaling a distribution scales the random variable: same draws × factor', async () => {
    const base = await loadModel('models/examples/noisy-invlpg.json');
    const scaled = await loadModel('models/examples/noisy-invlpg.json', ['costs.invlpg=+20%', 'costs.contextSwitch=-10%']);
    const a = createRng(3);
    const b = createRng(3);
    for (let i = 0; i < 20; i++) expect(scaled.costs.invlpg(0, b)).toBeCloseTo(base.costs.invlpg(0, a) * 1.2, 8);
    const c = createRng(4);
    const d = createRng(4);
    for (let i = 0; i < 20; i++) expect(scaled.costs.contextSwitch(0, d)).toBeCloseTo(base.costs.contextSwitch(0, c) * 0.9, 8);
  });

  it('scaling an integer parameter rounds to the nearest integer', async () => {
    const m = await loadModel('core2', ['tlb.stlb.entries=+50%', 'flushCeiling=-10%']);
    expect(m.tlb.stlb.entries).toBe(384);
    expect(m.flushCeiling).toBe(30); // round(29.7)
  });

  it('applies options in order: the last one wins', async () => {
    const m = await loadModel('core2', ['costs.invlpg=100', 'costs.invlpg=+50%']);
    expect(m.costs.invlpg(0, rng)).toBe(150);
  });

  it('an unknown key is rejected with the closest known key', async () => {
    expect(await problemsOf(['costs.invlpgg=5'])).toEqual([
      'model core2: --set costs.invlpgg=5: unknown model key costs.invlpgg (did you mean costs.invlpg?)',
    ]);
    expect((await problemsOf(['tlb.l1d.entires=16']))[0]).toBe(
      'model core2: --set tlb.l1d.entires=16: unknown model key tlb.l1d.entires (did you mean tlb.l1d.entries?)',
    );
  });

  it('a key written without its group is pointed to the group (invlpg → costs.invlpg)', async () => {
    expect((await problemsOf(['invlpg=5']))[0]).toBe('model core2: --set invlpg=5: unknown model key invlpg (did you mean costs.invlpg?)');
    expect((await problemsOf(['cr3write=5']))[0]).toBe(
      'model core2: --set cr3write=5: unknown model key cr3write (did you mean costs.cr3Write?)',
    );
    expect((await problemsOf(['zzzzzz=5']))[0]).toBe('model core2: --set zzzzzz=5: unknown model key zzzzzz');
  });

  it('values go through the same validation as files, all problems at once, each naming its --set', async () => {
    expect(
      await problemsOf([
        'costs.invlpg=abc',
        'tlb.l1d.entries=12.5',
        'lock.kind=mcs',
        'costs.cr3Write=-1',
        'costs.ipi=1e999',
        'no-equals-sign',
      ]),
    ).toEqual([
      'model core2: 6 problems',
      '  --set no-equals-sign: expected key=value, e.g. --set costs.invlpg=500',
      '  tlb.l1d.entries.value: expected an integer, got 12.5 (from --set tlb.l1d.entries=12.5)',
      '  costs.invlpg.constant: expected a number, got a string "abc" (from --set costs.invlpg=abc)',
      '  costs.cr3Write.constant: must not be negative, got -1 (from --set costs.cr3Write=-1)',
      '  costs.ipi.constant: must be finite, got Infinity (from --set costs.ipi=1e999)',
      '  lock.kind.value: expected one of "ticket", "queued", got "mcs" (from --set lock.kind=mcs)',
    ]);
  });

  it('scaling a non-numeric parameter or a missing sub-key is an error', async () => {
    expect(await problemsOf(['lock.kind=+20%', 'costs.invlpg.linear.b=3'])).toEqual([
      'model core2: 2 problems',
      '  --set lock.kind=+20%: cannot scale lock.kind: it has no numeric value',
      '  --set costs.invlpg.linear.b=3: costs.invlpg.linear.b does not exist in this model (costs.invlpg has no linear.b)',
    ]);
  });

  it('a configuration key given to the model loader is named as such', async () => {
    expect((await problemsOf(['ram=3G']))[0]).toBe('model core2: --set ram=3G: ram is a machine-configuration key, not a cost-model key');
  });

  it('does not change the shipped model for later loads', async () => {
    await loadModel('core2', ['costs.invlpg=1']);
    expect((await loadModel('core2')).costs.invlpg(0, rng)).toBe(232);
  });

  it('shows the override as the value source in the resolved model', async () => {
    const { model } = await resolveModel('core2', ['costs.invlpg=+20%']);
    expect(model.params.get('costs.invlpg')?.source).toMatch(/; scaled \+20% by --set$/);
  });
});

describe('parseSetOption / splitSets', () => {
  it('parses percentages as factors and JSON or text as values', () => {
    expect(parseSetOption('costs.invlpg=+20%')).toEqual({ text: 'costs.invlpg=+20%', key: 'costs.invlpg', change: { scale: 1.2 } });
    expect(parseSetOption('costs.invlpg=-10%')).toMatchObject({ change: { scale: 0.9 } });
    expect(parseSetOption('lock.kind=ticket')).toMatchObject({ change: { value: 'ticket' } });
    expect(parseSetOption('tlb.l1d.entries=16')).toMatchObject({ change: { value: 16 } });
  });

  it('routes configuration keys to the config and everything else to the model', () => {
    expect(splitSets(['ram=3G', 'costs.invlpg=500', 'split=2G/2G', 'nrCpus=4', 'tlb.l1d.entries=16', 'pae=true'])).toEqual({
      model: ['costs.invlpg=500', 'tlb.l1d.entries=16'],
      config: { ram: '3G', split: '2G/2G', nrCpus: '4', pae: 'true' },
    });
  });
});
