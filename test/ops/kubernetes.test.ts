/**
 * The Kubernetes and Argo Rollouts manifests (ops/kubernetes), checked offline as far as this machine allows:
 *   - every object validates against its JSON schema — Kubernetes 1.27's OpenAPI (kubernetes-models) and the Argo
 *     Rollouts CRDs (@kubernetes-models/argo-rollouts) — and, strictly, against their TypeScript types: the manifest
 *     as an object literal of the kind's type must compile, which refuses unknown fields (the schemas allow them;
 *     `kubectl apply --validate=strict` does not);
 *   - the facts that tie them to the server and to each other: probes on the admin port's /livez and /readyz, the
 *     preStop as long as the drain delay, a grace period above preStop + drain + timeout, a production
 *     configuration the server's own validator accepts, Services and the NetworkPolicy on the right ports (the
 *     admin port from Prometheus only), the HPA and the Rollout on the same workload, the Rollout's steps the gate's
 *     phases with the seed's pauses, and the AnalysisTemplate's queries exactly the promtool-tested checks;
 *   - the Prometheus scrape job the queries rely on passes `promtool check config`, and its relabelling, run by a
 *     real Prometheus on stand-in targets (Debian's build has no Kubernetes discovery), keeps only the portal pods'
 *     admin port and gives each series its `track`.
 * Not checked here (no cluster, no controllers): admission, scheduling, the ingress controller's canary routing and
 * the Argo Rollouts controller's evaluation of `len(result) == 0`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { analysisTemplate } from '../../ops/argo.js';
import { CANARY_PHASES, CLUSTER_GATE, SCRAPE_JOB, SEED_PLAN, TRACK_LABEL, canaryChecks } from '../../ops/canary.js';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT, freePort } from '../../scripts/bench/portal-process.js';
import { requireServices } from '../support/services.js';

const DIR = path.join(REPO_ROOT, 'ops/kubernetes');

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML, checked below */
type Manifest = Record<string, any>;

/** kind → the model that validates it against the JSON schema, and the TypeScript type that checks it strictly. */
const KINDS: Record<string, { model: new (data: any) => { validate(): void }; module: string; type: string }> = {
  'apps/v1 Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'v1 Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'networking.k8s.io/v1 Ingress': { model: Ingress, module: 'kubernetes-models/networking.k8s.io/v1/Ingress', type: 'IIngress' },
  'networking.k8s.io/v1 NetworkPolicy': { model: NetworkPolicy, module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', type: 'INetworkPolicy' },
  'policy/v1 PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
  'autoscaling/v2 HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler, module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', type: 'IHorizontalPodAutoscaler' },
  'argoproj.io/v1alpha1 Rollout': { model: Rollout, module: '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout', type: 'IRollout' },
  'argoproj.io/v1alpha1 AnalysisTemplate': { model: AnalysisTemplate, module: '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate', type: 'IAnalysisTemplate' },
};

