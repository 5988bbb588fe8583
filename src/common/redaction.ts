/**
 * Redaction of credentials in URLs and free text: the one place that decides what a signed URL's secret looks
 * like, imported by everything that writes somewhere a person or a vendor can read (logs, audit lines, span
 * attributes, error messages). A leaf module: it imports nothing from the project.
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
