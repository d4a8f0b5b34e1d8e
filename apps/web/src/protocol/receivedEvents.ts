/** Events sent to runs from outside (`ctx.waitForEvent`): to one run, or to a project's runs matched by fields. */
import { z } from 'zod';
import { jsonObject, text, timestamp, uuid } from './common.ts';

/** `POST /api/workflow-executions/:id/events`: an event for this run. */
export const SendRunEventBody = z.object({
  name: text({ error: 'is required' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  data: jsonObject('must be an object').optional(),
});
export type SendRunEventBody = z.infer<typeof SendRunEventBody>;

/** `POST /api/events`: an event for every run of the project that waits for it (by name and its `match` fields). */
export const SendEventBody = SendRunEventBody.extend({ project_id: uuid().optional() });
export type SendEventBody = z.infer<typeof SendEventBody>;

/** The answer to both: the kept event, and the runs it was delivered to now (others may take it later). */
export const EventReceipt = z.object({
  id: uuid(),
  name: z.string(),
  received_at: timestamp(),
  delivered_to: z.array(uuid()),
});
export type EventReceipt = z.infer<typeof EventReceipt>;
