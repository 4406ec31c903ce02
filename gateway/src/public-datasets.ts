import type { Logger } from '@tessera/runtime';
import { Router, type Response } from 'express';
import type { HistoryJobsOperations } from './admin/history-jobs-operations.js';

/**
 * `/api/datasets`: the finished placement datasets of this canvas for anyone, only while its
 * config has `datasetsPublic` (an admin switches it; off by default). A download answers with a
 * redirect to a short-lived presigned S3 link, so the bytes never pass through a gateway. While
 * the datasets are not public, both routes answer 404 as if they did not exist.
 */
export function createPublicDatasetRoutes(deps: { historyJobs: HistoryJobsOperations; log: Logger }): Router {
  const router = Router();
  const fail = (response: Response, error: unknown): void => {
    deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'public dataset request failed');
    response.status(503).json({ error: 'UNAVAILABLE' });
  };
  router.get('/api/datasets', async (_request, response) => {
    response.set('cache-control', 'no-store');
    try {
      const datasets = await deps.historyJobs.publicDatasets();
      if (!datasets) return void response.status(404).json({ error: 'NOT_FOUND' });
      response.json({
        datasets: datasets.map((job) => ({
          id: job.id,
          from: job.request.from,
          to: job.request.to,
          format: 'format' in job.request ? job.request.format : undefined,
          fileName: job.result?.fileName,
          bytes: job.result?.bytes,
          rows: job.result?.rows,
          download: `/api/datasets/${job.id}/download`,
        })),
      });
    } catch (error) {
      fail(response, error);
    }
  });
  router.get('/api/datasets/:id/download', async (request, response) => {
    response.set('cache-control', 'no-store');
    const id = request.params.id;
    if (!/^[0-9]{1,20}$/.test(id)) return void response.status(404).json({ error: 'NOT_FOUND' });
    try {
      const link = await deps.historyJobs.publicLink(id);
      if (!link) return void response.status(404).json({ error: 'NOT_FOUND' });
      response.redirect(302, link.url);
    } catch (error) {
      fail(response, error);
    }
  });
  return router;
}