const kustomization = parseAllDocuments(readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
const manifests: Array<{ file: string; doc: Manifest }> = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Manifest })),
);
const one = (kind: string, name?: string) => {
  const found = manifests.filter((m) => m.doc.kind === kind && (name === undefined || m.doc.metadata?.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!.doc;
};

/** Type-checks each manifest as an object literal of its kind's type: excess properties and wrong types are errors. */
function strictTypeErrors(items: Array<{ file: string; doc: Manifest }>): string[] {
  const fileName = path.join(DIR, '__manifests__.ts');
  const lines: string[] = [];
  items.forEach(({ doc }, i) => {
    const k = KINDS[`${doc.apiVersion} ${doc.kind}`]!;
    lines.push(`export const m${i}: import('${k.module}').${k.type} = ${JSON.stringify(doc)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === fileName ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const item = where ? items[where.line] : undefined;
    return `${item ? `${item.file} ${item.doc.kind}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('the manifests validate against the Kubernetes and Argo Rollouts schemas', () => {
  it('lists every manifest file in kustomization.yaml, and only known kinds', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !['kustomization.yaml', 'prometheus-scrape.yaml'].includes(f));
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    for (const { file, doc } of manifests) expect(KINDS[`${doc.apiVersion} ${doc.kind}`], `${file}: ${doc.apiVersion} ${doc.kind}`).toBeDefined();
    expect(manifests.map((m) => m.doc.kind).sort()).toEqual(['AnalysisTemplate', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'Rollout', 'Service', 'Service']);
  });

  it('each object passes its JSON schema', () => {
    for (const { file, doc } of manifests) {
      const { model } = KINDS[`${doc.apiVersion} ${doc.kind}`]!;
      expect(() => new model(doc).validate(), `${file} ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    }
  });

  it('the schema check is live: a wrong type is refused', () => {
    const bad = structuredClone(one('Deployment'));
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect(() => new Deployment(bad).validate()).toThrow(/containerPort must be integer/);
    const badRollout = structuredClone(one('Rollout'));
    badRollout.spec.strategy.canary.steps[0].setWeight = 'five';
    expect(() => new Rollout(badRollout as ConstructorParameters<typeof Rollout>[0]).validate()).toThrow(/setWeight must be integer/);
  });

  it('each object type-checks strictly (no unknown fields), and a typo would not', { timeout: 60_000 }, () => {
    expect(strictTypeErrors(manifests)).toEqual([]);
    const typo = structuredClone(one('Deployment'));
    typo.spec.template.spec.containers[0].readinesProbe = typo.spec.template.spec.containers[0].readinessProbe;
    const errors = strictTypeErrors([{ file: 'deployment.yaml', doc: typo }]);
    expect(errors.join('\n')).toMatch(/readinesProbe.*does not exist in type 'IContainer'/);
  });
});

describe('the manifests agree with the server and with each other', () => {
  const deployment = one('Deployment');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const env = Object.fromEntries((container.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
  const port = (name: string) => (container.ports as Array<{ name: string; containerPort: number }>).find((p) => p.name === name)!.containerPort;

  it('is a production configuration the server accepts (secrets stand in), with the listeners on the declared ports', () => {
    const secrets = (container.env as Array<{ name: string; valueFrom?: { secretKeyRef?: unknown; fieldRef?: unknown } }>).filter((e) => e.valueFrom);
    const stand: Record<string, string> = {
      DATABASE_URL: 'postgres://portal:secret@db.internal:5432/portal',
      REDIS_URL: 'redis://redis.internal:6379',
      PORTAL_SIGNING_KEYS: 'k1:0123456789abcdef0123456789abcdef',
      PORTAL_CURSOR_SECRET: 'fedcba9876543210fedcba9876543210',
      PORTAL_REVISION: '6c9f7d8b5',
    };
    expect(secrets.map((e) => e.name).sort()).toEqual(Object.keys(stand).sort());
    const config = loadConfig({ ...env, ...stand } as Record<string, string>);
    expect(config.env).toBe('production');
    expect(config.http.port).toBe(port('http'));
    expect(config.admin).toEqual({ host: '0.0.0.0', port: port('admin') });
    expect(config.data.migrateOnStart).toBe(false);
    expect(config.testFaults).toBeUndefined();
  });

  it('sets none of the test-only fault settings, anywhere', () => {
    for (const file of readdirSync(DIR)) expect(readFileSync(path.join(DIR, file), 'utf8'), file).not.toMatch(/PORTAL_TEST_/);
  });

  it('probes the admin port: readiness /readyz, liveness and startup /livez', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'admin' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/livez', port: 'admin' });
  });

  it('holds the pod in preStop as long as the drain delay, within a grace period above preStop + drain + timeout', () => {
    const drainMs = Number(env.PORTAL_SHUTDOWN_DRAIN_MS);
    const timeoutMs = Number(env.PORTAL_SHUTDOWN_TIMEOUT_MS);
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', String(drainMs / 1000)]);
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs + drainMs + timeoutMs);
    // The readiness probe notices the drain (503) well within it.
    expect(container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold * 1000).toBeLessThan(drainMs);
  });

  it('runs as a non-root user without privileges', () => {
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('Services, PDB and NetworkPolicy select the pods; the Services expose only the public port', () => {
    const labels = pod.metadata.labels;
    for (const name of ['portal-api', 'portal-api-canary']) {
      const svc = one('Service', name);
      expect(labels).toMatchObject(svc.spec.selector);
      expect(svc.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
    }
    expect(labels).toMatchObject(one('PodDisruptionBudget').spec.selector.matchLabels);
    expect(labels).toMatchObject(one('NetworkPolicy').spec.podSelector.matchLabels);
    expect(deployment.spec.selector.matchLabels).toEqual(one('PodDisruptionBudget').spec.selector.matchLabels);
  });

  it('lets Prometheus reach only the admin port, and nothing else reach it', () => {
    const rules = one('NetworkPolicy').spec.ingress as Array<{ from: Array<{ podSelector?: { matchLabels: Record<string, string> } }>; ports: Array<{ port: string }> }>;
    const fromPrometheus = rules.filter((r) => r.from.some((f) => f.podSelector?.matchLabels['app.kubernetes.io/name'] === 'prometheus'));
    expect(fromPrometheus).toHaveLength(1);
    expect(fromPrometheus[0]!.ports.map((p) => p.port)).toEqual(['admin']);
    const others = rules.filter((r) => !fromPrometheus.includes(r));
    for (const r of others) {
      expect(r.ports.map((p) => p.port)).not.toContain('admin');
      expect(r.ports.map((p) => p.port)).not.toContain(port('admin'));
    }
    expect(one('NetworkPolicy').spec.policyTypes).toEqual(['Ingress']);
  });

  it('scales the Rollout, which runs this Deployment, between at least 3 replicas (a PDB of 1 leaves 2)', () => {
    const hpa = one('HorizontalPodAutoscaler');
    const rollout = one('Rollout');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: rollout.metadata.name });
    expect(rollout.spec.workloadRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(deployment.spec.replicas).toBeUndefined();
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(one('PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  it("the Rollout has the gate's phases, each paused as long as the seed planned, and labels the tracks the queries select", () => {
    const canary = one('Rollout').spec.strategy.canary;
    const weights = canary.steps.filter((s: Manifest) => 'setWeight' in s).map((s: Manifest) => s.setWeight);
    expect(weights).toEqual([...CANARY_PHASES]);
    const pauses = canary.steps.filter((s: Manifest) => 'pause' in s).map((s: Manifest) => s.pause.duration);
    expect(pauses).toEqual(SEED_PLAN.map((p) => p.pause));
    expect(canary.steps.map((s: Manifest) => Object.keys(s)[0])).toEqual(CANARY_PHASES.flatMap(() => ['setWeight', 'pause']));
    expect(canary.canaryMetadata.labels).toEqual({ [TRACK_LABEL]: 'canary' });
    expect(canary.stableMetadata.labels).toEqual({ [TRACK_LABEL]: 'stable' });
    expect(canary.stableService).toBe('portal-api');
    expect(canary.canaryService).toBe('portal-api-canary');
    expect(canary.trafficRouting.nginx.stableIngress).toBe(one('Ingress').metadata.name);
    expect(canary.analysis.templates).toEqual([{ templateName: one('AnalysisTemplate').metadata.name }]);
    expect(canary.analysis.startingStep).toBe(1);
  });

  it("the AnalysisTemplate's queries are the promtool-tested checks, verbatim; each succeeds only on an empty result", () => {
    const template = one('AnalysisTemplate');
    expect(template).toEqual(JSON.parse(JSON.stringify(analysisTemplate())));
    const checks = canaryChecks(CLUSTER_GATE);
    expect(template.spec.metrics.map((m: Manifest) => [m.name, m.provider.prometheus.query])).toEqual(checks.map((c) => [c.name, c.expr]));
    const tested = parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'ops/tests/rules/canary-gate.yaml'), 'utf8'))[0]!.toJS() as { groups: Array<{ rules: Array<{ expr: string; labels: { window: string } }> }> };
    const testedExprs = new Set(tested.groups.flatMap((g) => g.rules.filter((r) => r.labels.window === CLUSTER_GATE.window).map((r) => r.expr)));
    for (const m of template.spec.metrics) {
      expect(testedExprs.has(m.provider.prometheus.query), m.name).toBe(true);
      expect(m).toMatchObject({ successCondition: 'len(result) == 0', failureLimit: 0, interval: CLUSTER_GATE.interval });
    }
  });

  const promtool = (() => {
    try {
      execFileSync('promtool', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      if (requireServices) throw new Error('promtool is required (PORTAL_TEST_REQUIRE_SERVICES=1): apt-get install prometheus');
      console.warn('\n*** SKIPPING promtool check config: promtool is not installed ***\n');
      return false;
    }
  })();

  it.skipIf(!promtool)("the scrape job's relabelling keeps only the portal pods' admin port and copies their track label (real Prometheus)", async () => {
    const jobs = parseAllDocuments(readFileSync(path.join(DIR, 'prometheus-scrape.yaml'), 'utf8'))[0]!.toJS() as Array<Manifest>;
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.job_name).toBe(SCRAPE_JOB);
    expect(job.scrape_interval).toBe(CLUSTER_GATE.scrapeInterval);
    expect(Object.keys(job.kubernetes_sd_configs[0])).toEqual(['role']);
    // Debian's Prometheus is built without Kubernetes discovery: stand in for it with static targets carrying the
    // labels it would discover, and let the real relabelling decide.
    const pod = (port: string, app: string, track: string, name: string) => ({
      targets: [`127.0.0.1:${9000 + Number(name.slice(-1))}`],
      labels: { __meta_kubernetes_pod_label_app_kubernetes_io_name: app, __meta_kubernetes_pod_container_port_name: port, __meta_kubernetes_pod_label_track: track, __meta_kubernetes_namespace: 'portal', __meta_kubernetes_pod_name: name },
    });
    const { kubernetes_sd_configs: _sd, ...rest } = job;
    const config = { scrape_configs: [{ ...rest, static_configs: [pod('admin', 'portal-api', 'canary', 'pod-1'), pod('http', 'portal-api', 'canary', 'pod-2'), pod('admin', 'other-app', 'canary', 'pod-3'), pod('admin', 'portal-api', 'stable', 'pod-4')] }] };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-scrape-'));
    const port = await freePort();
    const file = path.join(dir, 'prometheus.yml');
    writeFileSync(file, stringify(config));
    const prom = spawn('prometheus', [`--config.file=${file}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: 'ignore' });
    try {
      expect(execFileSync('promtool', ['check', 'config', file], { encoding: 'utf8' })).toContain('SUCCESS');
      let targets: { activeTargets: Array<{ labels: Record<string, string> }>; droppedTargets: unknown[] } | undefined;
      for (let i = 0; i < 100 && !targets?.activeTargets.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          targets = ((await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as { data: typeof targets }).data;
        } catch {
          // not up yet
        }
      }
      const active = targets!.activeTargets.map((t) => t.labels).sort((a, b) => a.pod!.localeCompare(b.pod!));
      expect(active).toEqual([
        { instance: '127.0.0.1:9001', job: SCRAPE_JOB, namespace: 'portal', pod: 'pod-1', track: 'canary' },
        { instance: '127.0.0.1:9004', job: SCRAPE_JOB, namespace: 'portal', pod: 'pod-4', track: 'stable' },
      ]);
      expect(targets!.droppedTargets).toHaveLength(2);
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => prom.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
