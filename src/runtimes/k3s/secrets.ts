import { isMap, isScalar } from 'yaml';
import { parseRegistries, type RegistriesValue } from './registries-file.js';
import { renderOptions } from './yaml-doc.js';

// registries.yaml may hold credentials (configs.<host>.auth): such a file is never shown as it is.
// A diff shows it with every secret value masked, so the change is visible and the secret is not.

const SECRET_KEYS = ['password', 'auth', 'identity_token'];
const MASK = '********';

export const holdsSecret = (value: RegistriesValue): boolean =>
  Object.values(value.configs).some((c) => c.auth !== undefined && SECRET_KEYS.some((k) => c.auth![k] !== undefined && c.auth![k] !== null && c.auth![k] !== ''));

/** The text with every auth secret replaced by a mask (rendered as regsetup renders the file). */
export function maskSecrets(text: string, path: string): string {
  const { doc } = parseRegistries(text, path);
  const configs = doc.get('configs', true);
  if (isMap(configs)) {
    for (const pair of configs.items) {
      const auth = isMap(pair.value) ? pair.value.get('auth', true) : undefined;
      if (!isMap(auth)) continue;
      for (const key of SECRET_KEYS) {
        const node = auth.get(key, true);
        if (isScalar(node) && node.value !== null && node.value !== '') node.value = MASK;
      }
    }
  }
  return doc.toString(renderOptions(text));
}
