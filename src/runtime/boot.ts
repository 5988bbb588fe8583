/** Shared start-up of the process entries (portal and backend service): config or one clear message and exit 1. */
import { ConfigError, loadConfig, type Config } from '../config.js';

export function exitWith(processName: string, message: string): never {
  process.stderr.write(`${processName}: ${message}\n`);
  process.exit(1);
}

export function loadConfigOrExit(processName: string): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) exitWith(processName, err.message);
    throw err;
  }
}
