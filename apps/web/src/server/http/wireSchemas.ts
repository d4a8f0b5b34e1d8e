/** Shapes shared by the route schemas. */
import { z } from 'zod';

// PostgreSQL's uuid type takes any 8-4-4-4-12 hex string, so the API does not insist on an RFC 4122 version.
export const uuid = () => z.guid({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a uuid') });

export const IdParams = z.object({ id: uuid() });
