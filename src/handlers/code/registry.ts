/**
 * The code handlers compiled into the binary, by the name the handlers file
 * uses (`{ "kind": "code", "name": "echo" }`). Add a handler here to ship it.
 */
import type { CodeHandler } from "../code_handler.ts";
import { echoHandler } from "./echo.ts";

/** Code handlers by name. */
export const CODE_HANDLERS: Readonly<Record<string, CodeHandler>> = Object.freeze({
  echo: echoHandler,
});
