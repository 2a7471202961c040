import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { MEDIA_TYPES, buildTinyImage, sha256Digest } from '../../src/host/tiny-image.js';

async function untar(tar: Buffer): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files[entry.header.name] = Buffer.concat(chunks).toString('utf8');
    }
  })();
  ex.end(tar);
  await done;
  return files;
}

describe('buildTinyImage', () => {
  it('is a valid schema2 image: manifest descriptors match the blobs, diff_id is the uncompressed tar', async () => {
    const image = await buildTinyImage('node-1 2026-01-01T00:00:00Z', { arch: 'arm64' });
    const manifest = JSON.parse(image.manifest.toString('utf8'));
    const config = JSON.parse(image.config.toString('utf8'));
    expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest });
    expect(manifest.config).toEqual({ mediaType: MEDIA_TYPES.config, size: image.config.length, digest: sha256Digest(image.config) });
    expect(manifest.layers).toEqual([{ mediaType: MEDIA_TYPES.layer, size: image.layers[0]!.length, digest: sha256Digest(image.layers[0]!) }]);
    const tar = gunzipSync(image.layers[0]!);
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [sha256Digest(tar)] });
    expect(config).toMatchObject({ os: 'linux', architecture: 'arm64' });
    expect(await untar(tar)).toEqual({ 'regsetup-verify.txt': 'node-1 2026-01-01T00:00:00Z\n' });
    expect(image.manifestDigest).toBe(sha256Digest(image.manifest));
  });

  it.each([
    ['same label, same digest', 'a', 'a', true],
    ['another label, another digest', 'a', 'b', false],
  ])('%s', async (_name, first, second, same) => {
    const [x, y] = await Promise.all([buildTinyImage(first), buildTinyImage(second)]);
    expect(x.manifestDigest === y.manifestDigest).toBe(same);
  });
});
