/**
 * How deeply a JSON text nests, read off the text before it is parsed.
 *
 * Layer: pure core. One linear pass over the text counts `{` and `[`
 * against `}` and `]` outside strings (inside a string a backslash escapes
 * the next character, so `"\""` and `"[{"` hold no brackets). A body the
 * router reads for itself is refused past a bound before JSON.parse and
 * everything recursive after it (the merge patch, the schema, the diff)
 * sees it: a 10,000-deep merge patch used to overflow the stack (500).
 * On text that is not JSON the count is still an upper bound of what a
 * parser would build; JSON.parse refuses such text afterwards.
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]

/**
 * The deepest nesting of objects and arrays in `text` (`1` is 0, `{}` and
 * `[1]` are 1, `{"a":[]}` is 2). Stops as soon as the depth passes
 * `stopAbove` and returns that depth (`stopAbove + 1`), so a refusal costs
 * no more than the bound's worth of the text.
 */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}
