import assert from 'node:assert/strict';
import { DEFAULT_PALETTE, parseRulesText } from '@tessera/protocol';
import { NO_PIXEL, snapToPalette } from '../src/templates/palette-snap.js';
import { parseTemplateHash, withTemplateHash } from '../src/templates/template-link.js';

describe('template links', () => {
  it('reads the template fields beside the view and writes them back without touching the view', () => {
    const hash = '#x=10.5&y=3&z=4&template=https%3A%2F%2Fart.example%2Fa.png%3Fv%3D2&tx=7&ty=9&ts=0.5';
    assert.deepEqual(parseTemplateHash(hash), { ok: true, template: { url: 'https://art.example/a.png?v=2', x: 7, y: 9, scale: 0.5 } });
    const written = withTemplateHash('#x=10.5&y=3&z=4', { url: 'https://art.example/a.png?v=2', x: 7, y: 9, scale: 0.5 });
    assert.deepEqual(parseTemplateHash(written), parseTemplateHash(hash));
    assert.match(written, /^#x=10\.5&y=3&z=4&/);
    assert.equal(withTemplateHash(hash, undefined), '#x=10.5&y=3&z=4');
  });

  it('defaults the position to 0,0 and the scale to 1, and names nothing without a template', () => {
    assert.deepEqual(parseTemplateHash('#template=https%3A%2F%2Fa.example%2Fb.png'), {
      ok: true,
      template: { url: 'https://a.example/b.png', x: 0, y: 0, scale: 1 },
    });
    assert.equal(parseTemplateHash('#x=1&y=2&z=3'), undefined);
    assert.equal(parseTemplateHash(''), undefined);
  });

  it('refuses links it cannot use, saying which field is wrong', () => {
    const bad: [string, RegExp][] = [
      ['#template=javascript%3Aalert(1)', /image must be an absolute http/],
      ['#template=data%3Aimage%2Fpng%3Bbase64%2CAAAA', /image must be an absolute http/],
      [`#template=https%3A%2F%2Fa.example%2F${'a'.repeat(3000)}`, /at most 2048/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&tx=-1', /position/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&ty=1.5', /position/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&tx=abc', /position/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&tx=1e12', /position/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&ts=0', /scale/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&ts=1e9', /scale/],
      ['#template=https%3A%2F%2Fa.example%2Fb.png&ts=NaN', /scale/],
    ];
    for (const [hash, problem] of bad) {
      const parsed = parseTemplateHash(hash);
      assert.equal(parsed?.ok, false, hash.slice(0, 60));
      assert.match(parsed && !parsed.ok ? parsed.problem : '', problem);
    }
  });
});

describe('snapping a template to the palette', () => {
  it('maps each colour to the nearest palette colour and leaves transparent pixels out', () => {
    const rgba = new Uint8ClampedArray([
      255,
      69,
      0,
      255, // exactly #ff4500 (index 3)
      250,
      72,
      8,
      255, // a JPEG-ish near miss of it
      2,
      1,
      0,
      255, // almost black (#000000, index 28)
      255,
      255,
      255,
      60, // mostly transparent
    ]);
    assert.deepEqual([...snapToPalette(rgba, DEFAULT_PALETTE)], [3, 3, 28, NO_PIXEL]);
  });
});

describe('the rules text', () => {
  it('understands paragraphs and "- " lists and nothing else (markup stays text)', () => {
    assert.deepEqual(parseRulesText('Be kind.\nReally.\n\n- one\n-  two \r\n<b>bold</b>\n\n\n'), [
      { kind: 'paragraph', text: 'Be kind. Really.' },
      { kind: 'list', items: ['one', 'two'] },
      { kind: 'paragraph', text: '<b>bold</b>' },
    ]);
    assert.deepEqual(parseRulesText(''), []);
    assert.deepEqual(parseRulesText('   \n\n  '), []);
  });
});
