/**
 * Bytes for the demo files: small but valid PDFs, CSV exports and plain-text job logs, generated from the seeded
 * PRNG so every seed writes identical files (and identical sha256 values).
 */
import type { Prng } from './prng.js';

function pdfText(s: string): string {
  return s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
}

/** A minimal PDF 1.4: one Helvetica page per entry of `pages`, each a list of text lines. */
export function makePdf(title: string, pages: string[][]): Buffer {
  const objects: string[] = [];
  const pageIds: number[] = [];
  // 1: catalog, 2: pages, 3: font, then (page, content) pairs.
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  let next = 4;
  for (const lines of pages) {
    const pageId = next++;
    const contentId = next++;
    pageIds.push(pageId);
    const body = ['BT', '/F1 16 Tf', '56 780 Td', `(${pdfText(title)}) Tj`, '/F1 10 Tf', '0 -28 Td', '14 TL', ...lines.map((l) => `(${pdfText(l)}) '`), 'ET'].join('\n');
    objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`;
    objects[contentId] = `<< /Length ${Buffer.byteLength(body, 'latin1')} >>\nstream\n${body}\nendstream`;
  }
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let id = 1; id < next; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${next}\n0000000000 65535 f \n`;
  for (let id = 1; id < next; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${next} /Root 1 0 R /Info << /Title (${pdfText(title)}) /Producer (Portal demo seed) >> >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const REGIONS = ['EMEA', 'NA', 'LATAM', 'APAC'];
const PRODUCTS = ['Analytics Pro', 'Data Hub', 'Insight Cloud', 'Pipeline', 'Forecast', 'Warehouse Connect'];

/** Integer cents as `123.45` (exact, and much cheaper than toFixed on floats). */
function money(cents: number): string {
  const c = cents % 100;
  return `${(cents - c) / 100}.${c < 10 ? '0' : ''}${c}`;
}

/** A CSV export of about `targetBytes` bytes. */
export function makeCsv(rng: Prng, targetBytes: number, startMs: number): Buffer {
  const lines = ['date,order_id,region,product,units,unit_price,revenue'];
  let size = lines[0]!.length + 1;
  let i = 0;
  let date = '';
  while (size < targetBytes) {
    // One order per hour going back in time; the date string changes once a day (formatting dominates the cost).
    if (i % 24 === 0) date = new Date(startMs - i * 3_600_000).toISOString().slice(0, 10);
    const units = rng.int(1, 400);
    const cents = rng.int(500, 250_000);
    const line = `${date},ORD-${100000 + i},${rng.pick(REGIONS)},${rng.pick(PRODUCTS)},${units},${money(cents)},${money(units * cents)}`;
    lines.push(line);
    size += line.length + 1;
    i++;
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

const STEPS = ['Fetching source data', 'Validating schema', 'Joining reference tables', 'Aggregating', 'Rendering output', 'Uploading results'];

/** A job log of about `targetBytes` bytes; a failed job's log ends with the error. */
export function makeLog(rng: Prng, log: { jobId: string; startMs: number; targetBytes: number; failure?: string }): Buffer {
  const { jobId, startMs, targetBytes, failure } = log;
  let t = startMs;
  const lines: string[] = [];
  let size = 0;
  const push = (level: string, msg: string) => {
    const line = `${new Date(t).toISOString()} ${level.padEnd(5)} [${jobId}] ${msg}`;
    lines.push(line);
    size += line.length + 1;
    t += rng.int(5, 4000);
  };
  push('INFO', 'Job started');
  while (size < targetBytes) {
    const step = rng.pick(STEPS);
    push(rng.chance(0.1) ? 'WARN' : 'INFO', `${step}: batch ${rng.int(1, 500)} processed ${rng.int(100, 50_000)} rows in ${rng.int(3, 900)} ms`);
  }
  if (failure) push('ERROR', failure);
  else push('INFO', 'Job finished');
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}
