import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { parseDesiredFile } from '../../src/core/desired-file.js';
import { podToDockerRun, probeUrl } from '../e2e/helpers/pod-to-docker.js';

// Every manifest of deploy/kubernetes/ against the Kubernetes OpenAPI schemas (kubernetes-models:
// the API's own types, required fields and enums, compiled from its OpenAPI document), the
// kustomization against the files it sits with, and the cross-file facts the e2e relies on.

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const yamlFiles = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f)).sort();

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
  'apps/v1/DaemonSet': DaemonSet,
};

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [k: string]: unknown;
}

const docsOf = (file: string): Doc[] => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS() as Doc);
const manifests = () => yamlFiles(DIR).filter((f) => !f.endsWith('kustomization.yaml'));
const daemonSet = (file: string) => docsOf(file)[0] as unknown as { spec: { template: { spec: IPodSpec } } };
const agentPod = () => daemonSet('daemonset.yaml').spec.template.spec;
const agent = (): IContainer => agentPod().containers[0]!;

function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (Model === undefined) throw new Error(`${doc.apiVersion} ${doc.kind}: no schema here (add it to MODELS)`);
  new Model(doc as never).validate();
}

const kustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: z.string(),
  resources: z.array(z.string()),
});

describe('deploy/kubernetes: the manifests', () => {
  it.each(manifests())('%s is valid against the Kubernetes OpenAPI schema', (file) => {
    const docs = docsOf(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(() => validate(doc), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
  });

  it('the schema check bites: a wrong type, a missing required field and a bad enum are refused', () => {
    const ds = docsOf('daemonset.yaml')[0]!;
    const broken = (edit: (d: { spec: { template: { spec: Record<string, unknown> } } }) => void) => {
      const copy = structuredClone(ds) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
      edit(copy);
      return () => validate(copy as unknown as Doc);
    };
    expect(broken((d) => (d.spec.template.spec.hostPID = 'yes'))).toThrow(/hostPID/);
    expect(broken((d) => delete (d.spec.template.spec.containers as Array<Record<string, unknown>>)[0]!.name)).toThrow(/name/);
    expect(broken((d) => ((d.spec.template.spec.volumes as Array<{ hostPath?: { type: string } }>).find((v) => v.hostPath)!.hostPath!.type = 'Dir'))).toThrow(/type/);
  });

  it('kustomization.yaml lists exactly the manifests beside it', () => {
    const k = kustomizationSchema.parse(parseYaml(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')));
    const beside = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect([...k.resources].sort()).toEqual(beside);
    expect(k.namespace).toBe(docsOf('namespace.yaml')[0]!.metadata.name);
  });

  it('the image is the version scripts/build-image.sh tags, in every pod', () => {
    for (const file of manifests().filter((f) => docsOf(f)[0]!.kind === 'DaemonSet')) {
      const pod = daemonSet(file).spec.template.spec;
      for (const c of [...(pod.initContainers ?? []), ...pod.containers].filter((c) => !c.image!.includes('pause'))) expect(c.image, file).toBe(`regsetup:${VERSION}`);
    }
    expect(readFileSync(new URL('../../scripts/build-image.sh', import.meta.url), 'utf8')).toContain('tag="regsetup:$version"');
  });

  it('the ConfigMap is a valid desired-state file, read where the agent is told, with its password in the Secret\'s mount', () => {
    const cm = docsOf('configmap.yaml')[0] as unknown as { metadata: { name: string }; data: Record<string, string> };
    const parsed = parseDesiredFile(cm.data['regsetup.yaml']!);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const pod = agentPod();
    const mountOf = (kind: 'configMap' | 'secret', name: string) => {
      const volume = pod.volumes!.find((v) => (kind === 'configMap' ? v.configMap?.name : v.secret?.secretName) === name)!;
      return agent().volumeMounts!.find((m) => m.name === volume.name)!.mountPath;
    };
    const args = agent().args!;
    expect(args.slice(0, 3)).toEqual(['agent', '--config', `${mountOf('configMap', cm.metadata.name)}/regsetup.yaml`]);
    const secretMount = mountOf('secret', 'regsetup-credentials');
    for (const entry of parsed.file.registries) expect(entry.credentials?.passwordFile).toBe(`${secretMount}/password`);
    expect(pod.volumes!.find((v) => v.secret)!.secret!.defaultMode).toBe(0o400);
  });

  it('the probes ask the agent where it listens: readiness /healthz, startup and liveness /livez', () => {
    const args = agent().args!;
    const listen = args[args.indexOf('--listen') + 1];
    expect(probeUrl(agent(), 'readinessProbe')).toBe(`http://${listen}/healthz`);
    expect(probeUrl(agent(), 'livenessProbe')).toBe(`http://${listen}/livez`);
    expect(probeUrl(agent(), 'startupProbe')).toBe(`http://${listen}/livez`);
    expect(agent().ports![0]!.containerPort).toBe(Number(listen!.split(':')[1]));
  });

  it('the host paths are mounted at their own paths, each volume once, and the pod runs on every node', () => {
    const pod = agentPod();
    const mounts = agent().volumeMounts!;
    expect(new Set(mounts.map((m) => m.name)).size).toBe(pod.volumes!.length);
    for (const v of pod.volumes!.filter((v) => v.hostPath)) expect(mounts.find((m) => m.name === v.name)!.mountPath).toBe(v.hostPath!.path);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.priorityClassName).toBe(docsOf('priorityclass.yaml')[0]!.metadata.name);
  });

  it.each(['one-shot/join.yaml', 'one-shot/leave.yaml'])('%s: the init container has the agent\'s privileges and mounts exactly', (file) => {
    const pod = daemonSet(file).spec.template.spec;
    const init = pod.initContainers![0]!;
    const same = (p: IPodSpec) => ({ hostPID: p.hostPID, hostNetwork: p.hostNetwork, dnsPolicy: p.dnsPolicy, tolerations: p.tolerations, priorityClassName: p.priorityClassName, volumes: p.volumes });
    expect(same(pod)).toEqual(same(agentPod()));
    expect(init.securityContext).toEqual(agent().securityContext);
    expect(init.volumeMounts).toEqual(agent().volumeMounts);
    expect(init.resources).toEqual(agent().resources);
  });

  it('join --config reads the ConfigMap the agent reads; leave names the ConfigMap\'s registry', () => {
    const cm = docsOf('configmap.yaml')[0] as unknown as { data: Record<string, string> };
    const parsed = parseDesiredFile(cm.data['regsetup.yaml']!);
    expect(daemonSet('one-shot/join.yaml').spec.template.spec.initContainers![0]!.args).toEqual(['join', '--config', agent().args![2], '--yes', '--json']);
    expect(parsed.ok && parsed.file.registries.map((r) => r.registry)).toEqual([daemonSet('one-shot/leave.yaml').spec.template.spec.initContainers![0]!.args![1]]);
  });
});

describe('deploy/kubernetes: the pod as `docker run` (test/e2e/helpers/pod-to-docker.ts)', () => {
  const sources = { volumes: { 'desired-state': '/tmp/cm', credentials: '/tmp/secret' } };

  it('the agent: host PID and network, its capabilities only, its memory limit, every mount at its path', () => {
    const run = podToDockerRun(agentPod(), 'agent', sources);
    expect(run.image).toBe(`regsetup:${VERSION}`);
    expect(run.args).toEqual(agent().args);
    expect(run.flags).toEqual([
      '--pid', 'host', '--network', 'host', '--stop-timeout', '30',
      '--user', '0', '--cap-drop', 'ALL', '--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_CHROOT', '--cap-add', 'SYS_PTRACE',
      '--security-opt', 'apparmor=unconfined',
      '--memory', '256m',
      '--mount', 'type=bind,source=/tmp/cm,target=/etc/regsetup-k8s,readonly',
      '--mount', 'type=bind,source=/tmp/secret,target=/etc/regsetup-credentials,readonly',
      '--mount', 'type=bind,source=/etc/docker,target=/etc/docker',
      '--mount', 'type=bind,source=/etc/containerd,target=/etc/containerd',
      '--mount', 'type=bind,source=/etc/containers,target=/etc/containers',
      '--mount', 'type=bind,source=/etc/rancher,target=/etc/rancher',
      '--mount', 'type=bind,source=/etc/regsetup,target=/etc/regsetup',
      '--mount', 'type=bind,source=/var/lib/regsetup,target=/var/lib/regsetup',
      '--mount', 'type=bind,source=/run,target=/run',
    ]);
    expect(run.createDirs).toEqual(['/etc/docker', '/etc/containerd', '/etc/containers', '/etc/rancher', '/etc/regsetup', '/var/lib/regsetup']);
    expect(run.mustExist).toEqual([{ path: '/run', type: 'Directory' }]);
  });

  it('an init container is found by name, with its own args', () => {
    const run = podToDockerRun(daemonSet('one-shot/join.yaml').spec.template.spec, 'join', sources);
    expect(run.args).toEqual(['join', '--config', '/etc/regsetup-k8s/regsetup.yaml', '--yes', '--json']);
    expect(run.flags).toContain('SYS_PTRACE');
  });

  const withPod = (edit: (pod: Record<string, unknown>, c: Record<string, unknown>) => void) => {
    const pod = structuredClone(agentPod()) as unknown as Record<string, unknown>;
    edit(pod, (pod.containers as Array<Record<string, unknown>>)[0]!);
    return () => podToDockerRun(pod as unknown as IPodSpec, 'agent', sources);
  };

  it.each([
    ['a pod field it does not know', withPod((p) => (p.hostIPC = true)), /pod spec: no docker translation for hostIPC/],
    ['a container field it does not know', withPod((_, c) => (c.stdin = true)), /container agent: no docker translation for stdin/],
    ['a securityContext field', withPod((_, c) => ((c.securityContext as Record<string, unknown>).procMount = 'Unmasked')), /securityContext: no docker translation for procMount/],
    ['mount propagation', withPod((_, c) => ((c.volumeMounts as Array<Record<string, unknown>>)[2]!.mountPropagation = 'Bidirectional')), /volumeMount etc-docker: no docker translation for mountPropagation/],
    ['a configMap with no stand-in', () => podToDockerRun(agentPod(), 'agent', { volumes: {} }), /volume desired-state \(configMap\): give a host directory/],
    ['an env from a secret', withPod((_, c) => (c.env = [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }])), /env X: only plain values/],
    ['a container that is not there', () => podToDockerRun(agentPod(), 'nope', sources), /no container nope/],
  ])('refuses %s', (_what, run, message) => {
    expect(run).toThrow(message);
  });
});
