/** The problems loadConfig reports for an environment (none: []), for tests of the configuration's checks. */
import { ConfigError, loadConfig } from '../../src/config.js';

export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
