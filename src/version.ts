import { readFileSync } from 'node:fs';

// Read once from package.json so every measurement records the exact software version.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

export const softwareName = pkg.name;
export const softwareVersion = pkg.version;
