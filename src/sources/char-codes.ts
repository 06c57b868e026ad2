// Character codes the hand-written scanners over text compare against (charCodeAt, no string per char).
export const NEWLINE = 10;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const PERCENT = 37;
export const APOSTROPHE = 39;
export const COMMA = 44;
export const DASH = 45;
export const DOT = 46;
export const COLON = 58;
export const OPEN_BRACKET = 91;
export const BACKSLASH = 92;
export const CLOSE_BRACKET = 93;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;

/** A space, a tab or a carriage return: what the scanners skip within a line. */
export function isBlank(c: number): boolean {
  return c === SPACE || c === 9 || c === 13;
}
