import { LIMITS, TEMPLATE_LIMITS, templateScaleProblem, templateUrlProblem, type TemplatePlacement } from '@tessera/protocol';

/**
 * A template in the page's hash, beside the view (`#x=…&y=…&z=…`):
 * `template` = the image URL, `tx`/`ty` = the board pixel of its top-left corner,
 * `ts` = board pixels per image pixel (default 1). Opening the link shows the same overlay.
 */
export const TEMPLATE_HASH_FIELDS = ['template', 'tx', 'ty', 'ts'] as const;

/** The template a hash names, or a reason it cannot be used, or undefined when it names none. */
export function parseTemplateHash(hash: string): { ok: true; template: TemplatePlacement } | { ok: false; problem: string } | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const url = params.get('template');
  if (url === null || url === '') return undefined;
  const urlProblem = templateUrlProblem(url);
  if (urlProblem) return { ok: false, problem: `The template link's image ${urlProblem}.` };
  const x = Number(params.get('tx') ?? 0);
  const y = Number(params.get('ty') ?? 0);
  const scale = Number(params.get('ts') ?? 1);
  if (!isBoardCoordinate(x) || !isBoardCoordinate(y)) return { ok: false, problem: 'The template link has a bad position (tx, ty).' };
  if (templateScaleProblem(scale))
    return { ok: false, problem: `The template link's scale (ts) must be ${TEMPLATE_LIMITS.minScale} to ${TEMPLATE_LIMITS.maxScale}.` };
  return { ok: true, template: { url, x, y, scale } };
}

/** The hash with the template's fields set (or removed when `template` is undefined), other fields kept. */
export function withTemplateHash(hash: string, template: TemplatePlacement | undefined): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  for (const field of TEMPLATE_HASH_FIELDS) params.delete(field);
  if (template) {
    params.set('template', template.url);
    params.set('tx', String(template.x));
    params.set('ty', String(template.y));
    params.set('ts', String(template.scale));
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

/** A whole number a board pixel could have on the largest canvas. */
export function isBoardCoordinate(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < LIMITS.maxCanvasSide;
}
