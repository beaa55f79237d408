'use strict';
// Component-definition style cases: each template below is evaluated with
// several parameter sets so that different branches fire.
const { ctx } = require('./common');

const cases = [];
function add(slug, desc, template, parameter, context, compare = ['output', 'outputs']) {
  cases.push({ slug, desc, template, parameter, context, compare });
}

// ---------------------------------------------------------------------------
// Web service: Deployment + Service for exposed ports.
const WEB = String.raw`
import (
    "strconv"
    "strings"
)

output: {
    apiVersion: "apps/v1"
    kind:       "Deployment"
    metadata: {
        if parameter.labels != _|_ {
            labels: parameter.labels
        }
        if parameter.annotations != _|_ {
            annotations: parameter.annotations
        }
    }
    spec: {
        selector: matchLabels: "app.oam.dev/component": context.name
        template: {
            metadata: {
                labels: {
                    if parameter.labels != _|_ {
                        parameter.labels
                    }
                    "app.oam.dev/name":      context.appName
                    "app.oam.dev/component": context.name
                    if parameter.addRevisionLabel {
                        "app.oam.dev/revision": context.revision
                    }
                }
                if parameter.annotations != _|_ {
                    annotations: parameter.annotations
                }
            }
            spec: {
                containers: [{
                    name:  context.name
                    image: parameter.image
                    if parameter.imagePullPolicy != _|_ {
                        imagePullPolicy: parameter.imagePullPolicy
                    }
                    if parameter.cmd != _|_ {
                        command: parameter.cmd
                    }
                    if parameter.args != _|_ {
                        args: parameter.args
                    }
                    if parameter.ports != _|_ {
                        ports: [for p in parameter.ports {
                            containerPort: *p.port | int
                            if p.containerPort != _|_ {
                                containerPort: p.containerPort
                            }
                            protocol: p.protocol
                            name:     (#PortName & {port: p}).out
                        }]
                    }
                    if parameter.env != _|_ {
                        env: parameter.env
                    }
                    if parameter.cpu != _|_ {
                        resources: {
                            requests: cpu: parameter.cpu
                            limits: cpu:   *parameter.cpu | string
                        }
                    }
                    if parameter.memory != _|_ {
                        resources: {
                            requests: memory: parameter.memory
                            limits: memory:   *parameter.memory | string
                        }
                    }
                    if parameter.limit != _|_ {
                        if parameter.limit.cpu != _|_ {
                            resources: limits: cpu: parameter.limit.cpu
                        }
                        if parameter.limit.memory != _|_ {
                            resources: limits: memory: parameter.limit.memory
                        }
                    }
                    if parameter.volumeMounts != _|_ {
                        volumeMounts: [
                            if parameter.volumeMounts.pvc != _|_ for v in parameter.volumeMounts.pvc {
                                name:      v.name
                                mountPath: v.mountPath
                                if v.subPath != _|_ {
                                    subPath: v.subPath
                                }
                            },
                            if parameter.volumeMounts.configMap != _|_ for v in parameter.volumeMounts.configMap {
                                name:      v.name
                                mountPath: v.mountPath
                                readOnly:  true
                            },
                            if parameter.volumeMounts.secret != _|_ for v in parameter.volumeMounts.secret {
                                name:      v.name
                                mountPath: v.mountPath
                                readOnly:  true
                            },
                            if parameter.volumeMounts.emptyDir != _|_ for v in parameter.volumeMounts.emptyDir {
                                name:      v.name
                                mountPath: v.mountPath
                            },
                            if parameter.volumeMounts.hostPath != _|_ for v in parameter.volumeMounts.hostPath {
                                name:      v.name
                                mountPath: v.mountPath
                            },
                        ]
                    }
                    if parameter.livenessProbe != _|_ {
                        livenessProbe: parameter.livenessProbe
                    }
                    if parameter.readinessProbe != _|_ {
                        readinessProbe: parameter.readinessProbe
                    }
                }]
                if parameter.imagePullSecrets != _|_ {
                    imagePullSecrets: [for s in parameter.imagePullSecrets {name: s}]
                }
                if parameter.hostAliases != _|_ {
                    // +patchKey=ip
                    hostAliases: parameter.hostAliases
                }
                if parameter.volumeMounts != _|_ {
                    volumes: [
                        if parameter.volumeMounts.pvc != _|_ for v in parameter.volumeMounts.pvc {
                            name: v.name
                            persistentVolumeClaim: claimName: v.claimName
                        },
                        if parameter.volumeMounts.configMap != _|_ for v in parameter.volumeMounts.configMap {
                            name: v.name
                            configMap: {
                                name:        v.cmName
                                defaultMode: v.defaultMode
                                if v.items != _|_ {
                                    items: v.items
                                }
                            }
                        },
                        if parameter.volumeMounts.secret != _|_ for v in parameter.volumeMounts.secret {
                            name: v.name
                            secret: {
                                secretName:  v.secretName
                                defaultMode: v.defaultMode
                            }
                        },
                        if parameter.volumeMounts.emptyDir != _|_ for v in parameter.volumeMounts.emptyDir {
                            name: v.name
                            emptyDir: medium: v.medium
                        },
                        if parameter.volumeMounts.hostPath != _|_ for v in parameter.volumeMounts.hostPath {
                            name: v.name
                            hostPath: {
                                path: v.path
                                if v.type != _|_ {
                                    type: v.type
                                }
                            }
                        },
                    ]
                }
            }
        }
    }
}

_exposed: [if parameter.ports != _|_ for p in parameter.ports if p.expose {p}]

outputs: {
    if len(_exposed) > 0 {
        webExpose: {
            apiVersion: "v1"
            kind:       "Service"
            metadata: name: context.name
            spec: {
                selector: "app.oam.dev/component": context.name
                type: parameter.exposeType
                ports: [for p in _exposed {
                    port:       p.port
                    targetPort: *p.port | int
                    if p.containerPort != _|_ {
                        targetPort: p.containerPort
                    }
                    name:     (#PortName & {port: p}).out
                    protocol: p.protocol
                    if p.nodePort != _|_ if parameter.exposeType == "NodePort" {
                        nodePort: p.nodePort
                    }
                }]
            }
        }
    }
}

// Port naming: an explicit name wins, otherwise "port-<n>", with a protocol
// suffix for anything that is not TCP.
#PortName: {
    port: #Port
    out:  string
    if port.name != _|_ {
        out: port.name
    }
    if port.name == _|_ && port.protocol == "TCP" {
        out: "port-" + strconv.FormatInt(port.port, 10)
    }
    if port.name == _|_ && port.protocol != "TCP" {
        out: "port-" + strconv.FormatInt(port.port, 10) + "-" + strings.ToLower(port.protocol)
    }
}

#Port: {
    port:           int & >=1 & <=65535
    containerPort?: int
    name?:          string
    protocol:       *"TCP" | "UDP" | "SCTP"
    expose:         *false | bool
    nodePort?:      int
}

#Probe: {
    exec?: command: [...string]
    httpGet?: {
        path?: string
        port:  int
        httpHeaders?: [...{name: string, value: string}]
    }
    tcpSocket?: port: int
    initialDelaySeconds: *0 | int
    periodSeconds:       *10 | int
    timeoutSeconds:      *1 | int
    successThreshold:    *1 | int
    failureThreshold:    *3 | int
}

parameter: {
    // +usage=Container image
    image: string
    imagePullPolicy?: "Always" | "Never" | "IfNotPresent"
    imagePullSecrets?: [...string]
    ports?: [...#Port]
    exposeType: *"ClusterIP" | "NodePort" | "LoadBalancer"
    addRevisionLabel: *false | bool
    cmd?: [...string]
    args?: [...string]
    env?: [...{
        name:   string
        value?: string
        valueFrom?: {
            secretKeyRef?: {name: string, key: string}
            configMapKeyRef?: {name: string, key: string}
        }
    }]
    cpu?:    string & =~"^([0-9]+m|[0-9]+(\\.[0-9]+)?)$"
    memory?: string & =~"^[1-9][0-9]*(Ei|Pi|Ti|Gi|Mi|Ki|E|P|T|G|M|K)?$"
    limit?: {
        cpu?:    string
        memory?: string
    }
    volumeMounts?: {
        pvc?: [...{name: string, mountPath: string, subPath?: string, claimName: string}]
        configMap?: [...{
            name:        string
            mountPath:   string
            cmName:      string
            defaultMode: *420 | int
            items?: [...{key: string, path: string, mode: *511 | int}]
        }]
        secret?: [...{name: string, mountPath: string, secretName: string, defaultMode: *420 | int}]
        emptyDir?: [...{name: string, mountPath: string, medium: *"" | "Memory"}]
        hostPath?: [...{name: string, mountPath: string, path: string, type?: "Directory" | "DirectoryOrCreate" | "File"}]
    }
    livenessProbe?:  #Probe
    readinessProbe?: #Probe
    hostAliases?: [...{ip: string, hostnames: [...string]}]
    labels?: [string]:      string
    annotations?: [string]: string
}
`;

