'use strict';
// Trait-definition style cases.  Each case gets a trait context whose output is
// the workload rendered so far (see common.js) and whose outputs hold the
// auxiliary objects.
const { tctx, deployment, statefulSet, daemonSet, job, cronJob, container, W } = require('./common');

const cases = [];
function add(slug, desc, template, parameter, context, compare = ['patch']) {
  cases.push({ slug, desc, template, parameter, context, compare });
}

// ---------------------------------------------------------------------------
const SCALER = String.raw`
patch: {
    // +patchStrategy=retainKeys
    spec: replicas: parameter.replicas
}

parameter: {
    // +usage=Number of pod replicas
    replicas: *1 | int & >=0
}
`;
add('scaler-default', 'scaler: replicas default 1 lands in a retainKeys patch', SCALER, {}, tctx('web', W.web()));
add('scaler-five', 'scaler: explicit replicas 5', SCALER, { replicas: 5 }, tctx('web', W.web()));
add('scaler-negative', 'scaler: -2 violates the >=0 bound', SCALER, { replicas: -2 }, tctx('web', W.web()));
add('scaler-zero', 'scaler: zero replicas sits on the >=0 bound', SCALER, { replicas: 0 }, tctx('db', W.sts()));

// ---------------------------------------------------------------------------
const LABELS = String.raw`
// +patchStrategy=jsonMergePatch
patch: {
    metadata: labels: {
        for k, v in parameter {
            (k): v
        }
    }
    if context.output.spec != _|_ if context.output.spec.template != _|_ {
        spec: template: metadata: labels: {
            for k, v in parameter {
                (k): v
            }
        }
    }
}

parameter: [string]: string | null
`;
add('labels-deployment', 'labels: dynamic labels patched onto the object and its pod template',
  LABELS, { team: 'search', 'example.com/tier': 'gold' }, tctx('web', W.web()));
add('labels-null-removes', 'labels: a null value is kept in the patch (jsonMergePatch deletes the key later)',
  LABELS, { legacy: null, owner: 'ops' }, tctx('web', W.web()));
add('labels-configmap', 'labels: a workload without spec gets only metadata labels',
  LABELS, { team: 'search' }, tctx('cfg', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } }));
add('labels-cronjob', 'labels: a CronJob has spec but no spec.template, so the chained if skips the pod labels',
  LABELS, { schedule: 'nightly' }, tctx('nightly', W.cron()));
add('labels-empty', 'labels: no properties give empty label maps',
  LABELS, {}, tctx('web', W.web()));
add('labels-number-rejected', 'labels: a number value violates string | null',
  LABELS, { replicas: 3 }, tctx('web', W.web()));

// ---------------------------------------------------------------------------
const ANNOTATIONS = String.raw`
// +patchStrategy=jsonMergePatch
patch: {
    let content = {
        for k, v in parameter {
            (k): v
        }
    }
    metadata: annotations: content
    if context.output.spec != _|_ if context.output.spec.template != _|_ {
        spec: template: metadata: annotations: content
    }
    if context.output.spec != _|_ if context.output.spec.jobTemplate != _|_ {
        spec: jobTemplate: {
            metadata: annotations: content
            if context.output.spec.jobTemplate.spec != _|_ if context.output.spec.jobTemplate.spec.template != _|_ {
                spec: template: metadata: annotations: content
            }
        }
    }
}

parameter: [string]: string | null
`;
add('annotations-deployment', 'annotations: let binding reused for object and pod template',
  ANNOTATIONS, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' }, tctx('web', W.web()));
add('annotations-cronjob', 'annotations: CronJob gets jobTemplate and nested pod template annotations',
  ANNOTATIONS, { 'backup.example.com/owner': 'dba' }, tctx('nightly', W.cron()));
add('annotations-cronjob-no-template', 'annotations: jobTemplate without spec.template only annotates the jobTemplate',
  ANNOTATIONS, { note: 'x' }, tctx('nightly', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'n' }, spec: { schedule: '@daily', jobTemplate: { spec: {} } } }));
add('annotations-null', 'annotations: null values survive for later deletion',
  ANNOTATIONS, { 'deprecated.example.com/flag': null }, tctx('batch', W.job()));

// ---------------------------------------------------------------------------
// env: per-container env patch with patchKey; errs for unknown containers.
const ENV = String.raw`
#EnvPatch: {
    // +usage=Target container; empty means the component's own container
    containerName: *"" | string
    // +usage=Replace the whole env list instead of merging
    replace: *false | bool
    env: [string]: string
    unset: *[] | [...string]
}

parameter: *#EnvPatch | close({
    containers: [...#EnvPatch]
})

_params: [
    if parameter.containers == _|_ {parameter},
    if parameter.containers != _|_ for c in parameter.containers {c},
]

_targets: [for p in _params {
    if p.containerName == "" {
        name: context.name
    }
    if p.containerName != "" {
        name: p.containerName
    }
    params: p
}]

_base: context.output.spec.template.spec.containers

_found: {
    for t in _targets for c in _base if c.name == t.name {
        (t.name): c
    }
}

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for t in _targets if _found[t.name] != _|_ {
        let c = _found[t.name]
        let p = t.params
        let del = {for k in p.unset {(k): ""}}
        name: t.name
        // +patchStrategy=replace
        env: [
            if !p.replace if c.env != _|_ for e in c.env if p.env[e.name] == _|_ && del[e.name] == _|_ {e},
            for k, v in p.env {
                name:  k
                value: v
            },
        ]
    }]
}

errs: [for t in _targets if _found[t.name] == _|_ {"container \(t.name) not found"}]
`;
add('env-add-merge', 'env: kept variables first, then the given ones; an overridden name moves to the end',
  ENV, { env: { LEVEL: 'debug', NEW: 'yes' } }, tctx('web', W.webEnv()), ['patch', 'errs']);
add('env-replace', 'env: replace drops every existing variable',
  ENV, { replace: true, env: { ONLY: '1' } }, tctx('web', W.webEnv()), ['patch', 'errs']);
add('env-no-existing-env', 'env: container without env gets only the new list',
  ENV, { env: { A: 'a', B: 'b' } }, tctx('web', W.web()), ['patch', 'errs']);
add('env-missing-container', 'env: unknown containerName yields no patch element and an errs message',
  ENV, { containerName: 'nope', env: { A: 'a' } }, tctx('web', W.web()), ['patch', 'errs']);
add('env-containers-form', 'env: the close({containers}) disjunct is chosen; two containers patched, one missing',
  ENV, {
    containers: [
      { containerName: 'api', env: { PORT: '8080' } },
      { containerName: 'proxy', replace: true, env: { ENVOY_LOG: 'warn' } },
      { containerName: 'ghost', env: { X: 'x' } },
    ],
  }, tctx('api', W.twoContainers()), ['patch', 'errs']);
add('env-unset', 'env: unset removes a variable via {for k in unset {(k): ""}} (v0.4 keeps it: override)',
  ENV, { unset: ['MODE'], env: { EXTRA: '1' } }, tctx('web', W.webEnv()), ['patch', 'errs']);
add('env-closed-params', 'env: an unknown key matches neither #EnvPatch nor the closed containers struct',
  ENV, { env: { A: 'a' }, bogus: true }, tctx('web', W.web()), ['patch', 'errs']);

