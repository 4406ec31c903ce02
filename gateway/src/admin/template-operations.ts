import { AdminErrorCode, AuditAction, TEMPLATE_LIMITS, type AdminIdentity, type OfficialTemplate } from '@tessera/protocol';
import { appendAudit, countOfficialTemplates, listOfficialTemplates, pinOfficialTemplate, unpinOfficialTemplate, type RedisConnection } from '@tessera/store';
import { AdminFailure } from './admin-operations.js';

export type PinTemplateRequest = Omit<OfficialTemplate, 'id'>;

/** Official templates: admins pin and unpin them; players read them (player-content-routes.ts). */
export function createTemplateOperations(deps: { redis: RedisConnection; canvasId: string; /** After a write: drop cached copies. */ changed?: () => void }) {
  const { redis, canvasId } = deps;
  return {
    list: async () => ({ templates: await listOfficialTemplates(redis, canvasId) }),

    async pin(admin: AdminIdentity, id: string, request: PinTemplateRequest): Promise<OfficialTemplate> {
      const existing = await listOfficialTemplates(redis, canvasId);
      // Two admins pinning at once may pass this check together and exceed it by one: harmless.
      if (!existing.some((template) => template.id === id) && (await countOfficialTemplates(redis, canvasId)) >= TEMPLATE_LIMITS.maxOfficial) {
        throw new AdminFailure(409, AdminErrorCode.Conflict, `at most ${TEMPLATE_LIMITS.maxOfficial} official templates; unpin one first`);
      }
      const template: OfficialTemplate = { id, name: request.name, url: request.url, x: request.x, y: request.y, scale: request.scale };
      const replaced = await pinOfficialTemplate(redis, canvasId, template);
      deps.changed?.();
      await appendAudit(redis, canvasId, AuditAction.PinTemplate, { actor: admin.name, details: { ...template, replaced } });
      return template;
    },

    async unpin(admin: AdminIdentity, id: string) {
      const wasPinned = await unpinOfficialTemplate(redis, canvasId, id);
      deps.changed?.();
      if (wasPinned) await appendAudit(redis, canvasId, AuditAction.UnpinTemplate, { actor: admin.name, details: { id } });
      return { id, wasPinned };
    },
  };
}

export type TemplateOperations = ReturnType<typeof createTemplateOperations>;
