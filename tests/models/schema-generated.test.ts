import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { loadModel } from '../../src/models/index.ts';
import { generatedModelSchemaFiles } from '../../src/models/schema-build.ts';
import { ROOT } from '../helpers/cli.ts';

describe('the model schema and its compiled validator', () => {
  it('models/schema.json and src/models/schema-validator.generated.ts are what `npm run schema` writes (not stale)', () => {
    const files = generatedModelSchemaFiles();
    expect(Object.keys(files)).toEqual(['models/schema.json', 'src/models/schema-validator.generated.ts']);
    for (const [path, text] of Object.entries(files))
      expect(readFileSync(`${ROOT}${path}`, 'utf8'), `${path} is stale: npm run schema`).toBe(text);
  });

  it('names the file, line and column of a problem in a model reached through extends', async () => {
    // tests/models/fixtures/extends-invalid.json extends invalid.json and gives costs.invlpg itself: the
    // problems of invalid.json stand in invalid.json, its own in its own file.
    let message = '';
    try {
      await loadModel('tests/models/fixtures/extends-invalid.json');
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('model tests/models/fixtures/extends-invalid.json: 13 problems');
    expect(lines).toContain(
      '  tests/models/fixtures/extends-invalid.json:4:48: costs.invlpg.table.extrapolate: expected one of "clamp", "linear", got "cubic"',
    );
    expect(lines).toContain('  tests/models/fixtures/invalid.json:11:5: costs.cr3Write: must not be negative, got -5');
  });

  it('refuses a hook cost in a JSON file (hooks are functions of a code plug-in)', async () => {
    await expect(loadModel('core2', ['costs.invlpg={"hook":"x","scale":1}'])).rejects.toThrow(
      'model core2: costs.invlpg.hook: hook cost objects come only from code plug-ins ' +
        '(a function in the module) (from --set costs.invlpg={"hook":"x","scale":1})',
    );
  });
});
