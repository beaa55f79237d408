'use strict';
// Focused language cases, written in template form (output / parameter /
// context) so they run through the same render recipe as the definitions.
const { ctx, tctx, W } = require('./common');

const cases = [];
function add(slug, desc, template, parameter, context, compare = ['output']) {
  cases.push({ slug, desc, template, parameter, context: context || ctx('lang', { type: 'lang' }), compare });
}

add('lang-default-through-arithmetic', 'defaults flow through references and arithmetic',
  String.raw`
output: {
    replicas: parameter.replicas + 1
    doubled:  parameter.replicas * 2
    port:     "port-" + parameter.protocol
    total:    parameter.replicas + parameter.extra
}

parameter: {
    replicas: *1 | int
    protocol: *"TCP" | "UDP"
    extra:    *10 | int
}
`, { extra: 5 });

add('lang-default-override-by-condition', 'a default-marked hidden value replaced by a conditional field',
  String.raw`
_name: *"\(context.name)-default" | string
if parameter.suffix != _|_ {
    _name: "\(context.name)-\(parameter.suffix)"
}
_fallback: *"\(context.name)-default" | string

output: {
    name:     _name
    fallback: _fallback
}

parameter: suffix?: string
`, { suffix: 'blue' });

add('lang-default-string-first', 'the default marker may sit on any disjunct: string | *"d"',
  String.raw`
output: {
    a: parameter.a
    b: parameter.b
    c: parameter.c
}

parameter: {
    a: string | *"dflt"
    b: int | *7
    c: "x" | "y" | *"z"
}
`, { c: 'x' });

add('lang-conflicting-defaults', 'two conflicting defaults cancel, so the field stays ambiguous and export fails',
  String.raw`
output: {
    mode: parameter.mode & ("a" | *"b")
}

parameter: mode: *"a" | "b"
`, {});

add('lang-disjunction-elimination', 'a struct disjunction is narrowed by later fields',
  String.raw`
#Source: {kind: "git", url: string, branch: *"main" | string} | {kind: "oci", image: string} | {kind: "helm", repo: string, chart: string}

output: sources: [for s in parameter.sources {#Source & s}]

parameter: sources: [...{...}]
`, { sources: [{ kind: 'git', url: 'https://example.com/r.git' }, { kind: 'oci', image: 'ghcr.io/x/y:1' }, { kind: 'helm', repo: 'https://charts.example.com', chart: 'app' }] });

add('lang-closed-def-extra-field', 'unifying a closed definition with an unknown field fails',
  String.raw`
#Limits: {
    cpu:    string
    memory: string
}

output: limits: #Limits & parameter.limits

parameter: limits: {...}
`, { limits: { cpu: '1', memory: '1Gi', gpu: '1' } });

add('lang-def-embedding-open', 'embedding a definition in a struct with extra fields is allowed',
  String.raw`
#Meta: {
    name:      string
    namespace: *"default" | string
}

output: metadata: {
    #Meta
    name: context.name
    labels: app: context.appName
}
`, {});

add('lang-def-ellipsis', 'a definition ending in ... accepts extra fields',
  String.raw`
#Obj: {
    apiVersion: string
    kind:       string
    ...
}

output: #Obj & parameter.object

parameter: object: {...}
`, { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } } });

add('lang-close-disjunction-single', 'parameter: *#P | close({items: [...#P]}) keeps the default branch for a flat object',
  String.raw`
#P: {
    name:  string
    count: *1 | int
}

parameter: *#P | close({
    items: [...#P]
})

output: list: [
    if parameter.items == _|_ {parameter},
    if parameter.items != _|_ for i in parameter.items {i},
]
`, { name: 'solo' });

add('lang-close-disjunction-items', 'parameter: *#P | close({items: [...#P]}) selects the items branch',
  String.raw`
#P: {
    name:  string
    count: *1 | int
}

parameter: *#P | close({
    items: [...#P]
})

output: list: [
    if parameter.items == _|_ {parameter},
    if parameter.items != _|_ for i in parameter.items {i},
]
`, { items: [{ name: 'a' }, { name: 'b', count: 3 }] });

add('lang-comprehension-field-order', 'for k, v iterates in field order, not sorted; dynamic and interpolated labels',
  String.raw`
output: {
    keys: [for k, v in parameter.m {k}]
    vals: [for k, v in parameter.m {v}]
    copy: {for k, v in parameter.m {(k): v}}
    prefixed: {for k, v in parameter.m {"x-\(k)": v}}
}

parameter: m: [string]: string
`, { m: { zeta: '1', alpha: '2', mid: '3' } });

