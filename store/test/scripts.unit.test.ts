import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keyCountOf, loadLua, LUA_INCLUDES_DIR, SCRIPTS } from '../src/lua-scripts.js';

const LUA_DIR = fileURLToPath(new URL('../lua/', import.meta.url));
const INCLUDES = readdirSync(LUA_INCLUDES_DIR).filter((file) => file.endsWith('.lua'));
/** The lines of each `local function` of an include, `return ` dropped: what a copy would repeat. */
function functionBodies(source: string): string[][] {
  const bodies: string[][] = [];
  let current: string[] | undefined;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('local function ')) current = [];
    else if (current && raw === 'end') {
      bodies.push(current);
      current = undefined;
    } else if (current && line !== '' && !line.startsWith('--') && !/^(end|else|if .* then)$/.test(line)) current.push(line.replace(/^return /, ''));
  }
  return bodies;
}

describe('the script list', () => {
  it('names every script in store/lua exactly once', () => {
    const files = readdirSync(fileURLToPath(new URL('../lua/', import.meta.url))).filter((file) => file.endsWith('.lua'));
    assert.deepEqual([...Object.values(SCRIPTS)].sort(), files.sort());
  });

  it('takes the key count from the file name, or none for variable-key scripts', () => {
    assert.equal(keyCountOf('place-pixel-7.lua'), 7);
    assert.equal(keyCountOf('read-canvas.lua'), undefined);
  });

  it('resolves every include of every script, each once, leaving no include line behind', () => {
    for (const file of Object.values(SCRIPTS)) {
      const lua = loadLua(file);
      assert.doesNotMatch(lua, /@include/, file);
      for (const include of INCLUDES) {
        const name = include.replace(/\.lua$/, '');
        const wanted = readFileSync(`${LUA_DIR}${file}`, 'utf8').includes(`--- @include "${name}"`);
        const first = /local function (\w+)/.exec(readFileSync(`${LUA_INCLUDES_DIR}${include}`, 'utf8'))?.[1];
        const count = lua.split(`local function ${first}(`).length - 1;
        assert.equal(count, wanted ? 1 : 0, `${file}: ${name} defined ${count} times`);
      }
    }
  });

  it('refuses an include that does not exist, naming the script and the missing file', () => {
    assert.throws(
      () => loadLua('../test/fixtures/includes-missing.lua'),
      /includes-missing\.lua includes "no-such-helper", but store\/lua\/includes\/no-such-helper\.lua does not exist/,
    );
    assert.throws(() => loadLua('../test/fixtures/includes-bad-name.lua'), /includes "\.\.\/\.\.\/etc\/passwd", which is not an include name/);
  });

  it('keeps no copy of an include in any script', () => {
    const copies: string[] = [];
    for (const file of Object.values(SCRIPTS)) {
      const script = readFileSync(`${LUA_DIR}${file}`, 'utf8');
      for (const include of INCLUDES) {
        for (const body of functionBodies(readFileSync(`${LUA_INCLUDES_DIR}${include}`, 'utf8'))) {
          if (body.length > 0 && body.every((line) => script.includes(line))) copies.push(`${file} repeats ${include}: ${body.join(' / ')}`);
        }
      }
    }
    assert.deepEqual(copies, []);
  });
});
