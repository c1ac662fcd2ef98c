/**
 * Reads the app's configuration from process.env once per process and validates it with the pure schema
 * (lib/domain/config.ts). A bad setting fails the first call with ConfigError naming every problem.
 */
import { parseConfig, type Config } from '../domain/config';

let cached: Config | undefined;

export function loadConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Tests that change process.env call this to force a re-read. */
export function resetConfigCache(): void {
  cached = undefined;
}
