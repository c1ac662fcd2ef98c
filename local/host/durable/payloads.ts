/**
 * Conversions between the library's invocation payloads and history fields (pure): the replay executor's open
 * tasks, RPC typed data -> JSON text, and activity errors -> TaskFailed fields.
 */
import type { RpcTypedData } from '../core/types';
import { jsonText } from './history';

/** The replay executor the library left on the context (pinned durable-functions 3.5.0 internal). */
export function executorOpenTasks(context: Record<string, unknown>): Record<string, unknown> {
  const df = context['df'] as { taskOrchestratorExecutor?: { openTasks?: Record<string, unknown> } } | undefined;
  const open = df?.taskOrchestratorExecutor?.openTasks;
  if (!open) throw new Error('durable-functions internals changed: context.df.taskOrchestratorExecutor.openTasks is missing (pin durable-functions 3.5.x)');
  return open;
}

export function typedDataValue(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.json !== undefined) return JSON.parse(data.json);
  if (data.string !== undefined) return data.string;
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  if (data.bytes !== undefined) return Buffer.from(data.bytes).toString('base64');
  return undefined;
}

/** An activity's return value as the JSON text TaskCompleted.Result carries (undefined -> null). */
export function resultJson(data: RpcTypedData | null | undefined): string {
  if (!data) return 'null';
  if (data.json !== undefined) return data.json;
  return jsonText(typedDataValue(data));
}

/** TaskFailed fields for an activity error; JSON from setExceptionPropertiesProvider becomes FailureDetails. */
export function activityFailure(name: string, err: unknown): Record<string, unknown> {
  const message = err instanceof Error ? err.message : String(err);
  const details = err instanceof Error ? err.stack ?? '' : '';
  try {
    const p = JSON.parse(message) as Record<string, unknown>;
    if (p && typeof p['errorType'] === 'string' && typeof p['errorMessage'] === 'string') {
      return {
        Reason: `Activity function '${name}' failed: ${p['errorMessage']}`, Details: details,
        FailureDetails: { ErrorType: p['errorType'], ErrorMessage: p['errorMessage'], StackTrace: p['stackTrace'] ?? null, IsNonRetriable: p['isNonRetriable'] ?? false, Properties: p['properties'] ?? null, InnerFailure: null },
      };
    }
  } catch {
    // plain message
  }
  return { Reason: `Activity function '${name}' failed: ${message}`, Details: details };
}
