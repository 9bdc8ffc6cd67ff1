/** The program version (deno.json "version"); shown by the OpenAPI document. */
export const VERSION = "0.1.0";
