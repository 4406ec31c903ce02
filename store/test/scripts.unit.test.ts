import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keyCountOf, SCRIPTS } from '../src/lua-scripts.js';

describe('the script list', () => {
  it('names every script in store/lua exactly once', () => {
    const files = readdirSync(fileURLToPath(new URL('../lua/', import.meta.url))).filter((file) => file.endsWith('.lua'));
    assert.deepEqual([...Object.values(SCRIPTS)].sort(), files.sort());
  });

  it('takes the key count from the file name, or none for variable-key scripts', () => {
    assert.equal(keyCountOf('place-pixel-7.lua'), 7);
    assert.equal(keyCountOf('read-canvas.lua'), undefined);
  });
});
