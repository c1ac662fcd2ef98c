/** The API's problem details, printed plainly: status, code, message, then each named field. */
import { problemSchema } from './api-types';

export function describeProblem(status: number, body: unknown): string {
  if (status === 401 || status === 403)
    return `HTTP ${status}: the key was refused (set --key or EGRESS_PILOT_KEY to a function key; admin operations need --admin-key or EGRESS_PILOT_ADMIN_KEY, the master key)`;
  const parsed = problemSchema.safeParse(body);
  if (!parsed.success) return `HTTP ${status}${typeof body === 'string' && body.trim() !== '' ? `: ${body.trim().slice(0, 500)}` : ''}`;
  const { code, message, details } = parsed.data.error;
  const lines = [`HTTP ${status} ${code}: ${message}`];
  for (const d of details ?? []) lines.push(`  ${d.field}: ${d.reason}`);
  return lines.join('\n');
}
