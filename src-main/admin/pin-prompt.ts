/**
 * Read a PIN from the terminal without echo (`--setup-kiosk`): raw mode, one character at a
 * time, asked twice. Null when there is no terminal (a script must put the PIN in the file).
 */
export interface PromptInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}
export interface PromptOutput {
  write(text: string): unknown;
}

/** At most this many characters are kept (the PIN schema allows 64): a pasted novel is cut, not buffered. */
const maxChars = 256;

export function readHidden(input: PromptInput, output: PromptOutput, question: string): Promise<string | null> {
  if (!input.isTTY || !input.setRawMode) return Promise.resolve(null);
  output.write(question);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve) => {
    let value = '';
    const done = (answer: string | null) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      resolve(answer);
    };
    function onData(chunk: Buffer | string) {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(value);
        if (char === '\u0003' || char === '\u0004') return done(null); // Ctrl+C, Ctrl+D: cancelled
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ' && value.length < maxChars) value += char;
      }
    }
    input.on('data', onData);
  });
}

/** Ask twice; a mismatch or a cancel is no PIN (the caller says so). */
export async function askNewPin(input: PromptInput, output: PromptOutput): Promise<string | null | 'mismatch'> {
  const first = await readHidden(input, output, 'Admin PIN: ');
  if (first === null) return null;
  const again = await readHidden(input, output, 'Admin PIN again: ');
  if (again === null) return null;
  return first === again ? first : 'mismatch';
}
