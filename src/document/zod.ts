/**
 * The validator of every schema: zod/mini, with zod's English messages.
 * zod/mini is zod's tree-shakable form: the same core, checks, error
 * messages, field paths and JSON Schema as `zod`, with functions instead of
 * methods (`z.optional(s)`, `s.check(z.minLength(1))`), so a bundle keeps
 * only what the schemas use (zod in the Worker's minified bundle: 99 KiB
 * with `zod`, 59 KiB with zod/mini). `zod` sets the English locale by
 * itself; zod/mini leaves it out, so it is set here, once, before any schema
 * parses. test/scripts/layers.test.ts holds every other module to this one.
 *
 * Layer: document. Import it as a namespace, `import * as z from "./zod.ts"`,
 * so bundlers keep only the members used.
 */
import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