add('lang-list-tail-defaults', 'a [...T] tail constraint fills defaults into every element',
  String.raw`
output: ports: parameter.ports

parameter: ports: [...{
    port:     int
    protocol: *"TCP" | "UDP"
    expose:   *false | bool
}]
`, { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }, { port: 443, expose: true }] });

add('lang-list-head-and-tail', 'a list with a fixed head element and a defaulted tail',
  String.raw`
_shape: [{role: "primary", weight: *100 | int}, ...{role: *"replica" | string, weight: *10 | int}]

output: members: _shape & [for m in parameter.members {m}]

parameter: members: [...{...}]
`, { members: [{ host: 'a' }, { host: 'b' }, { host: 'c', weight: 5 }] });

add('lang-list-length-mismatch', 'unifying lists of different lengths fails',
  String.raw`
output: pair: [string, string] & parameter.values

parameter: values: [...string]
`, { values: ['a', 'b', 'c'] });

add('lang-interpolate-numbers', 'interpolation of ints, floats from JSON, bools and expressions',
  String.raw`
output: {
    a: "replicas=\(parameter.replicas)"
    b: "ratio=\(parameter.ratio)"
    c: "enabled=\(parameter.enabled)"
    d: "next=\(context.appRevisionNum + 1)"
    e: "\(parameter.replicas)\(parameter.replicas)"
}

parameter: {
    replicas: *3 | int
    ratio:    number
    enabled:  *true | bool
}
`, { ratio: 0.75 });

add('lang-int-float-arithmetic', 'int and float arithmetic: / always yields a float; div, mod, quo, rem stay int',
  String.raw`
output: {
    half:    parameter.n / 2
    third:   parameter.n / 4
    idiv:    parameter.n div 4
    imod:    parameter.n mod 4
    neg_mod: -7 mod 2
    neg_rem: -7 rem 2
    neg_quo: -7 quo 2
    neg_div: -7 div 2
    mixed:   parameter.n + 0.5
    scaled:  parameter.n * 1.5
}

parameter: n: int
`, { n: 10 });

add('lang-interpolate-float-division', 'interpolating the result of / (a float): v0.14.1 prints 2.0, v0.4 prints 2 (override)',
  String.raw`
output: {
    ratio:   "\(parameter.a / parameter.b)"
    percent: "\(parameter.a * 100 / parameter.b)%"
}

parameter: {
    a: int
    b: int
}
`, { a: 4, b: 2 });

add('lang-float-from-json', 'a float written as 1.0 in the parameter JSON stays a float; int & float conflicts',
  String.raw`
output: {
    weight: parameter.weight
    label:  "w=\(parameter.weight)"
}

parameter: weight: number
`, { weight: 1.5 });

add('lang-int-rejects-float', 'int & 2.5 is a type conflict',
  String.raw`
output: replicas: parameter.replicas

parameter: replicas: int
`, { replicas: 2.5 });

add('lang-string-builtins', 'strings and strconv builtins',
  String.raw`
import (
    "strings"
    "strconv"
)

output: {
    lower:   strings.ToLower(parameter.name)
    upper:   strings.ToUpper(parameter.name)
    joined:  strings.Join(parameter.tags, ",")
    split:   strings.Split(parameter.csv, ",")
    trimmed: strings.TrimPrefix(parameter.version, "v")
    hasV:    strings.HasPrefix(parameter.version, "v")
    has:     strings.Contains(parameter.name, "Web")
    dashed:  strings.Replace(parameter.name, "_", "-", -1)
    hex:     strconv.FormatInt(parameter.port, 16)
    dec:     strconv.FormatInt(parameter.port, 10)
    parsed:  strconv.Atoi(parameter.portText) + 1
    quoted:  strconv.Quote(parameter.name)
}

parameter: {
    name:     string
    tags: [...string]
    csv:      string
    version:  string
    port:     int
    portText: string
}
`, { name: 'My_Web_App', tags: ['a', 'b', 'c'], csv: 'x,y,,z', version: 'v1.2.3', port: 8080, portText: '41' });

add('lang-list-builtins', 'list.Concat, list.Contains, list.FlattenN and list.Repeat',
  String.raw`
import "list"

output: {
    all:      list.Concat([parameter.a, parameter.b, []])
    hasX:     list.Contains(parameter.a, "x")
    hasQ:     list.Contains(parameter.a, "q")
    flat:     list.FlattenN(parameter.nested, 1)
    repeated: list.Repeat(["r"], parameter.times)
    lenAll:   len(list.Concat([parameter.a, parameter.b]))
}

parameter: {
    a: [...string]
    b: [...string]
    nested: [...]
    times: *2 | int
}
`, { a: ['x', 'y'], b: ['z'], nested: [[1, [2]], [3]] });