add('web-minimal', 'web service: only an image; no optional branch fires, outputs is empty',
  WEB, { image: 'nginx:1.25' }, ctx('frontend'));
add('web-one-port-not-exposed', 'web service: one port without expose gives a container port named port-80 and no Service',
  WEB, { image: 'nginx:1.25', ports: [{ port: 80 }] }, ctx('frontend'));
add('web-exposed-ports', 'web service: exposed TCP and UDP ports produce a ClusterIP Service with derived names and targetPort defaults',
  WEB, {
    image: 'coredns/coredns:1.11.1',
    ports: [
      { port: 53, protocol: 'UDP', expose: true },
      { port: 53, name: 'dns-tcp', expose: true },
      { port: 9153, name: 'metrics' },
    ],
  }, ctx('dns'));
add('web-nodeport', 'web service: NodePort Service keeps nodePort and maps containerPort into targetPort',
  WEB, {
    image: 'example/shop:3.2',
    exposeType: 'NodePort',
    ports: [{ port: 80, containerPort: 8080, expose: true, nodePort: 30080 }, { port: 443, containerPort: 8443, expose: true }],
  }, ctx('shop'));
add('web-nodeport-ignored-for-clusterip', 'web service: nodePort is dropped when exposeType stays ClusterIP',
  WEB, { image: 'example/shop:3.2', ports: [{ port: 80, expose: true, nodePort: 30080 }] }, ctx('shop'));
add('web-resources-requests-only', 'web service: cpu and memory become requests and default limits',
  WEB, { image: 'nginx:1.25', cpu: '250m', memory: '256Mi' }, ctx('frontend'));
add('web-resources-limit-override', 'web service: explicit limit overrides the default limit taken from the request',
  WEB, { image: 'nginx:1.25', cpu: '0.5', memory: '512Mi', limit: { cpu: '2', memory: '1Gi' } }, ctx('frontend'));
add('web-limit-without-request', 'web service: limit alone sets only limits',
  WEB, { image: 'nginx:1.25', limit: { memory: '128Mi' } }, ctx('frontend'));
add('web-env-sources', 'web service: env with plain values, secretKeyRef and configMapKeyRef is passed through',
  WEB, {
    image: 'example/api:1.0',
    env: [
      { name: 'PORT', value: '8080' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'FEATURE_FLAGS', valueFrom: { configMapKeyRef: { name: 'flags', key: 'all' } } },
    ],
  }, ctx('api'));
add('web-volumes-all-kinds', 'web service: every volume kind yields a mount and a volume in source order',
  WEB, {
    image: 'example/app:1.0',
    volumeMounts: {
      pvc: [{ name: 'data', mountPath: '/data', claimName: 'app-data', subPath: 'v1' }],
      configMap: [{ name: 'conf', mountPath: '/etc/app', cmName: 'app-conf', items: [{ key: 'app.yaml', path: 'app.yaml' }] }],
      secret: [{ name: 'certs', mountPath: '/etc/tls', secretName: 'app-tls', defaultMode: 256 }],
      emptyDir: [{ name: 'cache', mountPath: '/cache', medium: 'Memory' }, { name: 'tmp', mountPath: '/tmp' }],
      hostPath: [{ name: 'logs', mountPath: '/var/log/app', path: '/var/log', type: 'Directory' }],
    },
  }, ctx('app'));
add('web-volumes-emptydir-only', 'web service: a single emptyDir; other volume kinds absent',
  WEB, { image: 'example/app:1.0', volumeMounts: { emptyDir: [{ name: 'scratch', mountPath: '/scratch' }] } }, ctx('app'));
add('web-probes', 'web service: probes take the #Probe defaults; only the given handler is exported',
  WEB, {
    image: 'example/api:1.0',
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 15 },
    readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5, failureThreshold: 6 },
  }, ctx('api'));
add('web-labels-annotations-revision', 'web service: labels merge into pod labels next to the OAM labels; revision label on request',
  WEB, {
    image: 'nginx:1.25',
    addRevisionLabel: true,
    labels: { team: 'payments', tier: 'frontend' },
    annotations: { 'prometheus.io/scrape': 'true' },
  }, ctx('frontend', { rev: 7, app: 'shop' }));
add('web-rich', 'web service: command, args, pull policy and secrets, host aliases, exec probe and LoadBalancer exposure together',
  WEB, {
    image: 'registry.example.com/team/api:2.4.1',
    imagePullPolicy: 'Always',
    imagePullSecrets: ['regcred', 'backup-cred'],
    cmd: ['/bin/api'],
    args: ['--port', '8080', '--verbose'],
    exposeType: 'LoadBalancer',
    ports: [{ port: 8080, expose: true }, { port: 9090, name: 'grpc', expose: true }, { port: 5000, protocol: 'SCTP', expose: true }],
    hostAliases: [{ ip: '10.0.0.10', hostnames: ['db.internal', 'db'] }],
    livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] } },
    cpu: '1',
    labels: { app: 'api' },
  }, ctx('api', { app: 'platform' }));

