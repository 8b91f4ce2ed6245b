import { describe, expect, it } from 'vitest';
import { charsetFromContentType, charsetFromMeta, decodeBody, extractTitle } from '../../src/net/body.js';
import { iso88597 } from './greek.js';

describe('decodeBody', () => {
  const greek = 'Η σελίδα έχει αποκλειστεί';

  it('decodes iso-8859-7 named by Content-Type', () => {
    const bytes = iso88597(`<p>${greek}</p>`);
    expect(decodeBody(bytes, 'text/html; charset=ISO-8859-7')).toEqual({ text: `<p>${greek}</p>`, charset: 'iso-8859-7' });
  });

  it('falls back to a <meta> charset, then to UTF-8', () => {
    const html = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-7"></head>${greek}`;
    expect(decodeBody(iso88597(html), 'text/html').text).toBe(html);
    expect(decodeBody(iso88597(`<meta charset='windows-1253'>${greek}`), undefined).charset).toBe('windows-1253');
    expect(decodeBody(Buffer.from(greek, 'utf8'), undefined)).toEqual({ text: greek, charset: 'utf-8' });
  });

  it('lets a BOM win over the declared charset and strips it', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(greek, 'utf8')]);
    expect(decodeBody(bytes, 'text/html; charset=iso-8859-7')).toEqual({ text: greek, charset: 'utf-8' });
  });

  it('ignores labels Node cannot decode', () => {
    expect(charsetFromContentType('text/html; charset=x-no-such-thing')).toBeNull();
    expect(charsetFromMeta(Buffer.from('<meta charset="utf-16">'))).toBe('utf-8');
  });
});

describe('extractTitle', () => {
  it('takes the first title, decodes entities and collapses whitespace', () => {
    expect(extractTitle('<html><TITLE lang="el">\n  Blocked &amp; gone &#945;&#x3b2;\n</title><title>2</title>')).toBe('Blocked & gone αβ');
    expect(extractTitle('<html>no title</html>')).toBeNull();
  });
});
