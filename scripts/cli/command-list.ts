/**
 * The `router` CLI's top-level commands: each name with its one line (what
 * the command list and the command's own help show) and how to load it.
 * Only the command that runs is imported: `--help`, `status` and `history`
 * do not load the schema, the edits and wrangler's helpers that writes need
 * (`npm run bench:cli` measures the wall clock).
 *
 * Layer: CLI.
 */
import type { Command } from "./command.ts";

export const SUMMARIES = {
  status: "the live document and who gets what share, per service",
  flip: "blue-green: make the idle origin live (smoke-tested first)",
  canary: "canary rollouts: set, ramp, kill, remove",
  challenger: "champion-challenger: status (the leaderboard), add, set, remove, promote",
  shadow: "shadow mode: report, on, off, set, remove",
  rollout: "progressive delivery: plan, status, start, evaluate, pause, resume, abort, promote",
  rollback: "restore the previous document (or version N) as a new version",
  history: "past versions with time, author and change",
  assign: "which arm given user ids get (the worker's own decide())",
  validate: "check document files against the schema (field-path errors)",
  apply: "replace (or create) a service's document from a JSON file",
  init: "write a routing document (and a smoke test) for your own model",
} as const;

export type CommandName = keyof typeof SUMMARIES;

const LOADERS: Record<CommandName, () => Promise<Command>> = {
  status: async () => (await import("./commands/status.ts")).statusCommand,
  flip: async () => (await import("./commands/flip.ts")).flipCommand,
  canary: async () => (await import("./commands/canary.ts")).canaryCommand,
  challenger: async () => (await import("./commands/challenger.ts")).challengerCommand,
  shadow: async () => (await import("./commands/shadow.ts")).shadowCommand,
  rollout: async () => (await import("./commands/rollout.ts")).rolloutCommand,
  rollback: async () => (await import("./commands/rollback.ts")).rollbackCommand,
  history: async () => (await import("./commands/history.ts")).historyCommand,
  assign: async () => (await import("./commands/assign.ts")).assignCommand,
  validate: async () => (await import("./commands/validate.ts")).validateCommand,
  apply: async () => (await import("./commands/apply.ts")).applyCommand,
  init: async () => (await import("./commands/init.ts")).initCommand,
};

export interface CommandEntry {
  name: CommandName;
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = (Object.keys(SUMMARIES) as CommandName[]).map(
  (name) => ({ name, summary: SUMMARIES[name], load: LOADERS[name] }),
);
