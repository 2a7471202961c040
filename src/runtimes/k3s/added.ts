import * as z from 'zod';

// What a join added to registries.yaml, entry by entry, so leave removes exactly that and keeps
// everything that was there before (or was added by hand since). Never a secret: for auth only
// the host and the user name are kept.

const scalar = z.union([z.string(), z.boolean()]);

export const addedSchema = z.object({
  /** Items appended to mirrors.<mirror>.endpoint (an endpoint that was already listed is not ours). */
  endpoints: z.array(z.object({ mirror: z.string().min(1), url: z.string().min(1) })),
  /** Scalars set, e.g. configs.<host>.tls.ca_file; `previous` is the value replaced (insecure_skip_verify: false). */
  values: z.array(z.object({ path: z.array(z.string()).min(1), value: scalar, previous: scalar.optional() })),
  /** configs.<host>.auth written (plaintext, only with --k3s-store-auth-plaintext). */
  auth: z.array(z.object({ host: z.string().min(1), username: z.string() })),
  /** Maps and lists created, parents first; removed again once empty. wasNull: it was `key:` with no value. */
  created: z.array(z.object({ path: z.array(z.string()).min(1), wasNull: z.boolean().optional() })),
});

export type K3sAdded = z.infer<typeof addedSchema>;

export const noneAdded = (): K3sAdded => ({ endpoints: [], values: [], auth: [], created: [] });

const key = (path: readonly string[]) => JSON.stringify(path);

/** A later join's additions on top of an earlier one's (what both added stays recorded once). */
export function mergeAdded(a: K3sAdded, b: K3sAdded): K3sAdded {
  const endpoints = [...a.endpoints, ...b.endpoints.filter((e) => !a.endpoints.some((x) => x.mirror === e.mirror && x.url === e.url))];
  const values = [
    ...a.values.filter((v) => !b.values.some((x) => key(x.path) === key(v.path))),
    ...b.values.map((v) => {
      // Replacing our own value keeps what was there before regsetup first set it.
      const earlier = a.values.find((x) => key(x.path) === key(v.path));
      return earlier ? { path: v.path, value: v.value, ...(earlier.previous === undefined ? {} : { previous: earlier.previous }) } : v;
    }),
  ];
  const auth = [...a.auth.filter((x) => !b.auth.some((y) => y.host === x.host)), ...b.auth];
  const created = [...a.created, ...b.created.filter((c) => !a.created.some((x) => key(x.path) === key(c.path)))];
  return { endpoints, values, auth, created };
}

export const isNoneAdded = (a: K3sAdded): boolean => a.endpoints.length + a.values.length + a.auth.length + a.created.length === 0;
