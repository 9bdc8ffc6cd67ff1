/** `basicCredentials`: the client id and secret of an HTTP Basic `Authorization` header (RAC's token request). */

/** The id and secret of a Basic header; empty when there is none or it cannot be decoded. */
export function basicCredentials(header: string | undefined): { id?: string; secret?: string } {
  const match = header?.match(/^Basic\s+(\S+)$/i);
  if (!match) return {};
  try {
    const [id, ...rest] = atob(match[1]).split(":");
    return { id: decodeURIComponent(id), secret: decodeURIComponent(rest.join(":")) };
  } catch (err) {
    if (err instanceof DOMException || err instanceof URIError) return {};
    throw err;
  }
}
