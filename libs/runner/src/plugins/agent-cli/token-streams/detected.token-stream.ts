import { createClaudeTokenStream } from './claude.token-stream';
import { createCodexTokenStream } from './codex.token-stream';
import { createGeminiTokenStream } from './gemini.token-stream';
import type { TokenStream } from './token-stream';

/**
 * For an agent with a `command` of its own: reads the stream in whichever of the known formats (Claude
 * Code, Codex, Gemini CLI) first reports usage, and only that one from then on. A wrapper script around one
 * of those CLIs therefore gets token accounting without saying which it wraps.
 */
export function createDetectedTokenStream(): TokenStream {
  const candidates = [createClaudeTokenStream(), createCodexTokenStream(), createGeminiTokenStream()];
  let detected: TokenStream | undefined;
  return {
    read(line) {
      if (detected) return detected.read(line);
      for (const candidate of candidates) {
        const usage = candidate.read(line);
        if (usage) {
          detected = candidate;
          return usage;
        }
      }
      return undefined;
    },
  };
}
