// A label of the report pages, in its own module so the sections and the page that holds them
// can all use it without importing each other.
import { escapeHtml as h } from './assets.js';
import { UI, fill, type UiKey } from './i18n.js';

/** A label in English, switchable; `args` are values (escaped) filled into {0}, {1}, ... */
export function label(key: UiKey, args?: (string | number)[], tag = 'span'): string {
  const text = fill(UI.en[key], (args ?? []).map(String));
  const argAttr = args ? ` data-args="${h(JSON.stringify(args.map(String)))}"` : '';
  return `<${tag} data-i18n="${key}"${argAttr}>${h(text)}</${tag}>`;
}
