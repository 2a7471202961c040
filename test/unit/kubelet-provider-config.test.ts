import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { planProviderConfig, unplanProviderConfig } from '../../src/core/kubelet-provider-config.js';
import { kubeletProviderEntry } from '../../src/core/kubelet-provider-entry.js';

const entry = kubeletProviderEntry({ registry: 'nexus.example.com', pushRegistry: 'nexus.example.com:8083' });

const ecr = `# Managed by the node image.
apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  # ECR for the platform images
  - name: ecr-credential-provider
    matchImages:
      - "*.dkr.ecr.*.amazonaws.com"
    defaultCacheDuration: "12h"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
`;

describe('kubeletProviderEntry', () => {
  it('lists the registry and the push registry exactly as images name them', () => {
    expect(entry).toEqual({
      name: 'regsetup',
      matchImages: ['nexus.example.com', 'nexus.example.com:8083'],
      defaultCacheDuration: '5m',
      apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
      args: ['kubelet-credential-provider'],
    });
  });

  it.each([
    [{ registry: 'R.Example:5000', pushRegistry: 'r.example:5000' }, ['r.example:5000']],
    [{ registry: '10.0.0.5:5000' }, ['10.0.0.5:5000']],
    [{ registry: '[fd00::5]:5000' }, ['[fd00::5]:5000']],
  ])('%j → matchImages %j', (input, matchImages) => {
    expect(kubeletProviderEntry(input).matchImages).toEqual(matchImages);
  });

  it.each([
    [{ registry: 'https://nexus.example.com' }, 'ERR_BAD_REGISTRY'],
    [{ registry: '[fd00::5]' }, 'ERR_KUBELET_MATCH_IMAGE'],
    [{ registry: 'r.example', name: 'bin/regsetup' }, 'ERR_KUBELET_PROVIDER_NAME'],
    [{ registry: 'r.example', name: '..' }, 'ERR_KUBELET_PROVIDER_NAME'],
    [{ registry: 'r.example', defaultCacheDuration: '5 minutes' }, 'ERR_KUBELET_CACHE_DURATION'],
  ])('refuses %j (%s)', (input, code) => {
    expect(() => kubeletProviderEntry(input)).toThrow(expect.objectContaining({ code }));
  });
});

describe('planProviderConfig', () => {
  it('writes a new file', () => {
    const edit = planProviderConfig(undefined, entry);
    expect(edit).toMatchObject({ changed: true, action: 'created' });
    expect(edit.text).toMatchInlineSnapshot(`
      "# kubelet credential providers (--image-credential-provider-config). regsetup manages the
      # entry named by its provider; edit the others freely.

      apiVersion: kubelet.config.k8s.io/v1
      kind: CredentialProviderConfig
      providers:
        - name: regsetup
          matchImages:
            - nexus.example.com
            - nexus.example.com:8083
          defaultCacheDuration: 5m
          apiVersion: credentialprovider.kubelet.k8s.io/v1
          args:
            - kubelet-credential-provider
      "
    `);
    expect(parse(edit.text!)).toEqual({ apiVersion: 'kubelet.config.k8s.io/v1', kind: 'CredentialProviderConfig', providers: [entry] });
  });

  it('adds its provider after the others, keeping their comments', () => {
    const edit = planProviderConfig(ecr, entry);
    expect(edit).toMatchObject({ changed: true, action: 'modified' });
    expect(edit.text!.startsWith(ecr)).toBe(true);
    expect(parse(edit.text!).providers.map((p: { name: string }) => p.name)).toEqual(['ecr-credential-provider', 'regsetup']);
  });

  it('keeps the file\'s list indentation and flow style for the entries it does not touch', () => {
    const compact = 'apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:\n- name: other\n  matchImages: [o.example]\n  defaultCacheDuration: 1h\n  apiVersion: credentialprovider.kubelet.k8s.io/v1\n';
    const edit = planProviderConfig(compact, entry);
    expect(edit.text!.startsWith(compact)).toBe(true);
    expect(edit.text).toContain('\n- name: regsetup\n');
  });

  it('a second run changes nothing, byte for byte', () => {
    const once = planProviderConfig(ecr, entry).text!;
    expect(planProviderConfig(once, entry)).toEqual({ text: once, changed: false, action: 'unchanged' });
  });

  it('updates its own entry in place, leaving keys it does not own', () => {
    const mine = `${ecr}  - name: regsetup
    matchImages: [old.example]   # was the old registry
    defaultCacheDuration: 5m
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    args: [kubelet-credential-provider]
    env:
      - name: HTTPS_PROXY
        value: http://proxy:3128
`;
    const edit = planProviderConfig(mine, entry);
    expect(edit.action).toBe('modified');
    const doc = parse(edit.text!);
    expect(doc.providers[1]).toEqual({ ...entry, env: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }] });
    expect(edit.text).toContain('# ECR for the platform images');
    expect(edit.text).toContain('value: http://proxy:3128');
  });

  it('edits a JSON file (kubelet reads a file starting with "{" as JSON) as JSON', () => {
    const other = { name: 'other', matchImages: ['o.example'], defaultCacheDuration: '1h', apiVersion: 'credentialprovider.kubelet.k8s.io/v1' };
    const json = `${JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1', kind: 'CredentialProviderConfig', providers: [other] }, null, 2)}\n`;
    const added = planProviderConfig(json, entry);
    expect(JSON.parse(added.text!).providers).toEqual([other, entry]);
    expect(planProviderConfig(added.text, entry)).toMatchObject({ changed: false, text: added.text });
    const moved = planProviderConfig(added.text, { ...entry, matchImages: ['new.example'] });
    expect(JSON.parse(moved.text!).providers[1].matchImages).toEqual(['new.example']);
    expect(JSON.parse(unplanProviderConfig(added.text, 'regsetup').text!).providers).toEqual([other]);
  });

  it.each([
    ['not YAML', 'providers: [\n', /line 1|line 2/],
    ['another kind', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n', /KubeletConfiguration/],
    ['providers not a list', 'apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: {}\n', /not a list/],
    ['two of ours', `${ecr}  - name: regsetup\n  - name: regsetup\n`, /2 providers named "regsetup"/],
  ])('refuses a file that is %s', (_name, text, why) => {
    expect(() => planProviderConfig(text, entry, '/etc/kubernetes/credential-providers.yaml')).toThrow(
      expect.objectContaining({ code: 'ERR_KUBELET_PROVIDER_CONFIG_MALFORMED', exitCode: 4, message: expect.stringMatching(why) }),
    );
  });
});

describe('unplanProviderConfig', () => {
  it('takes its provider out and keeps the others', () => {
    const edit = unplanProviderConfig(planProviderConfig(ecr, entry).text, 'regsetup');
    expect(edit.action).toBe('modified');
    expect(edit.text).toBe(ecr);
  });

  it('a file that would be left without providers is to be removed', () => {
    expect(unplanProviderConfig(planProviderConfig(undefined, entry).text, 'regsetup')).toEqual({ text: undefined, changed: true, action: 'removed' });
  });

  it.each([[undefined], [ecr]])('nothing of ours: unchanged', (text) => {
    expect(unplanProviderConfig(text, 'regsetup')).toEqual({ text, changed: false, action: 'unchanged' });
  });
});