// ---------------------------------------------------------------------------
// command: replace command/args or edit args with list.Concat.
const COMMAND = String.raw`
import "list"

#CommandPatch: {
    containerName: *"" | string
    command:       *null | [...string]
    args:          *null | [...string]
    addArgs:       *null | [...string]
    delArgs:       *null | [...string]
}

parameter: *#CommandPatch | close({
    containers: [...#CommandPatch]
})

_params: [
    if parameter.containers == _|_ {parameter},
    if parameter.containers != _|_ for c in parameter.containers {c},
]

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for p in _params {
        _name: *context.name | string
        if p.containerName != "" {
            _name: p.containerName
        }
        _matches: [for c in context.output.spec.template.spec.containers if c.name == _name {c}]
        _oldArgs: *[] | [...string]
        if len(_matches) > 0 if _matches[0].args != _|_ {
            _oldArgs: _matches[0].args
        }
        _drop: *[] | [...string]
        if p.delArgs != null {
            _drop: p.delArgs
        }
        _add: *[] | [...string]
        if p.addArgs != null {
            _add: p.addArgs
        }

        name: _name
        if p.command != null {
            // +patchStrategy=replace
            command: p.command
        }
        if p.args != null {
            // +patchStrategy=replace
            args: p.args
        }
        if p.args == null && (p.addArgs != null || p.delArgs != null) {
            // +patchStrategy=replace
            args: list.Concat([[for a in _oldArgs if !list.Contains(_drop, a) {a}], _add])
        }
    }]
}
`;
add('command-replace', 'command: command and args replaced outright', COMMAND,
  { command: ['/bin/server'], args: ['--fast'] }, tctx('web', W.web()));
add('command-add-del-args', 'command: list.Concat of the filtered old args and addArgs; list.Contains filter', COMMAND,
  { containerName: 'api', delArgs: ['--listen'], addArgs: ['--verbose', '--trace'] }, tctx('api', W.twoContainers()));
add('command-add-only-no-old', 'command: addArgs on a container without args starts from the [] default', COMMAND,
  { containers: [{ containerName: 'proxy', addArgs: ['-l', 'debug'] }, { containerName: 'api', command: ['api'] }] }, tctx('api', W.twoContainers()));
add('command-nothing', 'command: all fields null; only the container name is patched', COMMAND, {}, tctx('web', W.web()));

// ---------------------------------------------------------------------------
// container-image: default-bottom guard for the matched container.
const IMAGE = String.raw`
#ImagePatch: {
    containerName:   *"" | string
    image:           string
    imagePullPolicy: *"" | "IfNotPresent" | "Always" | "Never"
}

parameter: *#ImagePatch | close({
    containers: [...#ImagePatch]
})

_params: [
    if parameter.containers == _|_ {parameter},
    if parameter.containers != _|_ for c in parameter.containers {c},
]

_patched: [for p in _params {
    _name: *context.name | string
    if p.containerName != "" {
        _name: p.containerName
    }
    _matches: [for c in context.output.spec.template.spec.containers if c.name == _name {c}]
    _base: *_|_ | {...}
    if len(_matches) > 0 {
        _base: _matches[0]
    }
    if len(_matches) == 0 {
        err: "container \(_name) not found"
    }
    if len(_matches) > 0 {
        out: {
            name: _name
            // +patchStrategy=retainKeys
            image: p.image
            if p.imagePullPolicy != "" {
                // +patchStrategy=retainKeys
                imagePullPolicy: p.imagePullPolicy
            }
        }
    }
    // with no match the guard leaves _base as {...}: it exists but has no image
    if _base.image != _|_ {
        previous: _base.image
    }
    guardExists: _base != _|_
}]

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for x in _patched if x.out != _|_ {x.out}]
}

errs: [for x in _patched if x.err != _|_ {x.err}]

// not used by KubeVela; lets the test see the guarded value
previousImages: [for x in _patched if x.previous != _|_ {x.previous}]
guards: [for x in _patched {x.guardExists}]
`;
add('image-single', 'container-image: default container; *_|_ | {...} guard resolved by the match',
  IMAGE, { image: 'nginx:1.27' }, tctx('web', W.web()), ['patch', 'errs', 'previousImages', 'guards']);
add('image-pull-policy', 'container-image: pull policy patched only when non-empty',
  IMAGE, { containerName: 'proxy', image: 'envoyproxy/envoy:v1.30', imagePullPolicy: 'Always' }, tctx('api', W.twoContainers()), ['patch', 'errs', 'previousImages', 'guards']);
add('image-missing', 'container-image: the guard stays bottom for a missing container, giving err instead of out',
  IMAGE, { containers: [{ containerName: 'api', image: 'example/api:3' }, { containerName: 'worker', image: 'x' }] }, tctx('api', W.twoContainers()), ['patch', 'errs', 'previousImages', 'guards']);

// ---------------------------------------------------------------------------
const SIDECAR = String.raw`
#Probe: {
    exec?: command: [...string]
    httpGet?: {
        path?: string
        port:  int
    }
    initialDelaySeconds: *0 | int
    periodSeconds:       *10 | int
    failureThreshold:    *3 | int
}

patch: spec: template: spec: {
    // +patchKey=name
    containers: [{
        name:  parameter.name
        image: parameter.image
        if parameter.cmd != _|_ {
            command: parameter.cmd
        }
        if parameter.args != _|_ {
            args: parameter.args
        }
        if parameter.env != _|_ {
            env: parameter.env
        }
        if parameter.volumes != _|_ {
            volumeMounts: [for v in parameter.volumes {
                name:      v.name
                mountPath: v.path
            }]
        }
        if parameter.livenessProbe != _|_ {
            livenessProbe: parameter.livenessProbe
        }
    }]
}

parameter: {
    name:  string
    image: string
    cmd?: [...string]
    args?: [...string]
    env?: [...{
        name:   string
        value?: string
        valueFrom?: {
            secretKeyRef?: {name: string, key: string}
            fieldRef?: fieldPath: string
        }
    }]
    volumes?: [...{name: string, path: string}]
    livenessProbe?: #Probe
}
`;
add('sidecar-minimal', 'sidecar: name and image only', SIDECAR, { name: 'logger', image: 'busybox:1.36' }, tctx('web', W.web()));
add('sidecar-full', 'sidecar: command, args, env with fieldRef and secretKeyRef, volume mounts, probe defaults',
  SIDECAR, {
    name: 'shipper', image: 'example/shipper:2', cmd: ['ship'], args: ['--to', 'loki:3100'],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'KEY', valueFrom: { secretKeyRef: { name: 'k', key: 'v' } } }, { name: 'PLAIN', value: 'p' }],
    volumes: [{ name: 'varlog', path: '/var/log' }],
    livenessProbe: { exec: { command: ['pgrep', 'ship'] }, periodSeconds: 30 },
  }, tctx('web', W.web()));
add('sidecar-missing-image', 'sidecar: image missing leaves a non-concrete patch, so export fails',
  SIDECAR, { name: 'logger' }, tctx('web', W.web()));
add('sidecar-on-statefulset', 'sidecar: works the same on a StatefulSet workload with an httpGet probe',
  SIDECAR, { name: 'exporter', image: 'example/pg-exporter:1', livenessProbe: { httpGet: { path: '/metrics', port: 9187 } } }, tctx('db', W.sts()));

// ---------------------------------------------------------------------------
const INIT = String.raw`
import "list"

patch: spec: template: spec: {
    // +patchKey=name
    containers: [{
        name: context.name
        // +patchKey=name
        volumeMounts: [{
            name:      parameter.mountName
            mountPath: parameter.appMountPath
        }]
    }]
    // +patchKey=name
    initContainers: [{
        name:            parameter.name
        image:           parameter.image
        imagePullPolicy: parameter.imagePullPolicy
        if parameter.cmd != _|_ {
            command: parameter.cmd
        }
        if parameter.args != _|_ {
            args: parameter.args
        }
        if parameter.env != _|_ {
            env: parameter.env
        }
        // +patchKey=name
        volumeMounts: list.Concat([[{
            name:      parameter.mountName
            mountPath: parameter.initMountPath
        }], parameter.extraVolumeMounts])
    }]
    // +patchKey=name
    volumes: [{
        name: parameter.mountName
        emptyDir: {}
    }]
}

parameter: {
    name:            string
    image:           string
    imagePullPolicy: *"IfNotPresent" | "Always" | "Never"
    cmd?: [...string]
    args?: [...string]
    env?: [...{name: string, value: string}]
    mountName:     *"workdir" | string
    appMountPath:  string
    initMountPath: string
    extraVolumeMounts: *[] | [...{name: string, mountPath: string}]
}
`;
add('init-basic', 'init-container: shared emptyDir with the mountName default; no extra mounts',
  INIT, { name: 'fetch', image: 'busybox:1.36', cmd: ['wget', '-O', '/work/index.html', 'http://example.com'], appMountPath: '/usr/share/nginx/html', initMountPath: '/work' }, tctx('web', W.web()));
