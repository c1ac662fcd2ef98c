/** The API over HTTP: one request, its status and JSON body; a connection failure is an API error (exit 3). */
import type { z } from 'zod';
import type { Connection } from './connection';
import { EXIT, exitForStatus, type ExitCode } from './exit-codes';
import { describeProblem } from './problems';

/** An error the command ends with: the message printed plainly, and the exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Answer {
  status: number;
  body: unknown;
  /** The server's clock when it answered (the Date header), ms since the epoch. */
  date?: number;
}

const REQUEST_TIMEOUT_MS = 60_000;

export class Api {
  constructor(readonly connection: Connection, private readonly fetchImpl: typeof fetch = fetch) {}

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: { body?: unknown; admin?: boolean } = {}): Promise<Answer> {
    const key = options.admin ? this.connection.adminKey : this.connection.key;
    if (options.admin && !key) throw new CliError('this operation needs the admin (master) key: pass --admin-key or set EGRESS_PILOT_ADMIN_KEY', EXIT.usage);
    const url = `${this.connection.baseUrl}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: { 'x-functions-key': key ?? '', accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new CliError(`cannot reach the API at ${this.connection.baseUrl} (from ${this.connection.from.url}): ${cause}`, EXIT.api);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: kept as text for the error message
    }
    const date = Date.parse(response.headers.get('date') ?? '');
    return { status: response.status, body, ...(Number.isNaN(date) ? {} : { date }) };
  }
}

/** A 2xx answer read with its schema; anything else ends the command with the API's problem, fields named. */
export function expect2xx<T>(answer: Answer, schema: z.ZodType<T>, what: string): T {
  if (answer.status < 200 || answer.status >= 300) throw new CliError(describeProblem(answer.status, answer.body), exitForStatus(answer.status));
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`unexpected answer for ${what}: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'not understood'}`, EXIT.api);
  }
  return parsed.data;
}
