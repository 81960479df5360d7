/**
 * What the demo LLM answers: a deterministic function of the prompt and a
 * wording, so tests know every answer and its similarity in advance.
 *
 * Layer: shared test support (test/support/stack/), used by llm-model.ts.
 * From the prompt's hash come a number (2 to 98), a topic and which of six
 * sentences the answer has; the wording says how they are put:
 *   - "plain": the number in words ("The answer is forty-two, based on the
 *     figures you gave. ...");
 *   - "numeric": the same meaning in digits and, for each later sentence
 *     three times in four, other words ("The answer is 42 based on your
 *     figures. ..."): a word-set (Jaccard) similarity to plain from 0.3 to
 *     0.9 by prompt (over 2,000 prompts: median 0.5, 90 % between 0.36 and
 *     0.72, a fifth at 0.6 or more);
 *   - "verbose": plain's sentences, each followed by an elaboration, after a
 *     greeting: 1.8 to 2 times plain's words, similarity to plain 0.51 to
 *     0.58.
 * Words are separated by single spaces; a token is a word (countWords).
 */
import { murmur3String } from "../../../src/core/routing/murmur3.ts";

export type Wording = "plain" | "numeric" | "verbose";

const ONES = "zero one two three four five six seven eight nine".split(" ");
const TEENS =
  "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(" ");
const TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split(" ");

/** 0 to 99 in English words ("forty-two"). */
export function numberInWords(n: number): string {
  if (n < 10) return ONES[n] as string;
  if (n < 20) return TEENS[n - 10] as string;
  const tens = TENS[Math.floor(n / 10)] as string;
  return n % 10 === 0 ? tens : `${tens}-${ONES[n % 10]}`;
}

/** What an answer is about: [topic, scope, what drives it]. */
const TOPICS: readonly (readonly [string, string, string])[] = [
  ["monthly revenue in thousands", "the last quarter", "the spring campaign"],
  ["active users per day", "the current week", "returning customers"],
  ["average delivery time in hours", "the northern region", "weekend orders"],
  ["support tickets per agent", "the night shift", "billing questions"],
  ["open invoices", "the current month", "two large accounts"],
  ["failed payments", "the past ten days", "expired cards"],
  ["new sign-ups", "the mobile app", "the referral programme"],
  ["server restarts", "the staging cluster", "memory pressure"],
];

/** A sentence: [plain, numeric, verbose's elaboration]. */
type Sentence = readonly [plain: string, numeric: string, more: string];

function sentences(n: number, [topic, scope, driver]: readonly [string, string, string]) {
  return [
    [
      `The answer is ${numberInWords(n)}, based on the figures you gave.`,
      `The answer is ${n} based on your figures.`,
      "I checked it twice against your totals.",
    ],
    [
      `That is the ${topic} for ${scope}.`,
      `It covers ${topic} in ${scope}.`,
      "The scope you asked about matters here.",
    ],
    [
      "The estimate is rounded to the nearest whole number.",
      "Rounded to a whole number.",
      "Treat the last digit as approximate.",
    ],
    [
      `Most of the change comes from ${driver}.`,
      `Mainly driven by ${driver}.`,
      "Other factors played a smaller part.",
    ],
    [
      "I am fairly confident in this result.",
      "Confidence: high.",
      "Provisional figures would call for a rerun.",
    ],
    [
      "Let me know if you want the breakdown.",
      "Ask for details if needed.",
      "I can also list each intermediate step.",
    ],
  ] as const satisfies readonly Sentence[];
}

/** The answer to a prompt in a wording: the same prompt and wording, the same text. */
export function answerText(prompt: string, wording: Wording): string {
  const h = murmur3String(`llm|${prompt}`);
  const bit = (i: number) => ((h >>> i) & 1) === 1;
  const topic = TOPICS[(h >>> 8) % TOPICS.length] as (typeof TOPICS)[number];
  const parts = sentences(2 + (h % 97), topic).flatMap(([plain, numeric, more], i) => {
    // The first two sentences always; each later one when its bit says so.
    if (i >= 2 && !bit(15 + i)) return [];
    // "numeric" rewords the first always, each later one three times in four.
    const reworded = i === 0 || bit(20 + i) || bit(26 + i);
    if (wording === "numeric") return [reworded ? numeric : plain];
    return wording === "verbose" ? [plain, more] : [plain];
  });
  return (wording === "verbose" ? ["Thank you for the question.", ...parts] : parts).join(" ");
}

/** Tokens, as the demo LLM counts them: words separated by whitespace. */
export const countWords = (text: string): number => text.split(/\s+/).filter(Boolean).length;