// ---------------------------------------------------------------------------
// Worker: Deployment without a Service; volume lists concatenated with list.Concat.
const WORKER = String.raw`
import "list"

_mounts: {
    pvc: *[] | [...]
    if parameter.volumes != _|_ if parameter.volumes.pvc != _|_ {
        pvc: [for v in parameter.volumes.pvc {name: "pvc-" + v.claimName, mountPath: v.mountPath}]
    }
    cm: *[] | [...]
    if parameter.volumes != _|_ if parameter.volumes.configMap != _|_ {
        cm: [for v in parameter.volumes.configMap {name: "cm-" + v.name, mountPath: v.mountPath}]
    }
    secret: *[] | [...]
    if parameter.volumes != _|_ if parameter.volumes.secret != _|_ {
        secret: [for v in parameter.volumes.secret {name: "secret-" + v.name, mountPath: v.mountPath}]
    }
}

_volumes: {
    pvc: *[] | [...]
    if parameter.volumes != _|_ if parameter.volumes.pvc != _|_ {
        pvc: [for v in parameter.volumes.pvc {name: "pvc-" + v.claimName, persistentVolumeClaim: claimName: v.claimName}]
    }
    cm: *[] | [...]
    if parameter.volumes != _|_ if parameter.volumes.configMap != _|_ {
        cm: [for v in parameter.volumes.configMap {name: "cm-" + v.name, configMap: name: v.name}]
    }
    secret: *[] | [...]
    if parameter.volumes != _|_ if parameter.volumes.secret != _|_ {
        secret: [for v in parameter.volumes.secret {name: "secret-" + v.name, secret: secretName: v.name}]
    }
}

_allMounts:  list.Concat([_mounts.pvc, _mounts.cm, _mounts.secret])
_allVolumes: list.Concat([_volumes.pvc, _volumes.cm, _volumes.secret])

output: {
    apiVersion: "apps/v1"
    kind:       "Deployment"
    spec: {
        replicas: parameter.replicas
        selector: matchLabels: "app.oam.dev/component": context.name
        template: {
            metadata: labels: {
                "app.oam.dev/name":      context.appName
                "app.oam.dev/component": context.name
            }
            spec: {
                containers: [{
                    name:  context.name
                    image: parameter.image
                    if parameter.cmd != _|_ {
                        command: parameter.cmd
                    }
                    if parameter.env != _|_ {
                        env: [for k, v in parameter.env {name: k, value: v}]
                    }
                    if parameter.cpu != _|_ || parameter.memory != _|_ {
                        resources: requests: {
                            if parameter.cpu != _|_ {
                                cpu: parameter.cpu
                            }
                            if parameter.memory != _|_ {
                                memory: parameter.memory
                            }
                        }
                    }
                    if len(_allMounts) > 0 {
                        volumeMounts: _allMounts
                    }
                    if parameter.probe != _|_ {
                        livenessProbe: {
                            exec: command: parameter.probe.command
                            periodSeconds: parameter.probe.period
                        }
                    }
                }]
                if len(_allVolumes) > 0 {
                    volumes: _allVolumes
                }
            }
        }
    }
}

parameter: {
    image:    string
    replicas: *1 | int & >=0
    cmd?: [...string]
    env?: [string]: string
    cpu?:    string & =~"^[0-9]+(m|\\.[0-9]+)?$"
    memory?: string & =~"^[1-9][0-9]*(Mi|Gi)$"
    volumes?: {
        pvc?: [...{claimName: string, mountPath: string}]
        configMap?: [...{name: string, mountPath: string}]
        secret?: [...{name: string, mountPath: string}]
    }
    probe?: {
        command: [...string]
        period:  *30 | int
    }
}
`;

add('worker-minimal', 'worker: image only; the replicas default flows into the Deployment, volume lists stay empty',
  WORKER, { image: 'busybox:1.36' }, ctx('consumer', { type: 'worker' }), ['output']);
add('worker-env-map', 'worker: env given as a map becomes a name/value list in map order',
  WORKER, { image: 'example/consumer:4', replicas: 3, env: { QUEUE: 'orders', WORKERS: '8', DEBUG: 'false' }, cmd: ['consume'] },
  ctx('consumer', { type: 'worker' }), ['output']);
add('worker-volumes-concat', 'worker: list.Concat joins pvc, configMap and secret mounts in that order',
  WORKER, {
    image: 'example/consumer:4',
    volumes: {
      secret: [{ name: 'creds', mountPath: '/creds' }],
      pvc: [{ claimName: 'spool', mountPath: '/spool' }],
      configMap: [{ name: 'settings', mountPath: '/etc/consumer' }, { name: 'rules', mountPath: '/etc/rules' }],
    },
  }, ctx('consumer', { type: 'worker' }), ['output']);
add('worker-secret-volume-only', 'worker: only the secret list is non-empty; the others keep their [] default',
  WORKER, { image: 'example/consumer:4', volumes: { secret: [{ name: 'token', mountPath: '/var/run/token' }] } },
  ctx('consumer', { type: 'worker' }), ['output']);
add('worker-resources-probe', 'worker: resources pass the regex constraints; probe period default applies',
  WORKER, { image: 'example/consumer:4', cpu: '500m', memory: '1Gi', probe: { command: ['pgrep', 'consumer'] } },
  ctx('consumer', { type: 'worker' }), ['output']);
add('worker-cpu-decimal', 'worker: decimal cpu string matches the regex; zero replicas is allowed by >=0',
  WORKER, { image: 'example/consumer:4', cpu: '1.5', replicas: 0, probe: { command: ['true'], period: 5 } },
  ctx('consumer', { type: 'worker' }), ['output']);
add('worker-bad-memory', 'worker: memory "512MB" violates the =~ constraint, so the render fails',
  WORKER, { image: 'example/consumer:4', memory: '512MB' }, ctx('consumer', { type: 'worker' }), ['output']);
add('worker-memory-mi', 'worker: memory in Mi passes; pvc list only',
  WORKER, { image: 'example/consumer:4', memory: '768Mi', volumes: { pvc: [{ claimName: 'q', mountPath: '/q' }] } }, ctx('consumer', { type: 'worker' }), ['output']);


// ---------------------------------------------------------------------------
// Batch job: name derived from the app, overridable; env from a map with a filter.
const JOB = String.raw`
_jobName: *"\(context.appName)-\(context.name)" | string
if parameter.jobName != _|_ {
    _jobName: parameter.jobName
}

output: {
    apiVersion: "batch/v1"
    kind:       "Job"
    metadata: name: _jobName
    spec: {
        parallelism: parameter.count
        completions: parameter.count
        if parameter.backoffLimit != _|_ {
            backoffLimit: parameter.backoffLimit
        }
        if parameter.ttlSecondsAfterFinished != _|_ {
            ttlSecondsAfterFinished: parameter.ttlSecondsAfterFinished
        }
        template: {
            metadata: labels: {
                if parameter.labels != _|_ {
                    parameter.labels
                }
                "app.oam.dev/name":      context.appName
                "app.oam.dev/component": context.name
            }
            spec: {
                restartPolicy: parameter.restart
                containers: [{
                    name:  context.name
                    image: parameter.image
                    if parameter.cmd != _|_ {
                        command: parameter.cmd
                    }
                    if parameter.env != _|_ {
                        env: [for k, v in parameter.env if v != "" {
                            name:  k
                            value: v
                        }]
                    }
                    if parameter.resources != _|_ {
                        resources: limits: parameter.resources
                    }
                }]
            }
        }
    }
}

parameter: {
    jobName?: string
    count:    *1 | int & >0
    image:    string
    restart:  *"Never" | "OnFailure"
    cmd?: [...string]
    // entries with an empty value are skipped
    env?: [string]: string
    backoffLimit?:            int
    ttlSecondsAfterFinished?: int
    labels?: [string]: string
    resources?: {
        cpu?:    string
        memory?: string
    }
}
`;

