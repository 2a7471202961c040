/**
 * The format of the `--json` documents. It goes up only when a field is removed or changes
 * meaning; fields are added within a version (schemas/*.schema.json of the installed version list
 * them). Its own module, free of zod: an error document is printed before any command loads.
 */
export const SCHEMA_VERSION = 1;
