// Text from outside (a server's answer, a Docker daemon's mirror list, an error message, a stored
// report) may hold terminal escapes and characters that hide or reorder what is shown. Anything
// preflight reports passes through `printable` where it enters and again where it is printed, so
// that an ESC, a C1 control (U+009B is CSI on many terminals), a carriage return or a bidi
// override shows up as visible text (`\x1b`, `\u202e`) and never acts on the terminal.

/** DEL, C1 controls and the invisible format characters that hide or reorder text. */
const BEYOND_C0 = "\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff";
/** ... and the C0 controls. */
const CONTROL_SOURCE = `\\u0000-\\u001f${BEYOND_C0}`;
const CONTROL = new RegExp(`[${CONTROL_SOURCE}]`, "g");
const CONTROL_BUT_NEWLINE = new RegExp(`(?!\\n)[${CONTROL_SOURCE}]`, "g");
const CONTROL_TEST = new RegExp(`[${CONTROL_SOURCE}]`);

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every control and invisible format character written out visibly. Newlines are
 * kept only with `multiline` (a finding that carries a daemon.json block); elsewhere they are
 * escaped too, so one value is always one line.
 */
export function printable(text: string, opts: { multiline?: boolean } = {}): string {
  return text.replace(opts.multiline ? CONTROL_BUT_NEWLINE : CONTROL, visible);
}

/** Whether `text` holds anything `printable` would escape (newlines included). */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_TEST.test(text);
}

const JSON_UNESCAPED = new RegExp(`[${BEYOND_C0}]`, "g");

/**
 * JSON text (from JSON.stringify, which escapes C0 controls already) with the other characters
 * `printable` escapes written as `\uXXXX`: still valid JSON, parsing back to the same values.
 */
export function jsonWithoutControls(json: string): string {
  return json.replace(JSON_UNESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
