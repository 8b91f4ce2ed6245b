// Turning the bytes of a response body into text the way a browser would pick the charset
// (WHATWG order: BOM, then Content-Type, then a <meta> in the first bytes), because Greek sites and
// blockpages still serve iso-8859-7 / windows-1253 and a wrong guess garbles the title.

export interface DecodedBody {
  text: string;
  /** The encoding label used. */
  charset: string;
}

const BOMS: Array<{ bytes: number[]; charset: string }> = [
  { bytes: [0xef, 0xbb, 0xbf], charset: 'utf-8' },
  { bytes: [0xfe, 0xff], charset: 'utf-16be' },
  { bytes: [0xff, 0xfe], charset: 'utf-16le' },
];

const META_SCAN_BYTES = 4096;

function supported(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** The charset parameter of a Content-Type value, if Node can decode it. */
export function charsetFromContentType(contentType: string | undefined): string | null {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  const label = m?.[1]?.toLowerCase();
  return label && supported(label) ? label : null;
}

/** `<meta charset=...>` or `<meta http-equiv=Content-Type content="...; charset=...">` near the top. */
export function charsetFromMeta(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, META_SCAN_BYTES)).toString('latin1');
  for (const tag of head.match(/<meta\b[^>]*>/gi) ?? []) {
    const m = /charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)/i.exec(tag);
    const label = m?.[1]?.toLowerCase();
    // A page cannot be UTF-16 if its meta tag reads as ASCII (WHATWG says treat it as UTF-8).
    if (label) return label.startsWith('utf-16') ? 'utf-8' : supported(label) ? label : null;
  }
  return null;
}

export function decodeBody(bytes: Uint8Array, contentType: string | undefined): DecodedBody {
  for (const bom of BOMS) {
    if (bom.bytes.every((b, i) => bytes[i] === b)) {
      return { text: new TextDecoder(bom.charset, { ignoreBOM: true }).decode(bytes.subarray(bom.bytes.length)), charset: bom.charset };
    }
  }
  const charset = charsetFromContentType(contentType) ?? charsetFromMeta(bytes) ?? 'utf-8';
  return { text: new TextDecoder(charset, { ignoreBOM: true }).decode(bytes), charset };
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** The first <title>, entities decoded and whitespace collapsed; null when there is none. */
export function extractTitle(html: string): string | null {
  const m = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  if (!m || m[1] === undefined) return null;
  return decodeEntities(m[1]).replace(/\s+/g, ' ').trim();
}
