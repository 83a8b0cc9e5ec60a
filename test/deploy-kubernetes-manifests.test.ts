import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IContainer, IPodSpec, IProbe } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeployCommand } from '../src/cli/deploy-command.js';
import { KUBERNETES_MANIFESTS } from '../src/cli/deploy-files.js';

/** A Kubernetes object as the schemas model it: constructed from plain data, then validated. */
interface Validated {
  validate(): void;
  toJSON(): unknown;
}

/** The model class of each kind the kit ships (a kind not listed here fails the test). */
const MODELS: Readonly<Record<string, new (data: never) => Validated>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Parses plain data as the model of its kind and validates it against the Kubernetes schema. */
const validateObject = (data: { apiVersion?: string; kind?: string }): Validated => {
  const Model = MODELS[`${data.apiVersion ?? ''}/${data.kind ?? ''}`];
  if (Model === undefined) throw new Error(`no schema for ${data.apiVersion ?? '?'}/${data.kind ?? '?'}`);
  const model = new Model(data as never);
  model.validate();
  return model;
};

let project: string;
/** Every object of every manifest the command wrote, by kind. */
const objects = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'agent-gateway-kubernetes-'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'support-bot' }));
  await writeFile(join(project, 'agent.ts'), 'export default {};\n');
  const exitCode = await runDeployCommand(['kubernetes', '--out', project], { out: () => {}, err: () => {} });
  expect(exitCode).toBe(0);
  for (const name of KUBERNETES_MANIFESTS.filter((file) => file !== 'kustomization.yaml')) {
    const documents = parseAllDocuments(await readFile(join(project, 'kubernetes', name), 'utf8'));
    for (const document of documents) {
      expect(document.errors).toEqual([]);
      const data = document.toJSON() as Record<string, unknown> & { kind: string };
      objects.set(data.kind, data);
    }
  }
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

const podSpecOf = (kind: 'Deployment' | 'Job'): IPodSpec => {
  const object = objects.get(kind) as { spec: { template: { spec: IPodSpec } } };
  return object.spec.template.spec;
};
const containerOf = (kind: 'Deployment' | 'Job'): IContainer => {
  const [container] = podSpecOf(kind).containers;
  if (container === undefined) throw new Error(`${kind} has no container`);
  return container;
};
const httpGetPathOf = (probe: IProbe | undefined): string | undefined => {
  expect(probe?.exec).toBeUndefined();
  return probe?.httpGet?.path;
};

describe('the Kubernetes manifests of agent-gateway deploy kubernetes', () => {
  it('validate against the Kubernetes schemas, every one', () => {
    expect([...objects.keys()].sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
      ].sort(),
    );
    for (const object of objects.values()) expect(() => validateObject(object)).not.toThrow();
  });

  it('are checked for real: a Deployment with a wrongly typed field fails validation', () => {
    const broken = structuredClone(objects.get('Deployment')) as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => validateObject(broken as never)).toThrow(/replicas/);
  });

  it('are all named by kustomization.yaml, the optional autoscaler commented out', async () => {
    const kustomization = parseAllDocuments(
      await readFile(join(project, 'kubernetes', 'kustomization.yaml'), 'utf8'),
    )[0]?.toJSON() as { resources: string[]; images: { name: string; newName: string }[] };
    expect(kustomization.resources.sort()).toEqual(
      KUBERNETES_MANIFESTS.filter(
        (name) => name !== 'kustomization.yaml' && name !== 'horizontal-pod-autoscaler.yaml',
      ).sort(),
    );
    expect(kustomization.images).toEqual([
      { name: 'agent-gateway', newName: 'support-bot', newTag: 'latest' },
    ]);
  });

  it('roll two replicas without ever going below two, and probe over HTTP only', () => {
    const deployment = objects.get('Deployment') as {
      spec: { replicas: number; strategy: { rollingUpdate: { maxUnavailable: number } } };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const container = containerOf('Deployment');
    expect(httpGetPathOf(container.startupProbe)).toBe('/api/health/live');
    expect(httpGetPathOf(container.readinessProbe)).toBe('/api/health/ready');
    expect(httpGetPathOf(container.livenessProbe)).toBe('/api/health/live');
    expect(container.args).toEqual(expect.arrayContaining(['serve', '/app/agent.ts', '--no-migrate']));
  });

  it('give the gateway longer than preStop, the drain delay and the shutdown timeout together', () => {
    const config = objects.get('ConfigMap') as { data: Record<string, string> };
    const drainSeconds = Number(config.data['SHUTDOWN_DRAIN_DELAY_MS']) / 1000;
    const shutdownSeconds = Number(config.data['SHUTDOWN_TIMEOUT_MS']) / 1000;
    expect(drainSeconds).toBeGreaterThan(0);
    expect(shutdownSeconds).toBeGreaterThan(0);
    const preStop = containerOf('Deployment').lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const preStopSeconds = Number(preStop[1]);
    const grace = podSpecOf('Deployment').terminationGracePeriodSeconds ?? 30;
    expect(grace).toBeGreaterThan(preStopSeconds + drainSeconds + shutdownSeconds);
  });

  it.each(['Deployment', 'Job'] as const)(
    'run the %s as non-root on a read-only root, no capabilities',
    (kind) => {
      const pod = podSpecOf(kind);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBe(65532);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken).toBe(false);
      const security = containerOf(kind).securityContext;
      expect(security?.readOnlyRootFilesystem).toBe(true);
      expect(security?.allowPrivilegeEscalation).toBe(false);
      expect(security?.capabilities?.drop).toEqual(['ALL']);
      expect(containerOf(kind).volumeMounts?.map((mount) => mount.mountPath)).toContain('/tmp');
    },
  );

  it('keep one gateway through voluntary disruptions, selecting the Deployment pods', () => {
    const budget = objects.get('PodDisruptionBudget') as {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    const pods = objects.get('Deployment') as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    expect(budget.spec.minAvailable).toBe(1);
    expect(pods.spec.template.metadata.labels).toMatchObject(budget.spec.selector.matchLabels);
  });

  it('deny the gateway pods the cloud metadata address and nothing else outside', () => {
    const policy = objects.get('NetworkPolicy') as {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        egress: { to: { ipBlock?: { cidr: string; except?: string[] } }[] }[];
      };
    };
    const pods = objects.get('Deployment') as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    expect(pods.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toContain('Egress');
    const blocks = policy.spec.egress.flatMap((rule) => rule.to.flatMap((peer) => peer.ipBlock ?? []));
    expect(blocks).toEqual([{ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] }]);
  });

  it('migrate in a Job that runs agent-gateway migrate once, never restarted in place', () => {
    const job = objects.get('Job') as { spec: { backoffLimit: number } };
    expect(podSpecOf('Job').restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(containerOf('Job').args).toEqual([
      'node',
      '/app/node_modules/ai-agent-gateway/bin/agent-gateway.js',
      'migrate',
    ]);
    expect(containerOf('Job').image).toBe(containerOf('Deployment').image);
  });

  it('stream through the Ingress unbuffered with long read timeouts, scraped by Prometheus', () => {
    const ingress = objects.get('Ingress') as { metadata: { annotations: Record<string, string> } };
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
    });
    const pods = objects.get('Deployment') as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    expect(pods.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8000',
      'prometheus.io/path': '/metrics',
    });
  });
});
