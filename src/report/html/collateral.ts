// The run page's sections on what is not ISP censorship but belongs beside it: sites that refuse
// Greece themselves (verdict geoblock, counted apart) and the collateral damage of IP blocks.
import type { CollateralAddress } from '../collateral.js';
import { escapeHtml as h } from './assets.js';
import { label } from './label.js';

export function geoblockSection(count: number): string {
  if (count === 0) return '';
  return `<section id="geoblock"><h2>${label('geoblock_title')}</h2><p>${label('geoblock_intro', [count])}</p></section>`;
}

export function collateralSection(addrs: readonly CollateralAddress[]): string {
  if (addrs.length === 0) return `<section id="collateral"><h2>${label('collateral_title')}</h2><p>${label('collateral_none')}</p></section>`;
  const rows = addrs
    .map((a) => {
      const names = a.sharing
        .map((e) => `${h(e.input)}${e.bystander ? ` (${label('collateral_bystander')})` : ''} <span class="muted">${h(e.verdict)}</span>`)
        .join('<br>');
      return `<tr><td class="addr">${h(a.address)}</td><td class="num">${a.entries}</td><td>${names}</td></tr>`;
    })
    .join('');
  return `<section id="collateral"><h2>${label('collateral_title')}</h2><p>${label('collateral_intro')}</p><table><thead><tr><th>${label('collateral_address')}</th><th class="num">${label('count')}</th><th>${label('collateral_sharing')}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
