/**
 * Header values of a download answer made safe from stored file metadata: `Content-Disposition` from a file name
 * and `Content-Type` from a recorded media type (used by the download handler and the S3 presigner).
 */

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
