/**
 * URL and header helpers shared by the signer, the download handler, the logger and tracing.
 *
 * `redactUrl` is the one redaction every component uses before a URL reaches a log line, an audit event, a span
 * attribute or a metric: a signed URL is a bearer credential until it expires.
 */

/**
 * Query parameters whose value is a credential. Lower-cased; matched case-insensitively. `sig` is ours (the
 * name OpenTelemetry's URL redaction also recognizes); the rest cover S3 SigV4/SigV2 presigned URLs, GCS and
 * the usual token parameters.
 */
export const SENSITIVE_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'awsaccesskeyid',
  'x-goog-signature',
  'x-goog-credential',
  'token',
  'access_token',
  'api_key',
  'apikey',
  'key',
]);

export const REDACTED = 'REDACTED';

/** Every download answer (and every answer carrying a signed URL) is never cached anywhere. */
export const NO_STORE = 'private, max-age=0, no-store';

function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    // A malformed escape cannot be compared reliably: treat the parameter as sensitive.
    return 'sig';
  }
}

/**
 * Replaces the value of every credential-bearing query parameter with `REDACTED` and keeps the rest (tenant,
 * expires, kid stay useful when debugging). Works on absolute URLs and on request targets (`/v1/…?…`); never
 * throws; a fragment is dropped (it is never sent to a server and may hold tokens too).
 */
export function redactUrl(url: string): string {
  if (typeof url !== 'string') return '';
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  if (q === -1) return withoutFragment;
  const base = withoutFragment.slice(0, q);
  const query = withoutFragment.slice(q + 1);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    if (!SENSITIVE_QUERY_PARAMS.has(paramName(name))) return part;
    return `${name}=${REDACTED}`;
  });
  return `${base}?${parts.join('&')}`;
}

/**
 * Scrubs signed-URL credentials out of free text (error messages, upstream bodies) where a URL may be embedded:
 * `sig=…`, `X-Amz-Signature=…` and friends become `…=REDACTED` wherever they appear.
 */
export function redactText(text: string): string {
  return text.replace(/([?&;\s"'(]|^)([A-Za-z_-]+)=([^&\s"'#)<>]*)/g, (whole, lead: string, name: string) =>
    SENSITIVE_QUERY_PARAMS.has(name.toLowerCase()) ? `${lead}${name}=${REDACTED}` : whole,
  );
}

/** RFC 8187 `attr-char`s stay literal; everything else is percent-encoded from UTF-8. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * An ASCII stand-in for old clients that ignore `filename*`: printable ASCII only, with quotes, backslashes,
 * percent signs (some browsers decode them) and path separators replaced.
 */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\%/]/g, '_')
    .trim();
  return ascii === '' || /^\.+$/.test(ascii) ? 'download' : ascii;
}

/**
 * `Content-Disposition: attachment` with an ASCII `filename` fallback and the exact name in `filename*`
 * (RFC 6266 §4.3, RFC 8187). Control characters never reach the header.
 */
export function contentDisposition(filename: string): string {
  // Control characters are exactly what must go (header injection), hence the rule exception.
  // eslint-disable-next-line no-control-regex
  const clean = filename.replace(/[\u0000-\u001f\u007f]/g, '').replace(/[/\\]/g, '_').trim() || 'download';
  return `attachment; filename="${asciiFallback(clean)}"; filename*=UTF-8''${encodeRfc8187(clean)}`;
}

/** A media type safe to put in `Content-Type`; anything odd falls back to `application/octet-stream`. */
export function safeContentType(contentType: string | null | undefined): string {
  if (typeof contentType !== 'string') return 'application/octet-stream';
  const v = contentType.trim();
  // type/subtype, optional parameters; no control characters (header injection) and a sane length.
  // eslint-disable-next-line no-control-regex
  if (v.length > 255 || !/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\u0000-\u001f\u007f]*"|[A-Za-z0-9!#$&^_.+-]+))*$/.test(v)) {
    return 'application/octet-stream';
  }
  return v;
}
