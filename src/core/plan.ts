// The planner: (HostSnapshot, ResolvedDesired, now) → Plan, pure data shared by
// `plan`, `join --dry-run`, `join`, `leave`, the agent and the tests. Apply runs it.
export { planJoin } from './plan-join.js';
export { planLeave } from './plan-leave.js';
export { renderPlanDiff, planToJson, actionDiff } from './plan-render.js';
export { RELOADABLE_KEYS, decideDaemonAction } from './plan-daemon.js';
export { isEmptyPlan, type Action, type DaemonAction, type JournalUpdate, type Plan, type PlannedJournalEntry, type ResolvedDesired } from './plan-types.js';
export { caPath, type FlagSourceLike, type HostSnapshot } from './host-snapshot.js';