add('job-minimal', 'job: name built by interpolation from appName and component name; count default 1',
  JOB, { image: 'busybox:1.36', cmd: ['sh', '-c', 'echo hello'] }, ctx('hello', { app: 'jobs', type: 'task' }), ['output']);
add('job-named-parallel', 'job: explicit jobName overrides the default-marked hidden name; count 4 and OnFailure',
  JOB, { jobName: 'migrate-db', image: 'example/migrate:7', count: 4, restart: 'OnFailure', backoffLimit: 2, ttlSecondsAfterFinished: 600 },
  ctx('migrate', { type: 'task' }), ['output']);
add('job-env-filter', 'job: for k, v over an env map with an if filter drops empty values',
  JOB, { image: 'example/report:1', env: { REPORT: 'daily', EMPTY: '', FORMAT: 'csv', ALSO_EMPTY: '' } },
  ctx('report', { type: 'task' }), ['output']);
add('job-labels-resources', 'job: user labels embedded before the OAM labels; resources become limits',
  JOB, { image: 'example/report:1', labels: { owner: 'data', 'cost-center': 'cc-42' }, resources: { cpu: '2', memory: '4Gi' } },
  ctx('report', { type: 'task' }), ['output']);
add('job-zero-count', 'job: count 0 violates int & >0',
  JOB, { image: 'busybox:1.36', count: 0 }, ctx('hello', { type: 'task' }), ['output']);
add('job-ttl-zero', 'job: ttlSecondsAfterFinished 0 and backoffLimit 0 are kept (zero is a value, not absence)',
  JOB, { image: 'busybox:1.36', ttlSecondsAfterFinished: 0, backoffLimit: 0 }, ctx('hello', { type: 'task' }), ['output']);

// ---------------------------------------------------------------------------
// Cron job: apiVersion chosen by context.clusterVersion.minor; volumes guarded by
// existence tests (no optional references inside default disjuncts).
const CRON = String.raw`
output: {
    if context.clusterVersion.minor < 25 {
        apiVersion: "batch/v1beta1"
    }
    if context.clusterVersion.minor >= 25 {
        apiVersion: "batch/v1"
    }
    kind: "CronJob"
    spec: {
        schedule:                   parameter.schedule
        concurrencyPolicy:          parameter.concurrencyPolicy
        suspend:                    parameter.suspend
        successfulJobsHistoryLimit: parameter.successfulJobsHistoryLimit
        failedJobsHistoryLimit:     parameter.failedJobsHistoryLimit
        if parameter.startingDeadlineSeconds != _|_ {
            startingDeadlineSeconds: parameter.startingDeadlineSeconds
        }
        if parameter.timeZone != _|_ if context.clusterVersion.minor >= 27 {
            timeZone: parameter.timeZone
        }
        jobTemplate: {
            metadata: labels: {
                "app.oam.dev/name":      context.appName
                "app.oam.dev/component": context.name
            }
            spec: {
                parallelism:  parameter.count
                completions:  parameter.count
                backoffLimit: parameter.backoffLimit
                if parameter.activeDeadlineSeconds != _|_ {
                    activeDeadlineSeconds: parameter.activeDeadlineSeconds
                }
                template: {
                    metadata: labels: {
                        "app.oam.dev/name":      context.appName
                        "app.oam.dev/component": context.name
                    }
                    spec: {
                        restartPolicy: parameter.restart
                        containers: [{
                            name:  context.name
                            image: parameter.image
                            if parameter.cmd != _|_ {
                                command: parameter.cmd
                            }
                            if parameter.volumeMounts != _|_ {
                                volumeMounts: [
                                    if parameter.volumeMounts.pvc != _|_ for v in parameter.volumeMounts.pvc {
                                        name:      v.name
                                        mountPath: v.mountPath
                                    },
                                    if parameter.volumeMounts.emptyDir != _|_ for v in parameter.volumeMounts.emptyDir {
                                        name:      v.name
                                        mountPath: v.mountPath
                                    },
                                ]
                            }
                        }]
                        if parameter.volumeMounts != _|_ {
                            volumes: [
                                if parameter.volumeMounts.pvc != _|_ for v in parameter.volumeMounts.pvc {
                                    name: v.name
                                    persistentVolumeClaim: claimName: v.claimName
                                },
                                if parameter.volumeMounts.emptyDir != _|_ for v in parameter.volumeMounts.emptyDir {
                                    name: v.name
                                    emptyDir: {}
                                },
                            ]
                        }
                    }
                }
            }
        }
    }
}

parameter: {
    schedule:                    string
    timeZone?:                   string
    startingDeadlineSeconds?:    int
    suspend:                     *false | bool
    concurrencyPolicy:           *"Allow" | "Forbid" | "Replace"
    successfulJobsHistoryLimit:  *3 | int
    failedJobsHistoryLimit:      *1 | int
    count:                       *1 | int
    image:                       string
    restart:                     *"Never" | "OnFailure"
    cmd?: [...string]
    backoffLimit:                *6 | int
    activeDeadlineSeconds?:      int
    volumeMounts?: {
        pvc?: [...{name: string, mountPath: string, claimName: string}]
        emptyDir?: [...{name: string, mountPath: string}]
    }
}
`;

add('cron-new-cluster', 'cron job: cluster minor 28 selects batch/v1; all history and policy defaults',
  CRON, { schedule: '*/5 * * * *', image: 'busybox:1.36', cmd: ['date'] }, ctx('ticker', { type: 'cron-task' }), ['output']);
add('cron-old-cluster', 'cron job: cluster minor 24 selects batch/v1beta1',
  CRON, { schedule: '0 * * * *', image: 'busybox:1.36' }, ctx('ticker', { type: 'cron-task', minor: 24 }), ['output']);
add('cron-boundary-25', 'cron job: minor exactly 25 takes the >= 25 branch',
  CRON, { schedule: '0 0 * * 0', image: 'busybox:1.36', suspend: true }, ctx('ticker', { type: 'cron-task', minor: 25 }), ['output']);
add('cron-timezone-new', 'cron job: timeZone kept on minor 28 (>= 27) together with deadlines and Forbid policy',
  CRON, {
    schedule: '30 2 * * *', timeZone: 'Europe/Berlin', image: 'example/backup:2', concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 120, activeDeadlineSeconds: 3600, backoffLimit: 1, successfulJobsHistoryLimit: 10,
  }, ctx('backup', { type: 'cron-task' }), ['output']);
add('cron-timezone-dropped', 'cron job: timeZone silently dropped on minor 26 by the chained if',
  CRON, { schedule: '30 2 * * *', timeZone: 'UTC', image: 'example/backup:2' }, ctx('backup', { type: 'cron-task', minor: 26 }), ['output']);
