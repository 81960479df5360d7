/**
 * The dashboard's HTML tag: hono/html's `html`, which escapes every
 * interpolated string, typed as the synchronous string it is here (these
 * views never interpolate a Promise), so a view is a plain function of its
 * data that returns HTML.
 *
 * Layer: HTTP edge (dashboard views).
 */
import { html as honoHtml, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type Html = HtmlEscapedString;

export const html = (strings: TemplateStringsArray, ...values: unknown[]): Html =>
  honoHtml(strings, ...values) as Html;

export { raw };

/** Joins views (an empty list is empty HTML). */
export const join = (parts: readonly Html[], separator = ""): Html => raw(parts.join(separator));
