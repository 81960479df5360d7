/**
 * Server-sent events as LLM endpoints stream them: the events of a text
 * (WHATWG HTML, "Server-sent events", event stream interpretation: lines
 * end in CRLF, LF or CR; a blank line ends an event; `data:` lines are
 * joined with "\n"; one leading space after the colon is dropped; lines
 * starting with ":" are comments), and an answer assembled from them: the
 * text deltas in order (OpenAI chat `choices.0.delta.content`, completions
 * `choices.0.text`, or a configured path), the token usage of the event
 * that carried one, whether `[DONE]` arrived, and how many events were
 * not JSON.
 *
 * Layer: pure core. Total: any text in, never throws. A text cut at a
 * bound (`cut`) drops its last, unterminated event rather than reading half
 * of it.
 */
import { fieldAt } from "../json-path.ts";
import { usageTokensOf } from "./usage.ts";

/** Does a Content-Type say server-sent events? */
export const isEventStream = (contentType: string | null): boolean =>
  contentType !== null && /^\s*text\/event-stream\b/i.test(contentType);

/** The data of each complete event (and of the last one unless the text was cut). */
export function eventData(text: string, cut: boolean): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  // The last element follows the last line break: an unfinished line ("" when
  // the text ends with one). An event ends only at a blank line, so a cut
  // text's last event may be partial: it is dropped.
  const last = lines.pop() ?? "";
  if (last !== "" && !cut) lines.push(last);
  const out: string[] = [];
  let data: string[] | null = null;
  for (const line of lines) {
    if (line === "") {
      if (data !== null) out.push(data.join("\n"));
      data = null;
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== "data") continue;
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    data ??= [];
    data.push(value);
  }
  // An uncut text that ends without a blank line still ends its last event.
  if (data !== null && !cut) out.push(data.join("\n"));
  return out;
}

export interface AssembledAnswer {
  /** The text deltas, concatenated. */
  text: string;
  /** Events with data, "[DONE]" excluded. */
  events: number;
  /** Events whose data was not JSON. */
  invalid: number;
  /** "[DONE]" arrived. */
  done: boolean;
  /** Token usage of the last event that carried one. */
  usageTokens: number | null;
  /** The message of an event that carried an `error` object, if one did. */
  error: string | null;
}

/** The text of one event's JSON: at `path`, or OpenAI's chat then completions delta. */
function deltaOf(json: unknown, path: string | undefined): string {
  const value = path
    ? fieldAt(json, path)
    : (fieldAt(json, "choices.0.delta.content") ?? fieldAt(json, "choices.0.text"));
  return typeof value === "string" ? value : "";
}

export function assembleAnswer(
  text: string,
  opts: { cut: boolean; textPath?: string | undefined },
): AssembledAnswer {
  const answer: AssembledAnswer = {
    text: "",
    events: 0,
    invalid: 0,
    done: false,
    usageTokens: null,
    error: null,
  };
  const parts: string[] = [];
  for (const data of eventData(text, opts.cut)) {
    if (data.trim() === "[DONE]") {
      answer.done = true;
      continue;
    }
    answer.events += 1;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      answer.invalid += 1;
      continue;
    }
    parts.push(deltaOf(json, opts.textPath));
    answer.usageTokens = usageTokensOf(json) ?? answer.usageTokens;
    const error = fieldAt(json, "error");
    if (error !== undefined && error !== null && answer.error === null) {
      const message = fieldAt(error, "message");
      answer.error = typeof message === "string" ? message : JSON.stringify(error);
    }
  }
  answer.text = parts.join("");
  return answer;
}
