/** The run detail's tabs and log types: the values its URL parameters (`tab`, `log`) may take. */
export const DETAIL_TABS = ['logs', 'changes', 'artifacts', 'comments', 'details'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export const LOG_TYPES = ['events', 'output', 'input', 'summary'] as const;
export type LogType = (typeof LOG_TYPES)[number];