add('cron-volumes', 'cron job: pvc and emptyDir volumes guarded by nested existence tests',
  CRON, {
    schedule: '@hourly', image: 'example/backup:2', count: 2, restart: 'OnFailure',
    volumeMounts: { pvc: [{ name: 'archive', mountPath: '/archive', claimName: 'backup-archive' }], emptyDir: [{ name: 'work', mountPath: '/work' }] },
  }, ctx('backup', { type: 'cron-task' }), ['output']);
add('cron-bad-policy', 'cron job: concurrencyPolicy "Sometimes" is not in the enum',
  CRON, { schedule: '@daily', image: 'busybox:1.36', concurrencyPolicy: 'Sometimes' }, ctx('ticker', { type: 'cron-task' }), ['output']);

// Cron job written the way older definitions did: optional fields referenced
// inside the default disjunct of *[...] | [].  CUE v0.14.1 drops the failing
// default and takes []; CUE v0.4 reports "cannot reference optional field".
const CRON_LEGACY = String.raw`
import "list"

_pvcMounts:      *[for v in parameter.volumeMounts.pvc {name: v.name, mountPath: v.mountPath}] | []
_emptyDirMounts: *[for v in parameter.volumeMounts.emptyDir {name: v.name, mountPath: v.mountPath}] | []
_pvcVolumes:      *[for v in parameter.volumeMounts.pvc {name: v.name, persistentVolumeClaim: claimName: v.claimName}] | []
_emptyDirVolumes: *[for v in parameter.volumeMounts.emptyDir {name: v.name, emptyDir: {}}] | []

output: {
    apiVersion: "batch/v1"
    kind:       "CronJob"
    spec: {
        schedule: parameter.schedule
        jobTemplate: spec: template: spec: {
            restartPolicy: "Never"
            containers: [{
                name:         context.name
                image:        parameter.image
                volumeMounts: list.Concat([_pvcMounts, _emptyDirMounts])
            }]
            volumes: list.Concat([_pvcVolumes, _emptyDirVolumes])
        }
    }
}

parameter: {
    schedule: string
    image:    string
    volumeMounts?: {
        pvc?: [...{name: string, mountPath: string, claimName: string}]
        emptyDir?: [...{name: string, mountPath: string}]
    }
}
`;

add('cron-legacy-no-volumes', 'cron job (legacy style): volumeMounts absent; v0.14.1 takes the [] disjunct, v0.4 errors (override)',
  CRON_LEGACY, { schedule: '@daily', image: 'busybox:1.36' }, ctx('ticker', { type: 'cron-task' }), ['output']);
add('cron-legacy-partial-volumes', 'cron job (legacy style): only pvc given; the emptyDir lists fall back to [] in v0.14.1 (override)',
  CRON_LEGACY, { schedule: '@daily', image: 'busybox:1.36', volumeMounts: { pvc: [{ name: 'd', mountPath: '/d', claimName: 'data' }] } },
  ctx('ticker', { type: 'cron-task' }), ['output']);
add('cron-legacy-all-volumes', 'cron job (legacy style): every list given explicitly, so both CUE versions agree; list.Concat joins them',
  CRON_LEGACY, {
    schedule: '@daily', image: 'busybox:1.36',
    volumeMounts: { pvc: [{ name: 'd', mountPath: '/d', claimName: 'data' }], emptyDir: [{ name: 'w', mountPath: '/w' }] },
  }, ctx('ticker', { type: 'cron-task' }), ['output']);


// ---------------------------------------------------------------------------
// Daemon: DaemonSet on every node, optional host networking, tolerations and a
// Service that may be of type ExternalName.
const DAEMON = String.raw`
import "strconv"

#Toleration: {
    key?:     string
    operator: *"Equal" | "Exists"
    value?:   string
    effect?:  "NoSchedule" | "PreferNoSchedule" | "NoExecute"
}

output: {
    apiVersion: "apps/v1"
    kind:       "DaemonSet"
    spec: {
        selector: matchLabels: "app.oam.dev/component": context.name
        if parameter.maxUnavailable != _|_ {
            updateStrategy: {
                type: "RollingUpdate"
                rollingUpdate: maxUnavailable: parameter.maxUnavailable
            }
        }
        template: {
            metadata: labels: {
                "app.oam.dev/name":      context.appName
                "app.oam.dev/component": context.name
            }
            spec: {
                if parameter.hostNetwork {
                    hostNetwork: true
                    dnsPolicy:   "ClusterFirstWithHostNet"
                }
                if parameter.nodeSelector != _|_ {
                    nodeSelector: parameter.nodeSelector
                }
                if parameter.tolerations != _|_ {
                    tolerations: parameter.tolerations
                }
                containers: [{
                    name:  context.name
                    image: parameter.image
                    if parameter.ports != _|_ {
                        ports: [for p in parameter.ports {
                            containerPort: p.port
                            if parameter.hostNetwork {
                                hostPort: p.port
                            }
                            name: "port-" + strconv.FormatInt(p.port, 10)
                        }]
                    }
                    if parameter.hostPaths != _|_ {
                        volumeMounts: [for i, h in parameter.hostPaths {
                            name:      "host-\(i)"
                            mountPath: h.mountPath
                            readOnly:  h.readOnly
                        }]
                    }
                }]
                if parameter.hostPaths != _|_ {
                    volumes: [for i, h in parameter.hostPaths {
                        name: "host-\(i)"
                        hostPath: path: h.path
                    }]
                }
            }
        }
    }
}

outputs: {
    if parameter.exposeType == "ExternalName" {
        external: {
            apiVersion: "v1"
            kind:       "Service"
            metadata: name: context.name + "-external"
            spec: {
                type:         "ExternalName"
                externalName: parameter.externalName
            }
        }
    }
    if parameter.exposeType != "ExternalName" && parameter.ports != _|_ {
        service: {
            apiVersion: "v1"
            kind:       "Service"
            metadata: name: context.name
            spec: {
                type: parameter.exposeType
                selector: "app.oam.dev/component": context.name
                ports: [for p in parameter.ports {
                    port:       p.port
                    targetPort: p.port
                    name:       "port-" + strconv.FormatInt(p.port, 10)
                }]
            }
        }
    }
}

parameter: {
    image:       string
    hostNetwork: *false | bool
    ports?: [...{port: int}]
    exposeType:    *"ClusterIP" | "NodePort" | "ExternalName"
    externalName?: string
    nodeSelector?: [string]: string
    tolerations?: [...#Toleration]
    hostPaths?: [...{path: string, mountPath: string, readOnly: *true | bool}]
    maxUnavailable?: int | string
}
`;

add('daemon-minimal', 'daemon: bare DaemonSet; no ports so no Service',
  DAEMON, { image: 'fluent/fluent-bit:3.0' }, ctx('logs', { type: 'daemon' }));
add('daemon-hostnetwork-ports', 'daemon: hostNetwork adds hostPort and dnsPolicy; ports give a ClusterIP Service',
  DAEMON, { image: 'prom/node-exporter:v1.8.0', hostNetwork: true, ports: [{ port: 9100 }] }, ctx('node-exporter', { type: 'daemon' }));
