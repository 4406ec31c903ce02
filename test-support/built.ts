import { existsSync } from 'node:fs';

/**
 * Skips a suite whose services are not built (someone ran one test file without `npm run build`),
 * but fails it under CI, where a skip would quietly hide a missing build step.
 */
export function requireBuilt(context: Mocha.Context, files: readonly string[], hint = 'npm run build'): void {
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length === 0) return;
  const message = `${missing.join(', ')} missing: run ${hint} first`;
  if (process.env.CI) throw new Error(message);
  console.warn(`      skipped: ${message}`);
  context.skip();
}