add('lang-errs-list', 'errs collects messages from filtered comprehensions; values stay exportable',
  String.raw`
output: ports: [for p in parameter.ports {p}]

errs: [
    for i, p in parameter.ports if p > 65535 {"ports[\(i)] = \(p) is out of range"},
    for i, p in parameter.ports if p < 1 {"ports[\(i)] = \(p) must be positive"},
    if len(parameter.ports) == 0 {"no ports"},
]

parameter: ports: [...int]
`, { ports: [80, 70000, 0, 443] }, null, ['output', 'errs']);

add('lang-absent-optional-tests', 'existence tests on absent optionals, present fields and map keys',
  String.raw`
output: {
    hasCpu:      parameter.cpu != _|_
    noCpu:       parameter.cpu == _|_
    hasImage:    parameter.image != _|_
    keyMissing:  parameter["memory"] == _|_
    labelThere:  parameter.labels["team"] != _|_
    labelAbsent: parameter.labels["owner"] == _|_
    deepAbsent:  parameter.nested.a.b == _|_
    if parameter.cpu != _|_ {
        cpu: parameter.cpu
    }
    if parameter.cpu == _|_ {
        cpu: "default"
    }
}

parameter: {
    image:   string
    cpu?:    string
    memory?: string
    labels: [string]: string
    nested?: a?: b?: int
}
`, { image: 'nginx', labels: { team: 'a' } });

add('lang-index-out-of-range-test', 'x[i] != _|_ is false for an out-of-range index instead of an error',
  String.raw`
output: {
    first:  [if parameter.items[0] != _|_ {parameter.items[0]}, "none"][0]
    third:  [if parameter.items[2] != _|_ {parameter.items[2]}, "none"][0]
    count:  len(parameter.items)
    second: parameter.items[1] != _|_
}

parameter: items: [...string]
`, { items: ['a', 'b'] });

add('lang-index-out-of-range-error', 'reading an out-of-range index directly is an error',
  String.raw`
output: third: parameter.items[2]

parameter: items: [...string]
`, { items: ['a', 'b'] });

add('lang-len-builtin', 'len of lists, structs and strings',
  String.raw`
output: {
    items:      len(parameter.items)
    fields:     len(parameter.labels)
    chars:      len(parameter.name)
    components: len(context.components)
    empty:      len(parameter.none)
}

parameter: {
    items: [...int]
    labels: [string]: string
    name: string
    none: *[] | [...int]
}
`, { items: [1, 2, 3], labels: { a: '1', b: '2' }, name: 'hello' },
  ctx('lang', { components: [{ name: 'a', type: 'webservice' }, { name: 'b', type: 'worker' }, { name: 'lang', type: 'lang' }] }));

add('lang-len-absent-optional', 'len of an absent optional field is incomplete, failing the export',
  String.raw`
output: n: len(parameter.objs)

parameter: objs?: [...{...}]
`, {});

add('lang-nested-if-chain', 'nested if chains and for ... if filters over a list of structs',
  String.raw`
output: {
    enabled: [for s in parameter.services if s.enabled if s.port > 1000 {s.name}]
    if parameter.mode == "prod" {
        if parameter.replicas > 2 {
            ha: true
        }
        tier: "production"
    }
    for s in parameter.services for p in s.paths if p != "/" {
        "\(s.name)\(p)": s.port
    }
}

parameter: {
    mode:     *"dev" | "prod"
    replicas: *1 | int
    services: [...{name: string, port: int, enabled: *true | bool, paths: *["/"] | [...string]}]
}
`, { mode: 'prod', replicas: 3, services: [{ name: 'api', port: 8080, paths: ['/', '/v1', '/v2'] }, { name: 'admin', port: 9000, enabled: false }, { name: 'low', port: 80 }] });

add('lang-let-bindings', 'let bindings at file level and inside structs; field alias',
  String.raw`
let prefix = "\(context.appName)-\(context.name)"

output: {
    let suffix = [if parameter.canary {"canary"}, "stable"][0]
    name: "\(prefix)-\(suffix)"
    S=spec: {
        replicas: parameter.replicas
        maxSurge: S.replicas + 1
    }
}

parameter: {
    canary:   *false | bool
    replicas: *2 | int
}
`, { canary: true });

add('lang-hidden-defs-optional-not-exported', 'hidden fields, definitions and optional fields are not exported',
  String.raw`
output: {
    visible: 1
    _hidden: 2
    #Def: {a: int}
    maybe?: 3
    fromHidden: _hidden + 1
    fromDef: (#Def & {a: 4}).a
}
`, {});

