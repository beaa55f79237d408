'use strict';
// Shared building blocks for the case generator: render contexts and the
// workload objects that trait cases receive as context.output.

// A component render context, shaped like KubeVela's (CUE.md §3.3).
function ctx(name, opts = {}) {
  const app = opts.app || 'demo-app';
  const minor = opts.minor === undefined ? 28 : opts.minor;
  const c = {
    name,
    namespace: opts.namespace || 'default',
    appName: app,
    appRevision: `${app}-v${opts.rev || 1}`,
    appRevisionNum: opts.rev || 1,
    revision: `${name}-v${opts.rev || 1}`,
    cluster: opts.cluster === undefined ? 'local' : opts.cluster,
    clusterVersion: {
      major: 1,
      minor,
      gitVersion: `v1.${minor}.0`,
      platform: 'linux/amd64',
    },
    components: opts.components || [{ name, type: opts.type || 'webservice' }],
    appLabels: opts.appLabels || {},
    appAnnotations: opts.appAnnotations || {},
    replicaKey: '',
    workflowName: app,
    publishVersion: '',
    componentType: opts.type || 'webservice',
  };
  return c;
}

// A trait render context: the component context plus output/outputs.
function tctx(name, output, outputs = {}, opts = {}) {
  return Object.assign(ctx(name, opts), { output, outputs });
}

function podLabels(name, app = 'demo-app') {
  return { 'app.oam.dev/name': app, 'app.oam.dev/component': name };
}

function container(name, image, extra = {}) {
  return Object.assign({ name, image }, extra);
}

// apps/v1 Deployment as rendered by a web-service style component.
function deployment(name, containers, opts = {}) {
  const spec = {
    selector: { matchLabels: { 'app.oam.dev/component': name } },
    template: {
      metadata: { labels: podLabels(name, opts.app) },
      spec: Object.assign({ containers }, opts.podSpec || {}),
    },
  };
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  const metadata = { name };
  if (opts.labels) metadata.labels = opts.labels;
  if (opts.annotations) metadata.annotations = opts.annotations;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec };
}

function statefulSet(name, containers, opts = {}) {
  const d = deployment(name, containers, opts);
  d.kind = 'StatefulSet';
  d.spec.serviceName = name;
  return d;
}

function daemonSet(name, containers, opts = {}) {
  const d = deployment(name, containers, opts);
  d.kind = 'DaemonSet';
  return d;
}

function job(name, containers, opts = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      parallelism: 1,
      completions: 1,
      template: {
        metadata: { labels: podLabels(name, opts.app) },
        spec: Object.assign({ restartPolicy: 'Never', containers }, opts.podSpec || {}),
      },
    },
  };
}

function cronJob(name, containers, opts = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: {},
        spec: {
          template: {
            metadata: { labels: podLabels(name, opts.app) },
            spec: Object.assign({ restartPolicy: 'OnFailure', containers }, opts.podSpec || {}),
          },
        },
      },
    },
  };
}

// Frequently used workloads.
const W = {
  web: () => deployment('web', [container('web', 'nginx:1.25', { ports: [{ containerPort: 80, protocol: 'TCP', name: 'port-80' }] })]),
  webEnv: () =>
    deployment('web', [
      container('web', 'nginx:1.25', {
        env: [
          { name: 'MODE', value: 'prod' },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tok', key: 'token' } } },
          { name: 'LEVEL', value: 'info' },
        ],
        ports: [{ containerPort: 80, protocol: 'TCP', name: 'port-80' }],
      }),
    ]),
  twoContainers: () =>
    deployment('api', [
      container('api', 'example/api:2.1', { args: ['--listen', ':8080'], ports: [{ containerPort: 8080, protocol: 'TCP', name: 'port-8080' }] }),
      container('proxy', 'envoyproxy/envoy:v1.29', { ports: [{ containerPort: 9901, protocol: 'TCP', name: 'admin' }] }),
    ]),
  sts: () => statefulSet('db', [container('db', 'postgres:16', { ports: [{ containerPort: 5432, protocol: 'TCP', name: 'pg' }] })]),
  ds: () => daemonSet('agent', [container('agent', 'fluent/fluent-bit:3.0')]),
  job: () => job('batch', [container('batch', 'busybox:1.36', { command: ['sh', '-c', 'echo done'] })]),
  cron: () => cronJob('nightly', [container('nightly', 'busybox:1.36', { command: ['sh', '-c', 'date'] })]),
};

module.exports = { ctx, tctx, deployment, statefulSet, daemonSet, job, cronJob, container, podLabels, W };
