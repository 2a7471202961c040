/** A Docker Hub reference as the user gives it (`hello-world`, `library/alpine:3`) split for the registry API. */
export function hubRepository(ref: string): { path: string; tag: string; short: string } {
  const withoutHub = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  const colon = withoutHub.lastIndexOf(':');
  const hasTag = colon > withoutHub.lastIndexOf('/');
  const name = hasTag ? withoutHub.slice(0, colon) : withoutHub;
  const tag = hasTag ? withoutHub.slice(colon + 1) : 'latest';
  const path = name.includes('/') ? name : `library/${name}`;
  return { path, tag, short: `${path.replace(/^library\//, '')}:${tag}` };
}

/** True when one of `repoDigests` (`name@sha256:…`) is `digest`. */
export const hasDigest = (repoDigests: string[], digest: string): boolean => repoDigests.some((d) => d.endsWith(`@${digest}`));