add('daemon-tolerations', 'daemon: toleration operator default fills in; nodeSelector map passes through',
  DAEMON, {
    image: 'example/agent:5',
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }, { operator: 'Exists' }],
  }, ctx('agent', { type: 'daemon' }));
add('daemon-hostpaths-index', 'daemon: for i, h over hostPaths names volumes with the interpolated index; readOnly default',
  DAEMON, {
    image: 'example/agent:5',
    hostPaths: [{ path: '/var/log', mountPath: '/host/log' }, { path: '/var/lib/docker/containers', mountPath: '/host/containers', readOnly: false }, { path: '/etc/machine-id', mountPath: '/host/machine-id' }],
  }, ctx('agent', { type: 'daemon' }));
add('daemon-externalname', 'daemon: ExternalName exposure yields the external Service instead of the port Service',
  DAEMON, { image: 'example/agent:5', exposeType: 'ExternalName', externalName: 'agent.example.com', ports: [{ port: 8125 }] }, ctx('agent', { type: 'daemon' }));
add('daemon-update-strategy-string', 'daemon: maxUnavailable given as a percentage string (int | string)',
  DAEMON, { image: 'example/agent:5', maxUnavailable: '20%', exposeType: 'NodePort', ports: [{ port: 8125 }, { port: 8126 }] }, ctx('agent', { type: 'daemon' }));
add('daemon-update-strategy-int', 'daemon: maxUnavailable given as an int',
  DAEMON, { image: 'example/agent:5', maxUnavailable: 2 }, ctx('agent', { type: 'daemon' }));

// ---------------------------------------------------------------------------
// Stateful set: headless Service keyed by an interpolated label, claims with a
// regex-checked size and an optional storage class.
const STS = String.raw`
output: {
    apiVersion: "apps/v1"
    kind:       "StatefulSet"
    spec: {
        serviceName:         "\(context.name)-headless"
        replicas:            parameter.replicas
        podManagementPolicy: parameter.podManagementPolicy
        selector: matchLabels: "app.oam.dev/component": context.name
        template: {
            metadata: labels: {
                "app.oam.dev/name":      context.appName
                "app.oam.dev/component": context.name
            }
            spec: {
                containers: [{
                    name:  context.name
                    image: parameter.image
                    ports: [{
                        name:          "main"
                        containerPort: parameter.port
                    }]
                    if parameter.env != _|_ {
                        env: parameter.env
                    }
                    if len(parameter.claims) > 0 {
                        volumeMounts: [for c in parameter.claims {
                            name:      c.name
                            mountPath: c.mountPath
                        }]
                    }
                }]
            }
        }
        if len(parameter.claims) > 0 {
            volumeClaimTemplates: [for c in parameter.claims {
                metadata: name: c.name
                spec: {
                    accessModes: c.accessModes
                    resources: requests: storage: c.size
                    if c.storageClassName != _|_ {
                        storageClassName: c.storageClassName
                    }
                }
            }]
        }
    }
}

outputs: {
    "\(context.name)-headless": {
        apiVersion: "v1"
        kind:       "Service"
        metadata: name: "\(context.name)-headless"
        spec: {
            clusterIP: "None"
            selector: "app.oam.dev/component": context.name
            ports: [{name: "main", port: parameter.port}]
        }
    }
    if parameter.expose {
        "\(context.name)-client": {
            apiVersion: "v1"
            kind:       "Service"
            metadata: name: context.name
            spec: {
                selector: "app.oam.dev/component": context.name
                ports: [{name: "main", port: parameter.port, targetPort: parameter.port}]
            }
        }
    }
}

parameter: {
    image:               string
    replicas:            *1 | int
    port:                *80 | int
    expose:              *false | bool
    podManagementPolicy: *"OrderedReady" | "Parallel"
    env?: [...{name: string, value: string}]
    claims: *[] | [...{
        name:      string
        mountPath: string
        size:      =~"^[1-9][0-9]*(Mi|Gi|Ti)$"
        accessModes: *["ReadWriteOnce"] | [...string]
        storageClassName?: string
    }]
}
`;

add('sts-minimal', 'stateful set: defaults only; headless Service under an interpolated output name',
  STS, { image: 'redis:7' }, ctx('cache', { type: 'statefulset' }));
add('sts-claims', 'stateful set: claims produce mounts and volumeClaimTemplates; accessModes list default',
  STS, {
    image: 'postgres:16', port: 5432, replicas: 3,
    env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
    claims: [{ name: 'data', mountPath: '/var/lib/postgresql/data', size: '20Gi', storageClassName: 'fast' }, { name: 'wal', mountPath: '/wal', size: '5Gi', accessModes: ['ReadWriteOncePod'] }],
  }, ctx('db', { type: 'statefulset' }));
add('sts-exposed-parallel', 'stateful set: expose adds a second interpolated output; Parallel pod management',
  STS, { image: 'nats:2.10', port: 4222, expose: true, podManagementPolicy: 'Parallel', replicas: 3 }, ctx('nats', { type: 'statefulset' }));
add('sts-bad-size', 'stateful set: claim size "20GB" fails the =~ constraint',
  STS, { image: 'postgres:16', claims: [{ name: 'data', mountPath: '/data', size: '20GB' }] }, ctx('db', { type: 'statefulset' }));
add('sts-empty-claims', 'stateful set: explicitly empty claims list behaves like the default',
  STS, { image: 'redis:7', claims: [], port: 6379 }, ctx('cache', { type: 'statefulset' }));

// ---------------------------------------------------------------------------
// Raw objects: first object is the workload, the rest become outputs.
const OBJECTS = String.raw`
output: parameter.objects[0]

outputs: {
    for i, v in parameter.objects {
        if i > 0 {
            "objects-\(i)": v
        }
    }
}

parameter: {
    // +usage=Kubernetes objects to deploy; the first one is the workload
    objects: [...{...}]
}
`;

add('objects-single', 'raw objects: a single object becomes the output; outputs empty',
  OBJECTS, { objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { 'a.txt': 'hello', mode: 'fast' } }] },
  ctx('settings', { type: 'k8s-objects' }));
add('objects-three', 'raw objects: for i, v with an index filter names outputs objects-1, objects-2',
  OBJECTS, {
    objects: [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'raw' }, spec: { replicas: 2, selector: { matchLabels: { app: 'raw' } }, template: { metadata: { labels: { app: 'raw' } }, spec: { containers: [{ name: 'raw', image: 'nginx' }] } } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'raw' }, spec: { selector: { app: 'raw' }, ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'raw' } },
    ],
  }, ctx('raw', { type: 'k8s-objects' }));
add('objects-nested-values', 'raw objects: nested lists, booleans, nulls and numbers pass through unchanged',
  OBJECTS, {
    objects: [
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: 'b' } }, spec: { enabled: true, ratio: 0.25, size: 3, tags: ['x', 'y'], extra: null, nested: [{ k: [1, 2, { deep: false }] }] } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { password: 'hunter2' } },
    ],
  }, ctx('widget', { type: 'k8s-objects' }));
