/**
 * The rules and help text admins write for players. It is plain text, shown through textContent:
 * blank lines separate paragraphs and lines starting with `- ` are list items; no markup (and so
 * never HTML from the admin) reaches the page.
 */
export interface RulesText {
  readonly text: string;
  /** Increases with every edit; a player who saw an older version is shown the panel again. */
  readonly version: number;
}

export const RULES_LIMITS = {
  maxLength: 4000,
} as const;

export type RulesBlock = { readonly kind: 'paragraph'; readonly text: string } | { readonly kind: 'list'; readonly items: readonly string[] };

/** Splits rules text into paragraphs and lists (the whole of the "markup" it understands). */
export function parseRulesText(text: string): RulesBlock[] {
  const blocks: RulesBlock[] = [];
  for (const chunk of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = chunk
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    let paragraph: string[] = [];
    let items: string[] = [];
    const flush = () => {
      if (paragraph.length) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
      if (items.length) blocks.push({ kind: 'list', items });
      paragraph = [];
      items = [];
    };
    for (const line of lines) {
      if (line.startsWith('- ')) {
        if (paragraph.length) flush();
        items.push(line.slice(2).trim());
      } else {
        if (items.length) flush();
        paragraph.push(line);
      }
    }
    flush();
  }
  return blocks;
}
