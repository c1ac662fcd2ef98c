/**
 * Invokes a registered function the way the Node worker does (InvocationHandler): the library's own
 * programming model builds the InvocationContext and arguments from RPC typed data, preInvocation hooks may
 * replace inputs/callback, postInvocation hooks see result/error, and the response comes back as typed data.
 */
import { randomUUID } from 'node:crypto';
import { errorText, parseLogLevel, type Logger } from '../log';
import type { FunctionRegistry } from './shim';
import type { CoreInvocationContext, FunctionCallback, RegisteredFunction, RpcTypedData } from './types';

export interface InvokeRequest {
  triggerData?: RpcTypedData | null;
  /** Data for `in` bindings other than the trigger, by binding type (e.g. durableClient). */
  inputsByType?: Record<string, RpcTypedData>;
  triggerMetadata?: Record<string, RpcTypedData>;
  invocationId?: string;
}

export interface InvokeResult {
  returnValue: RpcTypedData | null | undefined;
  /** The library's InvocationContext (durable reads its `df` after an orchestrator ran). */
  context: Record<string, unknown>;
}

export class FunctionTimeoutError extends Error {}

export class Invoker {
  /** Shared across all hooks of the app (`appHookData`). */
  readonly appHookData: Record<string, unknown> = {};

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly logger: Logger,
    private readonly timeoutMs: number | undefined,
  ) {}

  async invoke(fn: RegisteredFunction, request: InvokeRequest): Promise<InvokeResult> {
    const model = this.registry.model;
    if (!model) throw new Error('No programming model was registered (@azure/functions was never loaded by the app)');
    const invocationId = request.invocationId ?? randomUUID();
    const inputData: CoreInvocationContext['request']['inputData'] = [{ name: fn.triggerBindingName, data: request.triggerData ?? undefined }];
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (name === fn.triggerBindingName || binding.direction !== 'in' || !binding.type) continue;
      const data = request.inputsByType?.[binding.type];
      if (data) inputData.push({ name, data });
    }
    const current: { context?: unknown } = {};
    const coreCtx: CoreInvocationContext = {
      invocationId,
      metadata: fn.metadata,
      state: undefined,
      log: (level, category, message) => this.appLog(fn.name, level, category, message, current.context),
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: request.triggerMetadata },
    };
    const inv = model.getInvocationModel(coreCtx);
    const { context, inputs } = await inv.getArguments();
    current.context = context;
    const hookData: Record<string, unknown> = {};
    const pre: Record<string, unknown> = { hookData, appHookData: this.appHookData, invocationContext: context, inputs, functionCallback: fn.callback };
    coreCtx.state = 'preInvocationHooks';
    for (const hook of this.registry.hooks.preInvocation) await hook(pre);
    coreCtx.state = 'invocation';
    const post: Record<string, unknown> = { hookData, appHookData: this.appHookData, invocationContext: context, inputs: pre['inputs'], result: null, error: null };
    const started = performance.now();
    try {
      post['result'] = await this.withTimeout(fn.name, inv.invokeFunction(context, pre['inputs'] as unknown[], pre['functionCallback'] as FunctionCallback));
    } catch (err) {
      post['error'] = err;
    }
    const outcome = post['error'] === null || post['error'] === undefined ? 'Succeeded' : 'Failed';
    this.logger.log(`Function.${fn.name}`, outcome === 'Succeeded' ? 'information' : 'error',
      `Executed 'Functions.${fn.name}' (${outcome}, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)${outcome === 'Failed' ? `: ${errorText(post['error'])}` : ''}`);
    coreCtx.state = 'postInvocationHooks';
    for (const hook of this.registry.hooks.postInvocation) await hook(post);
    if (post['error'] !== null && post['error'] !== undefined) throw post['error'];
    const response = await inv.getResponse(context, post['result']);
    return { returnValue: response.returnValue, context };
  }

  private async withTimeout<T>(name: string, work: Promise<T>): Promise<T> {
    if (this.timeoutMs === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const limit = this.timeoutMs;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(`Timeout value of ${formatTimeSpan(limit)} was exceeded by function: Functions.${name}`)), limit);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Log from the library (`context.log`, system messages): filtered by host.json levels, then `log` hooks. */
  appLog(functionName: string, level: string, category: string, message: string, invocationContext?: unknown): void {
    const lvl = parseLogLevel(level) ?? 'information';
    const cat = category === 'user' ? `Function.${functionName}.User` : `Function.${functionName}`;
    this.logger.log(cat, lvl, message);
    for (const hook of this.registry.hooks.log) {
      try {
        void hook({ hookData: {}, appHookData: this.appHookData, level, category, message, invocationContext });
      } catch (err) {
        this.logger.error('Host', `log hook failed: ${errorText(err)}`);
      }
    }
  }
}

export function formatTimeSpan(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