add('objects-empty-list', 'raw objects: an empty list makes objects[0] an index error',
  OBJECTS, { objects: [] }, ctx('nothing', { type: 'k8s-objects' }));

// Raw single object with metadata defaults taken from the context.
const RAW = String.raw`
output: {
    parameter
    metadata: {
        name:      *context.name | string
        namespace: *context.namespace | string
        labels: {
            "app.oam.dev/name": context.appName
            ...
        }
    }
}

parameter: {
    apiVersion: string
    kind:       string
    ...
}
`;

add('raw-defaults-from-context', 'raw object: metadata name and namespace default to the context values',
  RAW, { apiVersion: 'v1', kind: 'ConfigMap', data: { key: 'value' } }, ctx('plain', { type: 'raw', namespace: 'team-a' }), ['output']);
add('raw-explicit-metadata', 'raw object: explicit metadata wins over the defaults; extra labels are kept by ...',
  RAW, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'custom', namespace: 'other', labels: { extra: 'yes' } }, data: { key: 'value' } },
  ctx('plain', { type: 'raw' }), ['output']);
add('raw-conflicting-label', 'raw object: a user label that conflicts with the fixed app label fails',
  RAW, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { 'app.oam.dev/name': 'someone-else' } } }, ctx('plain', { type: 'raw' }), ['output']);


// ---------------------------------------------------------------------------
// Config bundle: ConfigMap from a map via dynamic labels; one Secret output per
// entry, keyed by a lower-cased interpolated label.
const BUNDLE = String.raw`
import "strings"

output: {
    apiVersion: "v1"
    kind:       "ConfigMap"
    metadata: {
        name: context.name
        labels: "app.oam.dev/component": context.name
    }
    data: {
        for k, v in parameter.data {
            (k): v
        }
        if parameter.includeContext {
            "app-name":     context.appName
            "revision":     context.revision
            "revision-num": "\(context.appRevisionNum)"
            "namespace":    context.namespace
        }
    }
}

outputs: {
    for s in parameter.secrets {
        "secret-\(strings.ToLower(s.name))": {
            apiVersion: "v1"
            kind:       "Secret"
            metadata: name: strings.ToLower(s.name)
            type:       s.type
            stringData: s.values
        }
    }
}

parameter: {
    data: [string]: string
    includeContext: *false | bool
    secrets: *[] | [...{
        name: string
        type: *"Opaque" | string
        values: [string]: string
    }]
}
`;

add('bundle-data-only', 'config bundle: data copied through (k): v; no secrets',
  BUNDLE, { data: { 'log.level': 'debug', 'feature.x': 'on' } }, ctx('settings', { type: 'config-bundle' }));
add('bundle-context-fields', 'config bundle: context fields including an interpolated int join the data',
  BUNDLE, { data: { a: '1' }, includeContext: true }, ctx('settings', { type: 'config-bundle', rev: 12, app: 'billing', namespace: 'prod' }));
add('bundle-secrets', 'config bundle: secrets become outputs named via strings.ToLower; type default Opaque',
  BUNDLE, {
    data: {},
    secrets: [
      { name: 'DB-Credentials', values: { user: 'app', password: 's3cr3t' } },
      { name: 'TLS', type: 'kubernetes.io/tls', values: { 'tls.crt': 'CERT', 'tls.key': 'KEY' } },
    ],
  }, ctx('settings', { type: 'config-bundle' }));
add('bundle-data-conflict', 'config bundle: a data key equal to a context key with another value conflicts',
  BUNDLE, { data: { namespace: 'elsewhere' }, includeContext: true }, ctx('settings', { type: 'config-bundle' }));

// ---------------------------------------------------------------------------
// Multi-container pod: containers given as a list of a closed definition.
const PODS = String.raw`
#Container: {
    name:  string
    image: string
    args?: [...string]
    ports: *[] | [...int]
    env?: [string]: string
    resources?: {
        cpu?:    string
        memory?: string
    }
}

output: {
    apiVersion: "apps/v1"
    kind:       "Deployment"
    spec: {
        selector: matchLabels: "app.oam.dev/component": context.name
        template: {
            metadata: labels: "app.oam.dev/component": context.name
            spec: {
                containers: [for c in parameter.containers {
                    name:  c.name
                    image: c.image
                    if c.args != _|_ {
                        args: c.args
                    }
                    if len(c.ports) > 0 {
                        ports: [for p in c.ports {containerPort: p}]
                    }
                    if c.env != _|_ {
                        env: [for k, v in c.env {name: k, value: v}]
                    }
                    if c.resources != _|_ {
                        resources: requests: c.resources
                    }
                    if parameter.sharedVolume != _|_ {
                        volumeMounts: [{name: "shared", mountPath: parameter.sharedVolume}]
                    }
                }]
                if len(parameter.initContainers) > 0 {
                    initContainers: [for c in parameter.initContainers {
                        name:  c.name
                        image: c.image
                        if c.args != _|_ {
                            args: c.args
                        }
                        if parameter.sharedVolume != _|_ {
                            volumeMounts: [{name: "shared", mountPath: parameter.sharedVolume}]
                        }
                    }]
                }
                if parameter.sharedVolume != _|_ {
                    volumes: [{name: "shared", emptyDir: {}}]
                }
            }
        }
    }
}

parameter: {
    containers: [#Container, ...#Container]
    initContainers: *[] | [...#Container]
    sharedVolume?: string
}
`;

add('pods-one-container', 'multi-container pod: a single container; ports default [] suppresses the ports field',
  PODS, { containers: [{ name: 'app', image: 'example/app:1' }] }, ctx('pod', { type: 'pods' }), ['output']);
add('pods-sidecars-shared', 'multi-container pod: three containers and an init container share an emptyDir',
  PODS, {
    sharedVolume: '/shared',
    containers: [
      { name: 'app', image: 'example/app:1', ports: [8080, 8081], env: { ROLE: 'main' }, resources: { cpu: '100m' } },
      { name: 'log-shipper', image: 'example/shipper:2', args: ['--from', '/shared/logs'] },
      { name: 'metrics', image: 'example/metrics:3', ports: [9102] },
    ],
    initContainers: [{ name: 'prepare', image: 'busybox:1.36', args: ['mkdir', '-p', '/shared/logs'] }],
  }, ctx('pod', { type: 'pods' }), ['output']);
add('pods-closed-container', 'multi-container pod: an unknown field in a #Container element is rejected by closedness',
  PODS, { containers: [{ name: 'app', image: 'example/app:1', command: ['x'] }] }, ctx('pod', { type: 'pods' }), ['output']);
add('pods-empty-containers', 'multi-container pod: [#Container, ...#Container] requires at least one element',
  PODS, { containers: [] }, ctx('pod', { type: 'pods' }), ['output']);

// A few more parameter sets for the templates above.
add('web-udp-internal', 'web service: UDP port not exposed keeps the protocol suffix in the container port name',
  WEB, { image: 'example/syslog:1', ports: [{ port: 514, protocol: 'UDP' }, { port: 601 }] }, ctx('syslog'));
