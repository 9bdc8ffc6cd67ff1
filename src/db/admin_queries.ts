/**
 * The read queries of the admin view, the JSON API, `/healthz` and
 * `/metrics`, one query group a file in `admin/`. Each one is shaped for an
 * index of `schema.ts` so its cost does not grow with the EXEC and LOG
 * history: keyset paging over (date desc, ID desc), `LIMIT` everywhere, date
 * ranges on indexed columns.
 */
export { type Keyset, type Page } from "./admin/keyset.ts";
export { countMessages, type MessageCount, oldestDue } from "./admin/counts.ts";
export {
  type ExecSummary,
  listMessages,
  type MessageDetail,
  messageDetail,
  type MessageFilter,
  type MessageListItem,
  uuidPrefixRange,
} from "./admin/messages.ts";
export { type ExecFilter, listExecutions } from "./admin/executions.ts";
export { listLogs, type LogFilter, recentErrors } from "./admin/logs.ts";
export { type ExecutionCount, executionCountsLast24h, executionsByHour, type HourBucket } from "./admin/charts.ts";
