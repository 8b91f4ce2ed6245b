// Preloaded into a benchmarked command: prints its peak resident memory when it exits.
import { writeSync } from 'node:fs';
process.on('exit', () => writeSync(2, `\ncp-bench-maxrss-kb=${process.resourceUsage().maxRSS}\n`));
