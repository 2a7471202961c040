// The image `regsetup verify` pushes: one small gzipped layer, built in memory so a
// push can be tested without a daemon and without pulling anything first. Docker
// schema2 media types because older Nexus versions refuse OCI manifests (docs/host-behaviour.md#registries-over-http).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export const MEDIA_TYPES = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface TinyImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  manifestDigest: string;
}

export const sha256Digest = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A schema2 manifest for already-built config and (gzipped) layer blobs. */
export function buildSchema2Manifest(config: Buffer, layers: Buffer[]): Buffer {
  const descriptor = (mediaType: string, blob: Buffer) => ({ mediaType, size: blob.length, digest: sha256Digest(blob) });
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: descriptor(MEDIA_TYPES.config, config),
    layers: layers.map((layer) => descriptor(MEDIA_TYPES.layer, layer)),
  };
  return Buffer.from(JSON.stringify(manifest));
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

async function tarOneFile(name: string, content: Buffer, mtime: Date): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name, size: content.length, mode: 0o644, mtime, uid: 0, gid: 0 }, content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * One file, /regsetup-verify.txt holding `label`. The label should be unique per run
 * (host + time) so each push creates a fresh manifest instead of hitting one a
 * previous run left behind. Same label → same bytes → same digests.
 */
export async function buildTinyImage(label: string, opts: { arch?: string } = {}): Promise<TinyImage> {
  const epoch = new Date(0);
  const tar = await tarOneFile('regsetup-verify.txt', Buffer.from(`${label}\n`), epoch);
  // Fixed gzip header mtime/OS (zlib writes mtime 0) keeps the digest reproducible.
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      // The host's own platform, so a pull back does not warn about a platform mismatch.
      architecture: opts.arch ?? GO_ARCH[process.arch] ?? process.arch,
      os: 'linux',
      created: epoch.toISOString(),
      config: { Labels: { 'io.regsetup.verify': label } },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
      history: [{ created: epoch.toISOString(), created_by: 'regsetup verify' }],
    }),
  );
  const manifest = buildSchema2Manifest(config, [layer]);
  return { config, layers: [layer], manifest, manifestDigest: sha256Digest(manifest) };
}