add('lang-null-defaults', '*null | [...string] with != null tests',
  String.raw`
output: {
    if parameter.args != null {
        args: parameter.args
    }
    argsSet: parameter.args != null
    if parameter.command != null {
        command: parameter.command
    }
    commandSet: parameter.command != null
}

parameter: {
    args:    *null | [...string]
    command: *null | [...string]
}
`, { args: ['--x'] });

add('lang-string-or-null-pattern', 'a [string]: string | null pattern keeps explicit nulls',
  String.raw`
output: labels: {for k, v in parameter if v != null {(k): v}}
output: removed: [for k, v in parameter if v == null {k}]

parameter: [string]: string | null
`, { keep: 'yes', drop: null, also: 'x' });

add('lang-embed-parameter', 'embedding the parameter struct into the output next to computed fields',
  String.raw`
output: {
    parameter
    kind: "ConfigMap"
    metadata: name: context.name
}

parameter: {
    apiVersion: *"v1" | string
    data: [string]: string
}
`, { data: { k: 'v' } });

add('lang-context-output-status', 'traits reading context.output.status fields that do not exist yet',
  String.raw`
_ready: *0 | int
if context.output.status != _|_ if context.output.status.readyReplicas != _|_ {
    _ready: context.output.status.readyReplicas
}

output: {
    ready:   _ready
    message: "Ready:\(_ready)"
    hasSpec: context.output.spec != _|_
}
`, {}, tctx('web', W.web()));

add('lang-context-output-status-present', 'the same status template when the workload reports readyReplicas',
  String.raw`
_ready: *0 | int
if context.output.status != _|_ if context.output.status.readyReplicas != _|_ {
    _ready: context.output.status.readyReplicas
}

output: {
    ready:   _ready
    message: "Ready:\(_ready)"
    hasSpec: context.output.spec != _|_
}
`, {}, tctx('web', Object.assign(W.web(), { status: { readyReplicas: 2, replicas: 3 } })));

add('lang-bounds', 'numeric bounds with values inside and at the edges',
  String.raw`
output: {
    weight:   parameter.weight
    port:     parameter.port
    small:    parameter.small
    positive: parameter.positive
}

parameter: {
    weight:   int & >=1 & <=100
    port:     int & >0 & <65536
    small:    uint8
    positive: number & >0
}
`, { weight: 100, port: 1, small: 255, positive: 0.001 });

add('lang-bounds-violation', 'uint8 rejects 256',
  String.raw`
output: small: parameter.small

parameter: small: uint8
`, { small: 256 });

add('lang-regex-match-and-not', '=~ and !~ constraints on strings',
  String.raw`
output: {
    name:  parameter.name
    image: parameter.image
}

parameter: {
    name:  =~"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    image: string & !~"latest$"
}
`, { name: 'my-app-1', image: 'nginx:1.25' });

add('lang-regex-not-violation', '!~ rejects an image tagged latest',
  String.raw`
output: image: parameter.image

parameter: image: string & !~"latest$"
`, { image: 'nginx:latest' });

add('lang-pattern-constraints', 'pattern constraints apply to user fields, including a regex-keyed pattern',
  String.raw`
output: {
    limits: parameter.limits
    annotations: parameter.annotations
}

parameter: {
    limits: [string]: int & >=0
    annotations: {
        [=~"^example\\.com/"]: "true" | "false"
        [string]:              string
    }
}
`, { limits: { cpu: 2, pods: 10 }, annotations: { 'example.com/enabled': 'true', other: 'anything' } });

add('lang-pattern-violation', 'a pattern constraint rejects a value added by the user',
  String.raw`
output: limits: parameter.limits

parameter: limits: [string]: int & >=0
`, { limits: { cpu: 2, memory: '1Gi' } });

add('lang-default-bottom-guard', 'the *_|_ | {...} guard: unset it is an open struct, set it is the value',
  String.raw`
#Wrap: {
    _base: *_|_ | {...}
    out: _base
}

output: {
    unset: (#Wrap & {}).out
    set: (#Wrap & {_base: parameter.base}).out
}

parameter: base: {...}
`, { base: { a: 1, b: 'two' } });

add('lang-comparisons-with-defaults', 'comparisons and boolean operators resolve defaults',
  String.raw`
output: {
    isEmptyDir: parameter.type == "emptyDir"
    notNodePort: parameter.exposeType != "NodePort"
    both: parameter.type == "emptyDir" && parameter.replicas > 1
    either: parameter.type == "pvc" || parameter.replicas >= 1
    negated: !parameter.debug
    strLess: parameter.version < "v2"
}

parameter: {
    type:       *"emptyDir" | "pvc"
    exposeType: *"ClusterIP" | "NodePort"
    replicas:   *1 | int
    debug:      *false | bool
    version:    *"v1.9" | string
}
`, {});

