/** An example code handler: answers each command with what it received. */
import type { CodeHandler } from "../code_handler.ts";
import { commandRequestId } from "../envelope.ts";

function parseContent(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch (_err) {
    // Not JSON: echo the text itself.
    return content;
  }
}

/** Replies `{requestID, echo: <parsed content>}` to the reply target of the handlers file. */
export const echoHandler: CodeHandler = (message) => {
  return Promise.resolve({ requestID: commandRequestId(message) ?? null, echo: parseContent(message.content) });
};
