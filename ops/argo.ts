/**
 * The Argo Rollouts AnalysisTemplate (ops/kubernetes/analysis-template.yaml), generated so that its queries are
 * the gate's checks verbatim (ops/canary.ts, cluster window): the same strings promtool tests in
 * ops/tests/canary-analysis.yaml. A check's query returns a sample exactly when the canary fails it, so each
 * metric succeeds on an empty result; one failed measurement aborts the rollout (traffic back to stable).
 */
import { CLUSTER_GATE, canaryChecks } from './canary.js';

export const ANALYSIS_TEMPLATE_NAME = 'portal-api-canary';

export function analysisTemplate(): object {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: ANALYSIS_TEMPLATE_NAME, labels: { 'app.kubernetes.io/name': 'portal-api', 'app.kubernetes.io/component': 'canary-analysis' } },
    spec: {
      args: [{ name: 'prometheus-address', value: 'http://prometheus-operated.monitoring.svc:9090' }],
      metrics: canaryChecks(CLUSTER_GATE).map((c) => ({
        name: c.name,
        // The first look waits one interval, so the window holds canary traffic (the serving check would fail on none).
        initialDelay: CLUSTER_GATE.interval,
        interval: CLUSTER_GATE.interval,
        failureLimit: 0,
        successCondition: 'len(result) == 0',
        provider: { prometheus: { address: '{{args.prometheus-address}}', query: c.expr } },
      })),
    },
  };
}
