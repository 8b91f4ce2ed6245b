// Encodes text as ISO-8859-7 (Node has the decoder but no encoder): ASCII plus the Greek block,
// which the charset maps one-to-one from U+0384..U+03CE to 0xB4..0xFE.
export function iso88597(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) out.push(code);
    else if (code >= 0x0384 && code <= 0x03ce) out.push(code - 0x0384 + 0xb4);
    else throw new Error(`cannot encode U+${code.toString(16)} in ISO-8859-7 here`);
  }
  return Buffer.from(out);
}
