/** Where `agent-gateway deploy` can write to: a target and the files it needs. */
export type DeployTarget = 'docker' | 'compose' | 'kubernetes';

/** Every target, in the order the usage lists them. */
export const DEPLOY_TARGETS: readonly DeployTarget[] = ['docker', 'compose', 'kubernetes'];

/** One file of the kit: where it is in the package's `deploy/` and where it goes in the project. */
export interface DeployFile {
  /** Path under the package's `deploy/` folder. */
  source: string;
  /** Path under the project's folder (`--out`). */
  target: string;
}

/**
 * The image's files. npm leaves dotfiles such as `.dockerignore` and `.env.example` in a
 * package, but tools that copy templates around do not always: the package ships them without
 * the dot, and the command writes them with it.
 */
const IMAGE_FILES: readonly DeployFile[] = [
  { source: 'docker/Dockerfile', target: 'Dockerfile' },
  { source: 'docker/dockerignore', target: '.dockerignore' },
];

const COMPOSE_FILES: readonly DeployFile[] = [
  { source: 'compose/compose.yaml', target: 'compose.yaml' },
  { source: 'compose/haproxy.cfg', target: 'haproxy.cfg' },
  { source: 'compose/env.example', target: '.env.example' },
];

/** The manifests, in the order `kustomization.yaml` names them (the optional HPA last). */
export const KUBERNETES_MANIFESTS: readonly string[] = [
  'kustomization.yaml',
  'configmap.yaml',
  'migration-job.yaml',
  'deployment.yaml',
  'service.yaml',
  'pod-disruption-budget.yaml',
  'network-policy.yaml',
  'ingress.yaml',
  'horizontal-pod-autoscaler.yaml',
];

const KUBERNETES_FILES: readonly DeployFile[] = [
  ...KUBERNETES_MANIFESTS.map((name) => ({ source: `kubernetes/${name}`, target: `kubernetes/${name}` })),
  // Not a resource: Prometheus' rule file (or a PrometheusRule's groups).
  { source: 'prometheus/agent-gateway-alerts.yaml', target: 'kubernetes/agent-gateway-alerts.yaml' },
];

/** The files a target writes: compose and Kubernetes run the image, so they bring its files too. */
export function deployFilesOf(target: DeployTarget): readonly DeployFile[] {
  switch (target) {
    case 'docker':
      return IMAGE_FILES;
    case 'compose':
      return [...IMAGE_FILES, ...COMPOSE_FILES];
    case 'kubernetes':
      return [...IMAGE_FILES, ...KUBERNETES_FILES];
  }
}

/** What the command prints after writing a target's files: the next command to run. */
export function nextStepsOf(target: DeployTarget, imageName: string): readonly string[] {
  switch (target) {
    case 'docker':
      return [
        `  docker build -t ${imageName} .`,
        `  docker run --rm -p 8000:8000 -e JWT_SECRET=... -e API_KEYS=... -v ${imageName}-data:/data ${imageName}`,
      ];
    case 'compose':
      return [
        '  cp .env.example .env   # set JWT_SECRET, API_KEYS and POSTGRES_PASSWORD',
        '  docker compose up -d --build',
      ];
    case 'kubernetes':
      return [
        `  docker build -t ${imageName} . && docker push ${imageName}   # then set images: in kubernetes/kustomization.yaml`,
        '  kubectl create secret generic agent-gateway-secrets --from-literal=JWT_SECRET=... (see kubernetes/kustomization.yaml)',
        '  kubectl apply -k kubernetes/',
      ];
  }
}