add('lang-for-index-arithmetic', 'for i, v over a list with index arithmetic and interpolated names',
  String.raw`
import "strconv"

output: volumes: [for i, v in parameter.paths {
    name:  "vol-\(i + 1)"
    order: strconv.FormatInt(i * 10, 10)
    path:  v
    last:  i == len(parameter.paths) - 1
}]

parameter: paths: [...string]
`, { paths: ['/a', '/b', '/c'] });

add('lang-if-for-in-list-literal', 'if and for clauses mixed with plain elements inside a list literal',
  String.raw`
output: args: [
    "--port=\(parameter.port)",
    if parameter.verbose {"--verbose"},
    for k, v in parameter.flags {"--\(k)=\(v)"},
    if !parameter.verbose {"--quiet"},
    "--end",
]

parameter: {
    port:    *8080 | int
    verbose: *false | bool
    flags: [string]: string
}
`, { verbose: true, flags: { mode: 'fast', level: '3' } });

add('lang-outputs-reference-output', 'outputs reading fields of output, and output reading a hidden computed list',
  String.raw`
_names: [for c in parameter.containers {c.name}]

output: {
    kind: "Deployment"
    spec: template: spec: containers: [for c in parameter.containers {name: c.name, image: c.image}]
    metadata: annotations: "containers": "\(len(_names))"
}

outputs: summary: {
    kind: "ConfigMap"
    data: {
        first: output.spec.template.spec.containers[0].image
        kind:  output.kind
        count: output.metadata.annotations.containers
    }
}

parameter: containers: [...{name: string, image: string}]
`, { containers: [{ name: 'a', image: 'img-a' }, { name: 'b', image: 'img-b' }] }, null, ['output', 'outputs']);

add('lang-number-or-string', 'number | string disjunction accepts either form',
  String.raw`
output: {
    cpuNum: parameter.cpuNum
    cpuStr: parameter.cpuStr
    surge:  parameter.surge
}

parameter: {
    cpuNum: number | string
    cpuStr: number | string
    surge:  *"25%" | int | string
}
`, { cpuNum: 2, cpuStr: '500m' });

add('lang-struct-unification-order', 'unifying two structs merges fields from both',
  String.raw`
_a: {b: 1, a: 2}
_c: {c: 3, a: 2}

output: {
    merged: _a & _c
    nested: {x: y: 1} & {x: z: 2}
    withParam: {name: context.name} & parameter.extra
}

parameter: extra: {...}
`, { extra: { note: 'hi' } });

add('lang-conflict-error', 'two different concrete values for one field conflict',
  String.raw`
output: {
    name: context.name
    name: parameter.name
}

parameter: name: string
`, { name: 'other' });

add('lang-non-concrete-if', 'an if on a non-concrete value leaves the whole struct incomplete',
  String.raw`
output: {
    if parameter.replicas > 1 {
        ha: true
    }
    name: "x"
}

parameter: replicas: int
`, {});

add('lang-structural-cycle-safe-self-ref', 'a field referencing a sibling in the same struct (not a cycle)',
  String.raw`
output: {
    base:  parameter.base
    full:  base + "/" + parameter.path
    depth: len(parameter.path) + len(base)
}

parameter: {
    base: *"/srv" | string
    path: string
}
`, { path: 'static' });

// Deviation cases: CUE v0.4 (the oracle) disagrees with v0.14.1; see overrides.json.
add('lang-dynamic-label-default', 'a dynamic label from a default-valued expression: v0.14.1 uses the default, v0.4 errors (override)',
  String.raw`
_key: *"fallback" | string
if parameter.key != _|_ {
    _key: parameter.key
}

output: {
    (_key): "value"
    "prefix-\(_key)": true
}

parameter: key?: string
`, {});

add('lang-required-field', 'a required field a!: satisfied by the user; v0.4 cannot parse !: (override)',
  String.raw`
output: image: parameter.image

parameter: {
    image!: string
    tag?:   string
}
`, { image: 'nginx:1.25' });

add('lang-list-plus', 'list + list: v0.4 concatenates, v0.14.1 rejects it (KubeVela rewrites it to list.Concat before evaluating; override)',
  String.raw`
output: args: parameter.base + parameter.extra

parameter: {
    base: *["--a"] | [...string]
    extra: [...string]
}
`, { extra: ['--b'] });

module.exports = cases;
