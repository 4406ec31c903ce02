import type { BanNotice } from '@tessera/protocol';

/** The one line a banned player reads: that they watch only, why, and until when. */
export function describeBan(ban: BanNotice, locale?: string): string {
  const reason = ban.reason.trim();
  const until =
    ban.expiresAt === 0
      ? 'This ban does not expire.'
      : `It ends ${new Date(ban.expiresAt).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })}.`;
  return `You are banned from placing on this canvas${reason ? `: ${reason}` : ''}. You can keep watching. ${until}`;
}