add('init-extra-mounts', 'init-container: list.Concat appends extra volume mounts after the shared one',
  INIT, { name: 'migrate', image: 'example/migrate:7', imagePullPolicy: 'Always', mountName: 'seed', appMountPath: '/seed', initMountPath: '/out', extraVolumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'secrets', mountPath: '/secrets' }], env: [{ name: 'MODE', value: 'init' }], args: ['--once'] },
  tctx('web', W.web()));
add('init-never-policy', 'init-container: Never pull policy, args only, on a Job workload',
  INIT, { name: 'fetch', image: 'busybox', imagePullPolicy: 'Never', args: ['true'], appMountPath: '/a', initMountPath: '/b' }, tctx('batch', W.job()));
add('init-missing-path', 'init-container: appMountPath missing leaves the patch non-concrete',
  INIT, { name: 'fetch', image: 'busybox', initMountPath: '/b' }, tctx('web', W.web()));

// ---------------------------------------------------------------------------
// resource: regex-checked quantities; pod template or CronJob job template.
const RESOURCE = String.raw`
#Quantities: {
    cpu?:    number | string
    memory?: =~"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"
}

_resources: {
    if parameter.cpu != _|_ {
        requests: cpu: parameter.cpu
        limits: cpu:   parameter.cpu
    }
    if parameter.memory != _|_ {
        requests: memory: parameter.memory
        limits: memory:   parameter.memory
    }
    if parameter.requests != _|_ {
        requests: parameter.requests
    }
    if parameter.limits != _|_ {
        limits: parameter.limits
    }
}

patch: {
    if context.output.spec.template != _|_ {
        spec: template: spec: {
            // +patchKey=name
            containers: [{
                // +patchStrategy=retainKeys
                resources: _resources
            }]
        }
    }
    if context.output.spec.jobTemplate != _|_ {
        spec: jobTemplate: spec: template: spec: {
            // +patchKey=name
            containers: [{
                // +patchStrategy=retainKeys
                resources: _resources
            }]
        }
    }
}

parameter: {
    cpu?:    *1 | number | string
    memory?: *"2048Mi" | =~"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"
    requests?: #Quantities
    limits?:   #Quantities
}
`;
add('resource-cpu-memory', 'resource: cpu number and memory string become equal requests and limits',
  RESOURCE, { cpu: 0.5, memory: '512Mi' }, tctx('web', W.web()));
add('resource-requests-limits', 'resource: separate requests and limits through a definition on a CronJob',
  RESOURCE, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } }, tctx('nightly', W.cron()));
add('resource-nothing', 'resource: optional fields with defaults stay absent; resources patch is empty',
  RESOURCE, {}, tctx('web', W.web()));
add('resource-bad-memory', 'resource: memory "2GB" fails the quantity regex',
  RESOURCE, { memory: '2GB' }, tctx('web', W.web()));
add('resource-cpu-conflict', 'resource: cpu together with a different requests.cpu conflicts',
  RESOURCE, { cpu: '2', requests: { cpu: '1' } }, tctx('web', W.web()));
add('resource-job', 'resource: a Job has spec.template, so the pod template branch fires',
  RESOURCE, { cpu: '250m', limits: { memory: '64Mi' } }, tctx('batch', W.job()));


