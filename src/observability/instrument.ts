/**
 * Side-effect module: starts OpenTelemetry before anything loads express or node:http. src/server.ts (and the
 * backend service's entry) import it first:  `import './observability/instrument.js';`
 *
 * Configuration comes from src/config.ts (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME). A bad configuration
 * is not reported here: the entry point loads the config again and prints every problem at once.
 */
import { loadConfig } from '../config.js';
import { startTracing } from './tracing.js';

try {
  const config = loadConfig();
  startTracing({
    serviceName: config.observability.serviceName,
    serviceVersion: config.version,
    otlpEndpoint: config.observability.otlpEndpoint,
  });
} catch {
  // Invalid configuration: the entry point reports it and exits.
}
