/**
 * Provides the `@azure/functions-core` module that @azure/functions requires, the way the real Node worker
 * does (src/setupCoreModule.ts): a proxy on Module.prototype.require that answers that one request with our
 * core API object. No file is written into node_modules. Must run before anything requires @azure/functions,
 * because the library caches a failed lookup for the life of the process ("test mode").
 */
import Module from 'node:module';
import { hookNames, type CoreFunctionMetadata, type FunctionCallback, type HookCallback, type HookName, type ProgrammingModel, type RegisteredFunction, type RpcBindingInfo } from './types';

export const coreModuleName = '@azure/functions-core';

class Disposable {
  #callback: (() => void) | undefined;
  constructor(callback: () => void) { this.#callback = callback; }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => { for (const i of items) i.dispose(); });
  }
  dispose(): void {
    const cb = this.#callback;
    this.#callback = undefined;
    cb?.();
  }
}

/** Everything the app registered during startup: functions, hooks and the programming model. */
export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks: Record<HookName, HookCallback[]> = { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [], log: [] };
  model: ProgrammingModel | undefined;
  frozen = false;
  systemLog: (level: string, category: string, message: string) => void = () => undefined;

  register(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
    if (this.frozen) throw new Error('A function can only be registered during app startup.');
    const name = metadata.name;
    if (!name) throw new Error('Function metadata must have a "name".');
    if (this.functions.has(name.toLowerCase())) throw new Error(`A function with the name "${name}" has already been registered.`);
    const entry = Object.entries(metadata.bindings ?? {}).find(([, b]) => typeof b.type === 'string' && b.type.toLowerCase().endsWith('trigger'));
    if (!entry) throw new Error(`Function "${name}" has no trigger binding.`);
    const [triggerBindingName, trigger] = entry as [string, RpcBindingInfo & { type: string }];
    this.functions.set(name.toLowerCase(), { name, metadata, callback, trigger, triggerBindingName });
    return new Disposable(() => { if (!this.frozen) this.functions.delete(name.toLowerCase()); });
  }

  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  byTriggerType(type: string): RegisteredFunction[] {
    return [...this.functions.values()].filter((f) => f.trigger.type.toLowerCase() === type.toLowerCase());
  }

  addHook(name: string, callback: HookCallback): Disposable {
    if (!hookNames.includes(name as HookName)) {
      const err = new RangeError(`Unrecognized hook "${name}"`) as RangeError & { isAzureFunctionsSystemError: boolean };
      err.isAzureFunctionsSystemError = true;
      throw err;
    }
    const list = this.hooks[name as HookName];
    list.push(callback);
    return new Disposable(() => { const i = list.indexOf(callback); if (i >= 0) list.splice(i, 1); });
  }
}

/** The object `require('@azure/functions-core')` returns. */
export function createCoreApi(registry: FunctionRegistry): Record<string, unknown> {
  return {
    version: '3.10.1',
    hostVersion: '4.1041.200',
    Disposable,
    registerFunction: (metadata: CoreFunctionMetadata, callback: FunctionCallback) => registry.register(metadata, callback),
    registerHook: (name: string, callback: HookCallback) => registry.addHook(name, callback),
    setProgrammingModel: (model: ProgrammingModel) => { registry.model = model; },
    getProgrammingModel: () => registry.model,
    log: (level: string, category: string, message: string) => registry.systemLog(level, category, message),
  };
}

let installed: Record<string, unknown> | undefined;

/** Installs the shim once per process; later calls return the first registry's API (one app per process). */
export function installCoreShim(registry: FunctionRegistry): void {
  if (installed) throw new Error('@azure/functions-core shim is already installed in this process');
  const api = createCoreApi(registry);
  installed = api;
  const proto = Module.prototype as unknown as { require: (this: unknown, id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply(target, self, args: unknown[]) {
      if (args[0] === coreModuleName) return api;
      return Reflect.apply(target, self, args) as unknown;
    },
  });
}
