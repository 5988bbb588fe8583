/**
 * An independent check of S3 presigned URLs (AWS Signature Version 4, query form), computed by the `aws4` package
 * rather than the AWS SDK that made them: s3rver, the S3 stand-in of these tests, accepts any signature, so a
 * URL the SDK signed wrongly (other secret, region, key or parameters) would otherwise still download.
 */
import aws4 from 'aws4';
import { expect } from 'vitest';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The signature `url` must carry: SigV4 over its method, path, own query (without the signature) and host. */
export function expectedSignature(url: string, credentials: SigV4Credentials, region: string, method = 'GET'): string {
  const u = new URL(url);
  const query = new URLSearchParams([...u.searchParams].filter(([k]) => k !== 'X-Amz-Signature'));
  const signed = aws4.sign({ host: u.host, path: `${u.pathname}?${query.toString()}`, method, service: 's3', region, signQuery: true, headers: {} }, credentials);
  const signature = new URL(`${u.protocol}//${u.host}${signed.path ?? ''}`).searchParams.get('X-Amz-Signature');
  if (!signature) throw new Error('aws4 produced no signature');
  return signature;
}

/** The URL is a valid SigV4 presigned GET for these credentials and region, signing only `host`. */
export function expectValidPresignedUrl(url: string, credentials: SigV4Credentials, region: string): void {
  const u = new URL(url);
  expect(u.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
  expect(u.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${credentials.accessKeyId}/\\d{8}/${region}/s3/aws4_request$`));
  expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  expect(u.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, credentials, region));
}
