// prom-client ships types for its index only; the agent imports three of its modules directly
// (src/agent/metrics.ts), typed there from the index's declarations.
declare module 'prom-client/lib/registry.js' {
  const module: unknown;
  export default module;
}
declare module 'prom-client/lib/counter.js' {
  const module: unknown;
  export default module;
}
declare module 'prom-client/lib/gauge.js' {
  const module: unknown;
  export default module;
}
