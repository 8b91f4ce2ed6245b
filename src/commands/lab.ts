import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { ProbeRunner } from '../lab/index.js';
import { UsageError } from '../errors.js';
import { LabCheckError } from '../lab/errors.js';

// The lab's modules are loaded when a lab command runs.
const lab = () => import('../lab/index.js');

export interface LabCommandDeps {
  /** Makes the probe `lab demo` runs over the lab's list (`censorprobe run`, see src/lab/probe-run.ts). */
  runProbe?: (options: { accept: boolean }) => ProbeRunner;
}

// `censorprobe lab ...`: the simulated Greek ISP (network namespaces) for tests and demos. Root only.
export function registerLab(program: Command, deps: LabCommandDeps = {}): void {
  const group = program.command('lab').description('the simulated Greek ISP (network namespaces) for tests and demos; needs root');

  group
    .command('up')
    .description('build the lab (cleaning any previous one) and write .lab/endpoints.json')
    .option('--scenarios <file>', 'scenario file (default lab/scenarios.csv)')
    .option('--intercept', 'the ISP redirects every port-53 query to its own resolver')
    .action(async (o: { scenarios?: string; intercept?: boolean }) => {
      const { labUp } = await lab();
      const e = await labUp({ scenarios: o.scenarios, intercept: !!o.intercept });
      console.log(`lab up in ${(e.up_ms / 1000).toFixed(1)} s: ISP resolver ${e.isp_resolver}, DoH ${e.doh_url}, control ${e.control_running ? e.control_url : 'not started'}`);
      console.log(`endpoints: ${e.state_dir}/endpoints.json; list: ${e.list}; ground truth: ${e.ground_truth}`);
    });

  group
    .command('down')
    .description('stop the lab processes by PID, delete the namespaces and links')
    .action(async () => {
      const { labDown } = await lab();
      await labDown();
      console.log('lab down');
    });

  group
    .command('status')
    .description('namespaces, processes and the control helper')
    .action(async () => {
      const { labStatus } = await lab();
      const s = await labStatus();
      console.log(`lab ${s.up ? 'up' : 'not up'}`);
      for (const n of s.namespaces) console.log(`  namespace ${n.name}: ${n.present ? 'present' : 'absent'}`);
      for (const p of s.processes) console.log(`  ${p.name} (${p.ns}) pid ${p.pid}: ${p.alive ? 'running' : 'stopped'}`);
      console.log(`  control helper: ${s.control}`);
      if (!s.up) process.exitCode = 1;
    });

  group
    .command('verify')
    .description("prove with dig/curl/openssl that every scenario behaves as declared")
    .option('-v, --verbose', 'print passing checks too')
    .action(async (o: { verbose?: boolean }) => {
      const { labVerify } = await lab();
      const results = await labVerify();
      for (const r of results) if (!r.ok || o.verbose) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`);
      const failed = results.filter((r) => !r.ok).length;
      console.log(`${results.length - failed}/${results.length} lab checks passed`);
      if (failed) throw new LabCheckError(`${failed} lab check(s) failed`);
    });

  group
    .command('exec')
    .description('run a command in the client namespace with the lab resolver and CA (lab exec -- CMD ...)')
    .argument('<cmd...>', 'command and arguments')
    .action(async (cmd: string[]) => {
      if (cmd.length === 0) throw new UsageError('lab exec needs a command: lab exec -- CMD ...');
      const { inClient } = await lab();
      const a = inClient(cmd);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(a.command, a.args, { env: a.env, stdio: 'inherit' });
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 1));
      });
      process.exitCode = code;
    });

  group
    .command('demo')
    .description('up, run the probe over the lab list, print results, write reports/demo/, down (needs root)')
    .option('--out <dir>', 'report directory', 'reports/demo')
    .option('--accept', "consent to the probe's run without the interactive question")
    .action(async (o: { out: string; accept?: boolean }) => {
      const runProbe = deps.runProbe ?? (await import('../lab/probe-run.js')).labProbeRunner;
      const { runDemo } = await lab();
      const r = await runDemo({ runProbe: runProbe({ accept: Boolean(o.accept) }), outDir: o.out });
      if (r.matched !== r.rows.length) process.exitCode = 1;
    });
}
