import { AuditAction, type AdminIdentity, type RulesText } from '@tessera/protocol';
import { appendAudit, readRulesText, writeRulesText, type RedisConnection } from '@tessera/store';

/** The rules and help text players see (plain text; the client never renders it as HTML). */
export function createRulesOperations(deps: { redis: RedisConnection; canvasId: string; /** After a write: drop cached copies. */ changed?: () => void }) {
  const { redis, canvasId } = deps;
  return {
    read: (): Promise<RulesText> => readRulesText(redis, canvasId),
    async write(admin: AdminIdentity, request: { text: string }): Promise<RulesText> {
      const rules = await writeRulesText(redis, canvasId, request.text);
      deps.changed?.();
      await appendAudit(redis, canvasId, AuditAction.Rules, { actor: admin.name, details: { version: rules.version, length: request.text.length } });
      return rules;
    },
  };
}

export type RulesOperations = ReturnType<typeof createRulesOperations>;