// ---------------------------------------------------------------------------
const AFFINITY = String.raw`
#Selector: {
    matchLabels?: [string]: string
    matchExpressions?: [...{
        key:      string
        operator: *"In" | "NotIn" | "Exists" | "DoesNotExist"
        values?: [...string]
    }]
}

#Term: {
    labelSelector?: #Selector
    namespaces?: [...string]
    topologyKey: string
}

#Weighted: {
    weight:          int & >=1 & <=100
    podAffinityTerm: #Term
}

#PodRules: {
    required?: [...#Term]
    preferred?: [...#Weighted]
}

patch: spec: template: spec: {
    if parameter.podAffinity != _|_ || parameter.podAntiAffinity != _|_ || parameter.nodeAffinity != _|_ {
        affinity: {
            if parameter.podAffinity != _|_ {
                podAffinity: {
                    if parameter.podAffinity.required != _|_ {
                        requiredDuringSchedulingIgnoredDuringExecution: parameter.podAffinity.required
                    }
                    if parameter.podAffinity.preferred != _|_ {
                        preferredDuringSchedulingIgnoredDuringExecution: parameter.podAffinity.preferred
                    }
                }
            }
            if parameter.podAntiAffinity != _|_ {
                podAntiAffinity: {
                    if parameter.podAntiAffinity.required != _|_ {
                        requiredDuringSchedulingIgnoredDuringExecution: parameter.podAntiAffinity.required
                    }
                    if parameter.podAntiAffinity.preferred != _|_ {
                        preferredDuringSchedulingIgnoredDuringExecution: parameter.podAntiAffinity.preferred
                    }
                }
            }
            if parameter.nodeAffinity != _|_ {
                nodeAffinity: requiredDuringSchedulingIgnoredDuringExecution: nodeSelectorTerms: [{
                    matchExpressions: [for k, v in parameter.nodeAffinity {
                        key:      k
                        operator: "In"
                        values:   v
                    }]
                }]
            }
        }
    }
    if parameter.tolerations != _|_ {
        // +patchKey=key
        tolerations: [for t in parameter.tolerations {
            if t.key != _|_ {
                key: t.key
            }
            operator: t.operator
            if t.value != _|_ {
                value: t.value
            }
            if t.effect != _|_ {
                effect: t.effect
            }
            if t.tolerationSeconds != _|_ {
                tolerationSeconds: t.tolerationSeconds
            }
        }]
    }
}

parameter: {
    podAffinity?:     #PodRules
    podAntiAffinity?: #PodRules
    // +usage=node label key -> allowed values
    nodeAffinity?: [string]: [...string]
    tolerations?: [...{
        key?:               string
        operator:           *"Equal" | "Exists"
        value?:             string
        effect?:            "NoSchedule" | "PreferNoSchedule" | "NoExecute"
        tolerationSeconds?: int
    }]
}
`;
add('affinity-anti-preferred', 'affinity: preferred anti-affinity term with a weight bound and expression operator default',
  AFFINITY, { podAntiAffinity: { preferred: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', values: ['web'] }] } } }] } },
  tctx('web', W.web()));
add('affinity-node-map', 'affinity: node affinity built from a map with for k, v',
  AFFINITY, { nodeAffinity: { 'topology.kubernetes.io/zone': ['eu-west-1a', 'eu-west-1b'], 'node.kubernetes.io/instance-type': ['m5.large'] } }, tctx('web', W.web()));
add('affinity-tolerations-only', 'affinity: only tolerations; no affinity block is emitted',
  AFFINITY, { tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }, tctx('web', W.web()));
add('affinity-all', 'affinity: required pod affinity, anti-affinity and node affinity together on a StatefulSet',
  AFFINITY, {
    podAffinity: { required: [{ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'cache' } }, namespaces: ['default', 'infra'] }] },
    podAntiAffinity: { required: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.oam.dev/component': 'db' } } }] },
    nodeAffinity: { disktype: ['ssd'] },
  }, tctx('db', W.sts()));
add('affinity-weight-zero', 'affinity: weight 0 violates int & >=1 & <=100',
  AFFINITY, { podAffinity: { preferred: [{ weight: 0, podAffinityTerm: { topologyKey: 'x' } }] } }, tctx('web', W.web()));

// ---------------------------------------------------------------------------
const HOSTALIAS = String.raw`
patch: spec: template: spec: {
    // +patchKey=ip
    hostAliases: [for h in parameter.hostAliases {
        ip:        h.ip
        hostnames: h.hostnames
    }]
}

errs: [
    if len(parameter.hostAliases) == 0 {"hostAliases must not be empty"},
    for i, h in parameter.hostAliases if len(h.hostnames) == 0 {"hostAliases[\(i)] (\(h.ip)) has no hostnames"},
]

parameter: {
    hostAliases: [...{
        ip: =~"^[0-9]{1,3}(\\.[0-9]{1,3}){3}$"
        hostnames: [...string]
    }]
}
`;
add('hostalias-two', 'hostalias: two entries; errs stays empty', HOSTALIAS,
  { hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.local'] }, { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }] }, tctx('web', W.web()), ['patch', 'errs']);
add('hostalias-empty-errs', 'hostalias: an empty list and an entry without hostnames produce errs messages with interpolated index',
  HOSTALIAS, { hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }, { ip: '10.0.0.2', hostnames: [] }] }, tctx('web', W.web()), ['patch', 'errs']);
add('hostalias-none', 'hostalias: no entries at all', HOSTALIAS, { hostAliases: [] }, tctx('web', W.web()), ['patch', 'errs']);
add('hostalias-bad-ip', 'hostalias: an IP that fails the regex', HOSTALIAS, { hostAliases: [{ ip: 'localhost', hostnames: ['x'] }] }, tctx('web', W.web()), ['patch', 'errs']);

// ---------------------------------------------------------------------------
const LIFECYCLE = String.raw`
#Handler: {
    exec?: command: [...string]
    httpGet?: {
        path?:  string
        port:   int
        host?:  string
        scheme: *"HTTP" | "HTTPS"
        httpHeaders?: [...{name: string, value: string}]
    }
    tcpSocket?: {
        port:  int
        host?: string
    }
}

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for c in context.output.spec.template.spec.containers {
        name: c.name
        lifecycle: {
            if parameter.postStart != _|_ {
                postStart: parameter.postStart
            }
            if parameter.preStop != _|_ {
                preStop: parameter.preStop
            }
        }
    }]
}

parameter: {
    postStart?: #Handler
    preStop?:   #Handler
}
`;
add('lifecycle-prestop-exec', 'lifecycle: preStop exec applied to every container of the workload',
  LIFECYCLE, { preStop: { exec: { command: ['sh', '-c', 'sleep 10'] } } }, tctx('api', W.twoContainers()));
add('lifecycle-http-scheme-default', 'lifecycle: postStart httpGet takes the scheme default; preStop tcpSocket',
  LIFECYCLE, { postStart: { httpGet: { path: '/warmup', port: 8080, httpHeaders: [{ name: 'X-Warm', value: '1' }] } }, preStop: { tcpSocket: { port: 8080 } } }, tctx('web', W.web()));
add('lifecycle-none', 'lifecycle: no handlers give an empty lifecycle per container', LIFECYCLE, {}, tctx('web', W.web()));

// ---------------------------------------------------------------------------
const SECCTX = String.raw`
#SecurityPatch: {
    containerName:            *"" | string
    addCapabilities?:         [...string]
    dropCapabilities?:        [...string]
    allowPrivilegeEscalation: *false | bool
    privileged:               *false | bool
    readOnlyRootFilesystem:   *false | bool
    runAsNonRoot:             *true | bool
    runAsUser?:               int & >=0
    runAsGroup?:              int & >=0
}

parameter: *#SecurityPatch | close({
    containers: [...#SecurityPatch]
})

_params: [
    if parameter.containers == _|_ {parameter},
    if parameter.containers != _|_ for c in parameter.containers {c},
]

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for p in _params {
        if p.containerName == "" {
            name: context.name
        }
        if p.containerName != "" {
            name: p.containerName
        }
        securityContext: {
            allowPrivilegeEscalation: p.allowPrivilegeEscalation
            privileged:               p.privileged
            readOnlyRootFilesystem:   p.readOnlyRootFilesystem
            runAsNonRoot:             p.runAsNonRoot
            if p.runAsUser != _|_ {
                runAsUser: p.runAsUser
            }
            if p.runAsGroup != _|_ {
                runAsGroup: p.runAsGroup
            }
            if p.addCapabilities != _|_ || p.dropCapabilities != _|_ {
                capabilities: {
                    if p.addCapabilities != _|_ {
                        add: p.addCapabilities
                    }
                    if p.dropCapabilities != _|_ {
                        drop: p.dropCapabilities
                    }
                }
            }
        }
    }]
}
`;
add('secctx-defaults', 'securitycontext: all boolean defaults on the component container', SECCTX, {}, tctx('web', W.web()));
add('secctx-caps-user', 'securitycontext: capabilities add/drop and uid/gid', SECCTX,
  { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'], runAsUser: 1000, runAsGroup: 3000, readOnlyRootFilesystem: true }, tctx('web', W.web()));
add('secctx-containers', 'securitycontext: the containers disjunct with per-container settings', SECCTX,
  { containers: [{ containerName: 'api', runAsUser: 10001 }, { containerName: 'proxy', privileged: true, runAsNonRoot: false, dropCapabilities: ['NET_RAW'] }] }, tctx('api', W.twoContainers()));
add('secctx-root', 'securitycontext: runAsUser 0 with runAsNonRoot false and privilege escalation', SECCTX, { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: true }, tctx('agent', W.ds()));

// ---------------------------------------------------------------------------
const PODSEC = String.raw`
patch: spec: template: spec: securityContext: {
    runAsNonRoot: parameter.runAsNonRoot
    if parameter.runAsUser != _|_ {
        runAsUser: parameter.runAsUser
    }
    if parameter.runAsGroup != _|_ {
        runAsGroup: parameter.runAsGroup
    }
    if parameter.fsGroup != _|_ {
        fsGroup:             parameter.fsGroup
        fsGroupChangePolicy: parameter.fsGroupChangePolicy
    }
    if parameter.seccompProfile != _|_ {
        seccompProfile: parameter.seccompProfile
    }
    if len(parameter.sysctls) > 0 {
        sysctls: [for k, v in parameter.sysctls {name: k, value: v}]
    }
}

errs: [
    if parameter.seccompProfile != _|_ if parameter.seccompProfile.type == "Localhost" && parameter.seccompProfile.localhostProfile == _|_ {
        "seccompProfile.localhostProfile is required for type Localhost"
    },
]

parameter: {
    runAsNonRoot:        *true | bool
    runAsUser?:          int
    runAsGroup?:         int
    fsGroup?:            int
    fsGroupChangePolicy: *"OnRootMismatch" | "Always"
    seccompProfile?: {
        type:              "RuntimeDefault" | "Localhost" | "Unconfined"
        localhostProfile?: string
    }
    sysctls: [string]: string
}
`;
add('podsec-defaults', 'pod security context: runAsNonRoot default; empty sysctls map skipped via len', PODSEC, {}, tctx('web', W.web()), ['patch', 'errs']);
add('podsec-fsgroup-sysctls', 'pod security context: fsGroup with its policy default, RuntimeDefault seccomp and sysctls from a map', PODSEC,
  { runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' }, sysctls: { 'net.core.somaxconn': '1024', 'kernel.shm_rmid_forced': '1' } }, tctx('web', W.web()), ['patch', 'errs']);
add('podsec-localhost-missing', 'pod security context: Localhost seccomp without a profile is reported through errs', PODSEC,
  { seccompProfile: { type: 'Localhost' } }, tctx('web', W.web()), ['patch', 'errs']);
add('podsec-localhost-ok', 'pod security context: Localhost seccomp with a profile; errs empty', PODSEC,
  { runAsNonRoot: false, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } }, tctx('web', W.web()), ['patch', 'errs']);

// ---------------------------------------------------------------------------
const STARTUP = String.raw`
#StartupProbe: {
    containerName: *"" | string
    exec?: command: [...string]
    httpGet?: {
        path: *"/" | string
        port: int
    }
    grpc?: {
        port:     int
        service?: string
    }
    tcpSocket?: port: int
    initialDelaySeconds: *0 | int & >=0
    periodSeconds:       *10 | int & >0
    timeoutSeconds:      *1 | int & >0
    failureThreshold:    *3 | int & >0
}

parameter: *#StartupProbe | close({
    probes: [...#StartupProbe]
})

_probes: [
    if parameter.probes == _|_ {parameter},
    if parameter.probes != _|_ for p in parameter.probes {p},
]

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for p in _probes {
        if p.containerName == "" {
            name: context.name
        }
        if p.containerName != "" {
            name: p.containerName
        }
        startupProbe: {
            for k, v in p if k != "containerName" {
                (k): v
            }
        }
    }]
}
`;
add('startup-http', 'startup-probe: httpGet path default; struct copy via for k, v with a key filter',
  STARTUP, { httpGet: { port: 8080 }, failureThreshold: 30 }, tctx('web', W.web()));
add('startup-probes-list', 'startup-probe: probes disjunct, grpc and exec handlers',
  STARTUP, { probes: [{ containerName: 'api', grpc: { port: 9090 } }, { containerName: 'proxy', exec: { command: ['true'] }, periodSeconds: 2 }] }, tctx('api', W.twoContainers()));
add('startup-tcp-delays', 'startup-probe: tcpSocket with explicit delays on a named container',
  STARTUP, { containerName: 'db', tcpSocket: { port: 5432 }, initialDelaySeconds: 5, timeoutSeconds: 2 }, tctx('db', W.sts()));

// ---------------------------------------------------------------------------
const STRATEGY = String.raw`
patch: spec: {
    if parameter.targetKind == "Deployment" {
        // +patchStrategy=retainKeys
        strategy: {
            type: parameter.strategy.type
            if parameter.strategy.type == "RollingUpdate" {
                rollingUpdate: {
                    maxSurge:       parameter.strategy.rollingStrategy.maxSurge
                    maxUnavailable: parameter.strategy.rollingStrategy.maxUnavailable
                }
            }
        }
    }
    if parameter.targetKind == "StatefulSet" {
        // +patchStrategy=retainKeys
        updateStrategy: {
            type: parameter.strategy.type
            if parameter.strategy.type == "RollingUpdate" {
                rollingUpdate: partition: parameter.strategy.rollingStrategy.partition
            }
        }
    }
    if parameter.targetKind == "DaemonSet" {
        // +patchStrategy=retainKeys
        updateStrategy: {
            type: parameter.strategy.type
            if parameter.strategy.type == "RollingUpdate" {
                rollingUpdate: {
                    maxSurge:       parameter.strategy.rollingStrategy.maxSurge
                    maxUnavailable: parameter.strategy.rollingStrategy.maxUnavailable
                }
            }
        }
    }
}

errs: [
    if parameter.targetKind == "Deployment" && parameter.strategy.type == "OnDelete" {"OnDelete is not valid for a Deployment"},
    if parameter.targetKind != "Deployment" && parameter.strategy.type == "Recreate" {"Recreate is only valid for a Deployment"},
    if parameter.targetKind != context.output.kind {"targetKind \(parameter.targetKind) does not match workload kind \(context.output.kind)"},
]

parameter: {
    targetKind: *"Deployment" | "StatefulSet" | "DaemonSet"
    strategy: {
        type: *"RollingUpdate" | "Recreate" | "OnDelete"
        rollingStrategy: {
            maxSurge:       *"25%" | string | int
            maxUnavailable: *"25%" | string | int
            partition:      *0 | int
        }
    }
}
`;
add('strategy-deployment-defaults', 'update strategy: Deployment rolling update with percentage defaults', STRATEGY, {}, tctx('web', W.web()), ['patch', 'errs']);
add('strategy-deployment-recreate', 'update strategy: Recreate drops the rollingUpdate block', STRATEGY, { strategy: { type: 'Recreate' } }, tctx('web', W.web()), ['patch', 'errs']);
add('strategy-statefulset-partition', 'update strategy: StatefulSet partition', STRATEGY,
  { targetKind: 'StatefulSet', strategy: { rollingStrategy: { partition: 2 } } }, tctx('db', W.sts()), ['patch', 'errs']);
add('strategy-daemonset-ints', 'update strategy: DaemonSet with integer surge/unavailable (string | int)', STRATEGY,
  { targetKind: 'DaemonSet', strategy: { rollingStrategy: { maxSurge: 0, maxUnavailable: 1 } } }, tctx('agent', W.ds()), ['patch', 'errs']);
add('strategy-mismatch-errs', 'update strategy: OnDelete on a Deployment and a kind mismatch both land in errs', STRATEGY,
  { strategy: { type: 'OnDelete' } }, tctx('db', W.sts()), ['patch', 'errs']);

// ---------------------------------------------------------------------------
const TOPOLOGY = String.raw`
patch: spec: template: spec: {
    // +patchKey=topologyKey
    topologySpreadConstraints: [for c in parameter.constraints {
        maxSkew:           c.maxSkew
        topologyKey:       c.topologyKey
        whenUnsatisfiable: c.whenUnsatisfiable
        labelSelector: {
            if c.labelSelector != _|_ {
                c.labelSelector
            }
            if c.labelSelector == _|_ {
                matchLabels: "app.oam.dev/component": context.name
            }
        }
        if c.minDomains != _|_ if c.whenUnsatisfiable == "DoNotSchedule" {
            minDomains: c.minDomains
        }
    }]
}

parameter: constraints: [...{
    maxSkew:           *1 | int & >0
    topologyKey:       string
    whenUnsatisfiable: *"DoNotSchedule" | "ScheduleAnyway"
    labelSelector?: {
        matchLabels?: [string]: string
        matchExpressions?: [...{key: string, operator: string, values?: [...string]}]
    }
    minDomains?: int
}]
`;
add('topology-default-selector', 'topology spread: labelSelector defaults to the component label; maxSkew default',
  TOPOLOGY, { constraints: [{ topologyKey: 'topology.kubernetes.io/zone' }] }, tctx('web', W.web()));
add('topology-two', 'topology spread: explicit selector embedded; minDomains kept only for DoNotSchedule',
  TOPOLOGY, {
    constraints: [
      { topologyKey: 'kubernetes.io/hostname', maxSkew: 2, whenUnsatisfiable: 'ScheduleAnyway', minDomains: 3, labelSelector: { matchLabels: { app: 'web' } } },
      { topologyKey: 'topology.kubernetes.io/zone', minDomains: 3, labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] } },
    ],
  }, tctx('web', W.web()));
add('topology-empty', 'topology spread: an empty constraints list gives an empty patch list', TOPOLOGY, { constraints: [] }, tctx('web', W.web()));


// ---------------------------------------------------------------------------
const SA = String.raw`
patch: spec: template: spec: {
    // +patchStrategy=retainKeys
    serviceAccountName: parameter.name
}

_clusterScoped: [for p in parameter.privileges if p.scope == "cluster" {p}]
_namespaceScoped: [for p in parameter.privileges if p.scope == "namespace" {p}]

outputs: {
    if parameter.create {
        "service-account": {
            apiVersion: "v1"
            kind:       "ServiceAccount"
            metadata: name: parameter.name
        }
    }
    if parameter.create && len(_namespaceScoped) > 0 {
        "role": {
            apiVersion: "rbac.authorization.k8s.io/v1"
            kind:       "Role"
            metadata: name: "\(context.namespace):\(parameter.name)"
            rules: [for p in _namespaceScoped {
                apiGroups: p.apiGroups
                resources: p.resources
                verbs:     p.verbs
                if p.resourceNames != _|_ {
                    resourceNames: p.resourceNames
                }
            }]
        }
        "role-binding": {
            apiVersion: "rbac.authorization.k8s.io/v1"
            kind:       "RoleBinding"
            metadata: name: "\(context.namespace):\(parameter.name)"
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io"
                kind:     "Role"
                name:     "\(context.namespace):\(parameter.name)"
            }
            subjects: [{kind: "ServiceAccount", name: parameter.name}]
        }
    }
    if parameter.create && len(_clusterScoped) > 0 {
        "cluster-role": {
            apiVersion: "rbac.authorization.k8s.io/v1"
            kind:       "ClusterRole"
            metadata: name: "\(context.namespace):\(parameter.name)"
            rules: [for p in _clusterScoped {
                apiGroups: p.apiGroups
                resources: p.resources
                verbs:     p.verbs
            }]
        }
    }
}

parameter: {
    name:   string
    create: *false | bool
    privileges: *[] | [...{
        scope: *"namespace" | "cluster"
        apiGroups: *[""] | [...string]
        resources: [...string]
        verbs: [...string]
        resourceNames?: [...string]
    }]
}
`;
add('sa-existing', 'service account: reference an existing account; nothing created', SA, { name: 'builder' }, tctx('web', W.web()), ['patch', 'outputs']);
add('sa-create', 'service account: create gives a ServiceAccount output only', SA, { name: 'web-sa', create: true }, tctx('web', W.web()), ['patch', 'outputs']);
add('sa-rbac', 'service account: namespace and cluster privileges split by a filtered comprehension; apiGroups default',
  SA, {
    name: 'reader', create: true,
    privileges: [
      { resources: ['configmaps'], verbs: ['get', 'list'], resourceNames: ['app-config'] },
      { scope: 'cluster', apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
      { resources: ['pods', 'pods/log'], verbs: ['get'] },
    ],
  }, tctx('web', W.web(), {}, { namespace: 'team-x' }), ['patch', 'outputs']);
add('sa-privileges-without-create', 'service account: privileges are ignored unless create is true',
  SA, { name: 'reader', privileges: [{ resources: ['secrets'], verbs: ['get'] }] }, tctx('web', W.web()), ['patch', 'outputs']);

// ---------------------------------------------------------------------------
const EXPOSE = String.raw`
import (
    "strconv"
    "strings"
)

_selector: {
    if parameter.matchLabels != _|_ {
        parameter.matchLabels
    }
    if parameter.matchLabels == _|_ {
        context.output.spec.selector.matchLabels
    }
}

_ports: [
    if parameter.port != _|_ for p in parameter.port {
        port:       p
        targetPort: p
        name:       "port-" + strconv.FormatInt(p, 10)
        protocol:   "TCP"
    },
    if parameter.ports != _|_ for p in parameter.ports {
        port:       p.port
        targetPort: *p.port | int
        if p.targetPort != _|_ {
            targetPort: p.targetPort
        }
        protocol: p.protocol
        if p.name != _|_ {
            name: p.name
        }
        if p.name == _|_ {
            name: "port-" + strconv.FormatInt(p.port, 10) + [if p.protocol != "TCP" {"-" + strings.ToLower(p.protocol)}, ""][0]
        }
        if p.nodePort != _|_ if parameter.type == "NodePort" {
            nodePort: p.nodePort
        }
    },
]

outputs: service: {
    apiVersion: "v1"
    kind:       "Service"
    metadata: {
        name: *context.name | string
        if parameter.serviceName != _|_ {
            name: parameter.serviceName
        }
        annotations: parameter.annotations
    }
    spec: {
        selector: _selector
        type:     parameter.type
        ports:    _ports
    }
}

errs: [if len(_ports) == 0 {"expose needs port or ports"}]

parameter: {
    port?: [...int]
    ports?: [...{
        port:        int
        targetPort?: int
        name?:       string
        protocol:    *"TCP" | "UDP" | "SCTP"
        nodePort?:   int
    }]
    serviceName?: string
    annotations: [string]: string
    matchLabels?: [string]: string
    type: *"ClusterIP" | "NodePort" | "LoadBalancer"
}
`;
add('expose-port-list', 'expose: legacy port list of ints; selector read from context.output', EXPOSE,
  { port: [80, 443] }, tctx('web', W.web()), ['outputs', 'errs']);
add('expose-ports-objects', 'expose: port objects with protocol suffix chosen by indexing a list comprehension', EXPOSE,
  { ports: [{ port: 53, protocol: 'UDP' }, { port: 8080, targetPort: 80, name: 'http' }, { port: 9000 }], annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }, type: 'LoadBalancer' },
  tctx('web', W.web()), ['outputs', 'errs']);
add('expose-nodeport-custom', 'expose: NodePort with nodePort, custom selector and service name', EXPOSE,
  { ports: [{ port: 80, nodePort: 30080 }], type: 'NodePort', matchLabels: { app: 'custom' }, serviceName: 'web-public' },
  tctx('web', W.web()), ['outputs', 'errs']);
add('expose-both-forms', 'expose: port and ports together are concatenated in list order', EXPOSE,
  { port: [8000], ports: [{ port: 8001, protocol: 'SCTP' }] }, tctx('db', W.sts()), ['outputs', 'errs']);
add('expose-no-ports', 'expose: neither port nor ports gives an empty ports list and an errs entry', EXPOSE,
  {}, tctx('web', W.web()), ['outputs', 'errs']);

// ---------------------------------------------------------------------------
const GATEWAY = String.raw`
_name: *context.name | string
if parameter.name != _|_ {
    _name: context.name + "-" + parameter.name
}
_serviceName: [if parameter.existingServiceName != _|_ {parameter.existingServiceName}, _name][0]
_legacy: context.clusterVersion.minor < 19

outputs: {
    if parameter.existingServiceName == _|_ {
        service: {
            apiVersion: "v1"
            kind:       "Service"
            metadata: name: _serviceName
            spec: {
                selector: "app.oam.dev/component": context.name
                ports: [for _, p in parameter.http {
                    name:       "port-\(p)"
                    port:       p
                    targetPort: p
                }]
            }
        }
    }
    ingress: {
        if _legacy {
            apiVersion: "networking.k8s.io/v1beta1"
        }
        if !_legacy {
            apiVersion: "networking.k8s.io/v1"
        }
        kind: "Ingress"
        metadata: {
            name: _name
            annotations: {
                if !parameter.classInSpec {
                    "kubernetes.io/ingress.class": parameter.class
                }
                if parameter.annotations != _|_ {
                    parameter.annotations
                }
            }
            if parameter.labels != _|_ {
                labels: parameter.labels
            }
        }
        spec: {
            if parameter.classInSpec {
                ingressClassName: parameter.class
            }
            if parameter.secretName != _|_ && parameter.domain != _|_ {
                tls: [{
                    hosts: [parameter.domain]
                    secretName: parameter.secretName
                }]
            }
            rules: [{
                if parameter.domain != _|_ {
                    host: parameter.domain
                }
                http: paths: [for k, v in parameter.http {
                    path: k
                    if _legacy {
                        backend: {
                            serviceName: _serviceName
                            servicePort: v
                        }
                    }
                    if !_legacy {
                        pathType: parameter.pathType
                        backend: service: {
                            name: _serviceName
                            port: number: v
                        }
                    }
                }]
            }]
        }
    }
}

parameter: {
    domain?: string
    http: [string]: int
    class:       *"nginx" | string
    classInSpec: *false | bool
    secretName?: string
    name?:       string
    pathType:    *"ImplementationSpecific" | "Prefix" | "Exact"
    annotations?: [string]: string
    labels?: [string]: string
    existingServiceName?: string
}
`;
add('gateway-basic', 'gateway: v1 Ingress on minor 28, Service from the http map with interpolated port names', GATEWAY,
  { domain: 'shop.example.com', http: { '/': 80, '/api': 8080 } }, tctx('shop', W.web()), ['outputs']);
add('gateway-legacy', 'gateway: minor 18 selects networking.k8s.io/v1beta1 and the old backend shape', GATEWAY,
  { domain: 'old.example.com', http: { '/': 80 } }, tctx('shop', W.web(), {}, { minor: 18 }), ['outputs']);
add('gateway-tls-class-in-spec', 'gateway: TLS needs both domain and secretName; class moves into spec', GATEWAY,
  { domain: 'secure.example.com', secretName: 'secure-tls', classInSpec: true, class: 'traefik', pathType: 'Prefix', http: { '/': 443 }, labels: { edge: 'true' } },
  tctx('shop', W.web()), ['outputs']);
add('gateway-existing-service', 'gateway: existingServiceName suppresses the Service and overrides the backend name', GATEWAY,
  { http: { '/metrics': 9090 }, existingServiceName: 'prometheus-operated', name: 'metrics', annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' } },
  tctx('prom', W.web()), ['outputs']);
add('gateway-boundary-19', 'gateway: minor 19 is already v1; no domain means no host and no tls', GATEWAY,
  { http: { '/': 80 }, secretName: 'unused' }, tctx('shop', W.web(), {}, { minor: 19 }), ['outputs']);

// ---------------------------------------------------------------------------
const HPA = String.raw`
outputs: hpa: {
    if context.clusterVersion.minor < 23 {
        apiVersion: "autoscaling/v2beta2"
    }
    if context.clusterVersion.minor >= 23 {
        apiVersion: "autoscaling/v2"
    }
    kind: "HorizontalPodAutoscaler"
    metadata: name: context.name
    spec: {
        scaleTargetRef: {
            apiVersion: context.output.apiVersion
            kind:       context.output.kind
            name:       context.name
        }
        minReplicas: parameter.min
        maxReplicas: parameter.max
        metrics: [
            {
                type: "Resource"
                resource: {
                    name: "cpu"
                    target: {
                        type: parameter.cpu.type
                        if parameter.cpu.type == "Utilization" {
                            averageUtilization: parameter.cpu.value
                        }
                        if parameter.cpu.type == "AverageValue" {
                            averageValue: parameter.cpu.value
                        }
                    }
                }
            },
            if parameter.mem != _|_ {
                type: "Resource"
                resource: {
                    name: "memory"
                    target: {
                        type: parameter.mem.type
                        if parameter.mem.type == "Utilization" {
                            averageUtilization: parameter.mem.value
                        }
                        if parameter.mem.type == "AverageValue" {
                            averageValue: parameter.mem.value
                        }
                    }
                }
            },
            if parameter.podCustomMetrics != _|_ for m in parameter.podCustomMetrics {
                type: "Pods"
                pods: {
                    metric: name: m.name
                    target: {
                        type:         "AverageValue"
                        averageValue: m.value
                    }
                }
            },
        ]
    }
}

errs: [if parameter.min > parameter.max {"min (\(parameter.min)) must not exceed max (\(parameter.max))"}]

parameter: {
    min: *1 | int & >=1
    max: *10 | int
    cpu: {
        type:  *"Utilization" | "AverageValue"
        value: *50 | int | string
    }
    mem?: {
        type:  *"Utilization" | "AverageValue"
        value: *50 | int | string
    }
    podCustomMetrics?: [...{name: string, value: string}]
}
`;
add('hpa-defaults-v2', 'hpa: autoscaling/v2 on minor 28 with cpu defaults; scale target from context.output', HPA, {}, tctx('web', W.web()), ['outputs', 'errs']);
add('hpa-v2beta2', 'hpa: minor 22 selects v2beta2; memory metric added', HPA,
  { min: 2, max: 5, mem: { value: 80 } }, tctx('web', W.web(), {}, { minor: 22 }), ['outputs', 'errs']);
add('hpa-average-value-custom', 'hpa: AverageValue targets and pod custom metrics on a StatefulSet', HPA,
  { cpu: { type: 'AverageValue', value: '500m' }, podCustomMetrics: [{ name: 'requests_per_second', value: '100' }, { name: 'queue_depth', value: '30' }] },
  tctx('db', W.sts()), ['outputs', 'errs']);
add('hpa-min-over-max', 'hpa: min greater than max reported via errs with interpolated ints', HPA,
  { min: 8, max: 4 }, tctx('web', W.web()), ['outputs', 'errs']);

// ---------------------------------------------------------------------------
const CPUSCALER = String.raw`
outputs: cpuscaler: {
    apiVersion: "autoscaling/v1"
    kind:       "HorizontalPodAutoscaler"
    metadata: name: context.name
    spec: {
        scaleTargetRef: {
            apiVersion: parameter.targetAPIVersion
            kind:       parameter.targetKind
            name:       context.name
        }
        minReplicas:                    parameter.min
        maxReplicas:                    parameter.max
        targetCPUUtilizationPercentage: parameter.cpuUtil
    }
}

parameter: {
    min:              *1 | int
    max:              *10 | int
    cpuUtil:          *50 | int & >0 & <=100
    targetAPIVersion: *context.output.apiVersion | string
    targetKind:       *context.output.kind | string
}
`;
add('cpuscaler-defaults', 'cpuscaler: target apiVersion and kind default to the workload via references in defaults', CPUSCALER, {}, tctx('db', W.sts()), ['outputs']);
add('cpuscaler-explicit', 'cpuscaler: explicit target overrides the context defaults', CPUSCALER,
  { min: 3, max: 6, cpuUtil: 75, targetAPIVersion: 'apps/v1', targetKind: 'Deployment' }, tctx('db', W.sts()), ['outputs']);
add('cpuscaler-util-edge', 'cpuscaler: cpuUtil 100 sits on the <=100 bound; Deployment defaults', CPUSCALER, { cpuUtil: 100, max: 3 }, tctx('web', W.web()), ['outputs']);

// ---------------------------------------------------------------------------
const MERGE = String.raw`
// +patchStrategy=jsonMergePatch
patch: parameter

parameter: {...}
`;
add('merge-patch-replicas', 'json-merge-patch: the whole parameter object is the patch', MERGE,
  { spec: { replicas: 4, template: { metadata: { labels: { canary: 'true' } } } } }, tctx('web', W.web()));
add('merge-patch-nulls', 'json-merge-patch: nulls and nested lists pass through untouched', MERGE,
  { metadata: { annotations: { old: null } }, spec: { template: { spec: { nodeSelector: null, tolerations: [{ operator: 'Exists' }] } } } }, tctx('web', W.web()));

const JSONPATCH = String.raw`
#Op: {
    op:    "add" | "remove" | "replace" | "move" | "copy" | "test"
    path:  =~"^/"
    from?: =~"^/"
    if op == "move" || op == "copy" {
        from: =~"^/"
    }
    value?: _
}

// +patchStrategy=jsonPatch
patch: operations: parameter.operations

parameter: operations: [...#Op]
`;
add('json-patch-ops', 'json-patch: operations validated against #Op and passed through', JSONPATCH,
  { operations: [{ op: 'add', path: '/spec/replicas', value: 3 }, { op: 'replace', path: '/metadata/labels/tier', value: 'gold' }, { op: 'move', from: '/a', path: '/b' }, { op: 'remove', path: '/spec/template/spec/hostNetwork' }] },
  tctx('web', W.web()));
add('json-patch-bad-op', 'json-patch: an unknown op fails the enum', JSONPATCH,
  { operations: [{ op: 'merge', path: '/spec' }] }, tctx('web', W.web()));
add('json-patch-test-copy', 'json-patch: test with a structured value and copy with from', JSONPATCH,
  { operations: [{ op: 'test', path: '/metadata/name', value: { nested: ['x', 1, true] } }, { op: 'copy', from: '/spec/template', path: '/spec/backup' }] }, tctx('web', W.web()));
add('json-patch-move-missing-from', 'json-patch: move without from leaves a required-by-condition field non-concrete', JSONPATCH,
  { operations: [{ op: 'copy', path: '/x' }] }, tctx('web', W.web()));

// ---------------------------------------------------------------------------
const STORAGE = String.raw`
_claims: [for v in parameter.pvc {
    name:      v.name
    claimName: *v.name | string
    if v.claimName != _|_ {
        claimName: v.claimName
    }
    mountPath: v.mountPath
}]

patch: spec: template: spec: {
    // +patchKey=name
    volumes: [
        for c in _claims {
            name: "pvc-" + c.name
            persistentVolumeClaim: claimName: c.claimName
        },
        for v in parameter.configMap {
            name: "configmap-" + v.name
            configMap: name: v.name
        },
    ]
    // +patchKey=name
    containers: [{
        name: context.name
        // +patchKey=name
        volumeMounts: [
            for c in _claims {
                name:      "pvc-" + c.name
                mountPath: c.mountPath
            },
            for v in parameter.configMap if v.mountPath != _|_ {
                name:      "configmap-" + v.name
                mountPath: v.mountPath
            },
        ]
        if len([for v in parameter.configMap if v.mountToEnv != _|_ {v}]) > 0 {
            // +patchKey=name
            env: [for v in parameter.configMap if v.mountToEnv != _|_ {
                name: v.mountToEnv.envName
                valueFrom: configMapKeyRef: {
                    name: v.name
                    key:  v.mountToEnv.configMapKey
                }
            }]
        }
    }]
}

outputs: {
    for v in parameter.pvc if !v.mountOnly {
        "pvc-\(v.name)": {
            apiVersion: "v1"
            kind:       "PersistentVolumeClaim"
            metadata: name: [if v.claimName != _|_ {v.claimName}, v.name][0]
            spec: {
                accessModes: v.accessModes
                volumeMode:  v.volumeMode
                resources: requests: storage: v.resources.requests.storage
                if v.storageClassName != _|_ {
                    storageClassName: v.storageClassName
                }
            }
        }
    }
    for v in parameter.configMap if !v.mountOnly && v.data != _|_ {
        "configmap-\(v.name)": {
            apiVersion: "v1"
            kind:       "ConfigMap"
            metadata: name: v.name
            data: v.data
        }
    }
}

parameter: {
    pvc: *[] | [...{
        name:              string
        claimName?:        string
        mountOnly:         *false | bool
        mountPath:         string
        accessModes:       *["ReadWriteOnce"] | [...string]
        volumeMode:        *"Filesystem" | "Block"
        storageClassName?: string
        resources: requests: storage: =~"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"
    }]
    configMap: *[] | [...{
        name:       string
        mountOnly:  *false | bool
        mountPath?: string
        mountToEnv?: {envName: string, configMapKey: string}
        data?: [string]: string
    }]
}
`;
add('storage-pvc', 'storage: a PVC output plus volume and mount; claimName defaults to the name', STORAGE,
  { pvc: [{ name: 'data', mountPath: '/data', resources: { requests: { storage: '8Gi' } }, storageClassName: 'gp3' }] }, tctx('web', W.web()), ['patch', 'outputs']);
add('storage-mount-only', 'storage: mountOnly skips the output; explicit claimName wins in volume and metadata', STORAGE,
  { pvc: [{ name: 'shared', claimName: 'team-shared', mountOnly: true, mountPath: '/shared', resources: { requests: { storage: '1Gi' } } }, { name: 'scratch', mountPath: '/scratch', volumeMode: 'Block', accessModes: ['ReadWriteMany'], resources: { requests: { storage: '500Mi' } } }] },
  tctx('web', W.web()), ['patch', 'outputs']);
add('storage-configmaps', 'storage: configMap outputs only when data is given; mountToEnv builds env entries', STORAGE,
  { configMap: [{ name: 'app-env', mountToEnv: { envName: 'APP_MODE', configMapKey: 'mode' }, data: { mode: 'prod' } }, { name: 'files', mountPath: '/etc/files' }, { name: 'external', mountOnly: true, mountPath: '/ext', data: { ignored: 'yes' } }] },
  tctx('web', W.web()), ['patch', 'outputs']);
add('storage-bad-size', 'storage: storage size "10 GB" fails the regex', STORAGE,
  { pvc: [{ name: 'data', mountPath: '/data', resources: { requests: { storage: '10 GB' } } }] }, tctx('web', W.web()), ['patch', 'outputs']);

// ---------------------------------------------------------------------------
const PORTS = String.raw`
import "strconv"

#PortsPatch: {
    containerName: *"" | string
    ports: [...{
        containerPort: int
        protocol:      *"TCP" | "UDP" | "SCTP"
        hostPort?:     int
        hostIP?:       string
    }]
}

parameter: *#PortsPatch | close({
    containers: [...#PortsPatch]
})

_params: [
    if parameter.containers == _|_ {parameter},
    if parameter.containers != _|_ for c in parameter.containers {c},
]

patch: spec: template: spec: {
    // +patchKey=name
    containers: [for p in _params {
        if p.containerName == "" {
            name: context.name
        }
        if p.containerName != "" {
            name: p.containerName
        }
        // +patchStrategy=replace
        ports: [for port in p.ports {
            name:          "port-" + strconv.FormatInt(port.containerPort, 10)
            containerPort: port.containerPort
            protocol:      port.protocol
            if port.hostPort != _|_ {
                hostPort: port.hostPort
            }
            if port.hostIP != _|_ {
                hostIP: port.hostIP
            }
        }]
    }]
}
`;
add('ports-single', 'container-ports: replace the ports of the component container', PORTS,
  { ports: [{ containerPort: 8080 }, { containerPort: 8125, protocol: 'UDP', hostPort: 8125, hostIP: '0.0.0.0' }] }, tctx('web', W.web()));
add('ports-containers', 'container-ports: per-container port lists via the closed disjunct', PORTS,
  { containers: [{ containerName: 'api', ports: [{ containerPort: 8080 }] }, { containerName: 'proxy', ports: [] }] }, tctx('api', W.twoContainers()));
add('ports-sctp-statefulset', 'container-ports: SCTP port with hostPort on a StatefulSet container', PORTS,
  { containerName: 'db', ports: [{ containerPort: 5432 }, { containerPort: 3868, protocol: 'SCTP', hostPort: 3868 }] }, tctx('db', W.sts()));

// ---------------------------------------------------------------------------
const PLACEMENT = String.raw`
patch: spec: template: spec: {
    if len(parameter.nodeSelector) > 0 {
        nodeSelector: parameter.nodeSelector
    }
    if parameter.priorityClassName != _|_ {
        priorityClassName: parameter.priorityClassName
    }
    if parameter.spot {
        // +patchKey=key
        tolerations: [{
            key:      "kubernetes.azure.com/scalesetpriority"
            operator: "Equal"
            value:    "spot"
            effect:   "NoSchedule"
        }]
        nodeSelector: "kubernetes.azure.com/scalesetpriority": "spot"
    }
}

parameter: {
    nodeSelector: [string]: string
    priorityClassName?: string
    spot: *false | bool
}
`;
add('placement-selector', 'placement: non-empty nodeSelector map patched', PLACEMENT,
  { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, priorityClassName: 'high' }, tctx('web', W.web()));
add('placement-spot-merge', 'placement: spot adds a toleration and unifies an extra key into the user nodeSelector', PLACEMENT,
  { nodeSelector: { pool: 'batch' }, spot: true }, tctx('batch', W.job()));
add('placement-spot-only', 'placement: spot alone; the empty user map is skipped but the spot selector still appears', PLACEMENT,
  { spot: true }, tctx('web', W.web()));

module.exports = cases;
