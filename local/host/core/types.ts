/**
 * The slice of the `@azure/functions-core` contract (the Node worker's API) that @azure/functions 4.x calls.
 * Shapes follow azure-functions-nodejs-worker `types-core/index.d.ts`; only what this host uses is typed.
 */
export interface RpcBindingInfo {
  type?: string;
  direction?: 'in' | 'out' | 'inout' | string;
  name?: string;
  [property: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
  [property: string]: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: Record<string, unknown>) => unknown;
export type HookName = 'preInvocation' | 'postInvocation' | 'appStart' | 'appTerminate' | 'log';
export const hookNames: readonly HookName[] = ['preInvocation', 'postInvocation', 'appStart', 'appTerminate', 'log'];

export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: RpcHttpData;
  [other: string]: unknown;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData | null;
  statusCode?: string;
  cookies?: unknown[];
  [other: string]: unknown;
}

export interface CoreInvocationContext {
  invocationId: string;
  metadata: CoreFunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: string, category: string, message: string): void;
  request: {
    invocationId: string;
    functionId?: string;
    inputData: { name: string; data?: RpcTypedData | null }[];
    triggerMetadata?: Record<string, RpcTypedData>;
  };
}

/** What `InvocationModel.getArguments` hands back: the handler's arguments and the library's InvocationContext. */
export interface InvocationArguments {
  context: Record<string, unknown> & { extraInputs?: unknown; options?: unknown };
  inputs: unknown[];
}

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: RpcTypedData | null; outputData?: { name: string; data?: RpcTypedData | null }[] }>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface RegisteredFunction {
  name: string;
  metadata: CoreFunctionMetadata;
  callback: FunctionCallback;
  /** The trigger binding (the one whose type ends in "Trigger"). */
  trigger: RpcBindingInfo & { type: string };
  triggerBindingName: string;
}
