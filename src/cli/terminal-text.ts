/**
 * Text from a server or a file name goes to a terminal only neutralised: an escape sequence in a
 * model's answer or a photo's name could otherwise move the cursor, rewrite the screen, set the
 * window title or (in some terminals) run commands.
 */

// C0 controls except \n and \t, DEL, C1 controls (0x9b is CSI on its own), and bidi overrides that reorder what is shown.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  if (c === '\n' || c === '\r' || c === '\t') return ' ';
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Untrusted text for stderr: control characters shown as `\uXXXX`, line breaks kept. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same on one line: a file name or server message cannot start a fake line of output. */
export function terminalSafeLine(text: string): string {
  return text.replace(UNSAFE_ONE_LINE, visible);
}

/**
 * One JSON line for stdout. JSON.stringify already escapes C0 controls; DEL, C1 controls and the
 * line separators U+2028/2029 are escaped too, so `jq` reads the same data and a terminal shows no escape.
 */
export function jsonLine(value: unknown): string {
  return escapeJsonControls(JSON.stringify(value));
}

/** The same escaping for JSON text already serialised (pretty-printed documents on stdout). */
export function escapeJsonControls(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
