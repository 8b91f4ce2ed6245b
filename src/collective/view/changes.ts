// The changes page's source: the history store's confirmed changes (a change counts once it has
// held for --confirm consecutive runs of one ISP), newest first.
import type { Query } from '../db.js';
import type { ChangesSource } from './routes.js';

export function storeChanges(_db: Query, _o: { confirm: number }): ChangesSource {
  return async () => {
    throw new Error('the history store does not answer change queries yet');
  };
}