add('web-configmap-modes', 'web service: configMap items take the per-item mode default; defaultMode overridable',
  WEB, {
    image: 'example/app:1.0',
    volumeMounts: {
      configMap: [{ name: 'scripts', mountPath: '/scripts', cmName: 'scripts', defaultMode: 493, items: [{ key: 'run.sh', path: 'run.sh', mode: 493 }, { key: 'lib.sh', path: 'lib/lib.sh' }] }],
      hostPath: [{ name: 'sock', mountPath: '/var/run/docker.sock', path: '/var/run/docker.sock' }],
    },
  }, ctx('app'));
add('web-port-out-of-range', 'web service: port 70000 violates int & >=1 & <=65535',
  WEB, { image: 'nginx:1.25', ports: [{ port: 70000 }] }, ctx('frontend'));
add('web-bad-cpu', 'web service: cpu "1.5m" is rejected by the =~ pattern',
  WEB, { image: 'nginx:1.25', cpu: '1.5m' }, ctx('frontend'));
add('web-unknown-parameter', 'web service: the plain parameter struct is open, so an unknown key is accepted and ignored',
  WEB, { image: 'nginx:1.25', replicas: 3, somethingElse: { a: 1 } }, ctx('frontend'));
add('web-exposed-with-container-port', 'web service: targetPort default from port is replaced by containerPort only where given',
  WEB, { image: 'example/app:2', ports: [{ port: 80, containerPort: 8080, expose: true, name: 'http' }, { port: 9000, expose: true }] }, ctx('app'));
add('worker-all-volumes-and-env', 'worker: env map, command and every volume kind together',
  WORKER, {
    image: 'example/consumer:5', replicas: 2, cmd: ['run', '--all'], env: { A: '1' },
    volumes: { pvc: [{ claimName: 'inbox', mountPath: '/in' }], configMap: [{ name: 'cfg', mountPath: '/cfg' }], secret: [{ name: 'key', mountPath: '/key' }] },
  }, ctx('consumer', { type: 'worker' }), ['output']);
add('job-env-all-empty', 'job: every env value empty gives an empty env list, not an absent field',
  JOB, { image: 'busybox:1.36', env: { A: '', B: '' } }, ctx('hello', { type: 'task' }), ['output']);
add('sts-claim-class-only', 'stateful set: single claim with storage class and Ti size',
  STS, { image: 'minio/minio:latest', port: 9000, claims: [{ name: 'export', mountPath: '/export', size: '1Ti', storageClassName: 'standard' }] }, ctx('minio', { type: 'statefulset' }));
add('objects-output-only-fields', 'raw objects: four objects; outputs objects-1..3 follow list order',
  OBJECTS, { objects: [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c3' } }] },
  ctx('once', { type: 'k8s-objects' }));
add('daemon-externalname-missing', 'daemon: ExternalName without externalName leaves an incomplete required field',
  DAEMON, { image: 'example/agent:5', exposeType: 'ExternalName' }, ctx('agent', { type: 'daemon' }));


add('web-probe-headers', 'web service: httpGet probe with headers on liveness, exec on readiness, both with defaults',
  WEB, {
    image: 'example/api:1.0',
    livenessProbe: { httpGet: { path: '/live', port: 8080, httpHeaders: [{ name: 'X-Probe', value: 'liveness' }] }, timeoutSeconds: 3 },
    readinessProbe: { exec: { command: ['/bin/ready', '--strict'] }, successThreshold: 2 },
  }, ctx('api'));
add('web-everything', 'web service: ports, env, volumes, probes, resources and labels in one render',
  WEB, {
    image: 'example/store:5.0.1',
    imagePullPolicy: 'IfNotPresent',
    ports: [{ port: 8080, expose: true }, { port: 8443, name: 'https', expose: true }, { port: 9102, name: 'metrics' }],
    exposeType: 'NodePort',
    env: [{ name: 'STORE_MODE', value: 'cluster' }, { name: 'STORE_KEY', valueFrom: { secretKeyRef: { name: 'store', key: 'key' } } }],
    cpu: '2', memory: '4Gi', limit: { cpu: '4' },
    volumeMounts: { pvc: [{ name: 'data', mountPath: '/data', claimName: 'store-data' }], secret: [{ name: 'tls', mountPath: '/tls', secretName: 'store-tls' }] },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    labels: { 'app.kubernetes.io/part-of': 'store' },
    annotations: { 'example.com/owner': 'storage-team' },
    addRevisionLabel: true,
  }, ctx('store', { app: 'storage', rev: 3 }));
add('daemon-full', 'daemon: host network, tolerations, node selector, host paths and a NodePort Service together',
  DAEMON, {
    image: 'example/collector:2', hostNetwork: true, exposeType: 'NodePort', ports: [{ port: 4317 }, { port: 4318 }],
    nodeSelector: { 'node-role': 'edge' }, tolerations: [{ key: 'edge', operator: 'Exists', effect: 'NoExecute' }],
    hostPaths: [{ path: '/proc', mountPath: '/host/proc' }], maxUnavailable: '10%',
  }, ctx('collector', { type: 'daemon' }));
add('cron-old-cluster-volumes', 'cron job: minor 20 (v1beta1), timeZone dropped, volumes kept, Replace policy',
  CRON, {
    schedule: '15 */6 * * *', timeZone: 'Asia/Tokyo', image: 'example/sync:1', concurrencyPolicy: 'Replace', failedJobsHistoryLimit: 5,
    volumeMounts: { emptyDir: [{ name: 'tmp', mountPath: '/tmp' }] },
  }, ctx('sync', { type: 'cron-task', minor: 20 }), ['output']);
add('job-everything', 'job: named job with labels, env filter, resources and retry settings',
  JOB, {
    jobName: 'nightly-export', image: 'example/export:3', count: 2, restart: 'OnFailure', backoffLimit: 0, ttlSecondsAfterFinished: 60,
    cmd: ['export', '--all'], env: { TARGET: 's3://bucket', DRY_RUN: '' }, labels: { job: 'export' }, resources: { memory: '2Gi' },
  }, ctx('export', { type: 'task' }), ['output']);
add('bundle-explicit-empty-secrets', 'config bundle: an explicit empty secrets list and context fields without data',
  BUNDLE, { data: {}, secrets: [], includeContext: true }, ctx('empty', { type: 'config-bundle' }));
add('pods-init-without-shared', 'multi-container pod: init containers without a shared volume get no mounts',
  PODS, { containers: [{ name: 'app', image: 'example/app:1', resources: { memory: '64Mi' } }], initContainers: [{ name: 'wait', image: 'busybox', args: ['sleep', '5'] }, { name: 'check', image: 'busybox' }] },
  ctx('pod', { type: 'pods' }), ['output']);
add('sts-env-expose', 'stateful set: env list, exposure and a custom port',
  STS, { image: 'example/kv:4', port: 2379, expose: true, replicas: 5, env: [{ name: 'CLUSTER_SIZE', value: '5' }] }, ctx('kv', { type: 'statefulset' }));
add('objects-service-first', 'raw objects: a Service as the first object is still the workload output',
  OBJECTS, { objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } }, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext' } }] },
  ctx('ext', { type: 'k8s-objects' }));

module.exports = cases;
