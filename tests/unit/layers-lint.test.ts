import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The project's lint on `code` as if it were the file at `path` (nothing is written). */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.filter((m) => m.ruleId === 'ops/layers').map((m) => m.message);
}

describe('layers are enforced by lint (eslint-rules/layers.js)', () => {
  it('core may not import an upstream, the demo or the composition', { timeout: 60_000 }, async () => {
    expect(await layerErrors('src-main/core/bad.ts', "import { Link } from '../upstreams/ws-link';\nexport { Link };\n")).toEqual([expect.stringContaining('core/ may not import upstreams/')]);
    expect(await layerErrors('src-main/core/bad.ts', "export { startDemo } from '../demo';\n")).toEqual([expect.stringContaining('core/ may not import demo/')]);
    expect(await layerErrors('src-main/core/bad.ts', "export { allModules } from '../composition';\n")).toEqual([expect.stringContaining('core/ may not import composition/')]);
  });

  it('the contract imports nothing of main; integrations and admin not the demo nor an upstream', async () => {
    expect(await layerErrors('src-main/contract/bad.ts', "export { Hub } from '../core/hub';\n")).toHaveLength(1);
    expect(await layerErrors('src-main/integrations/bad.ts', "export { startWebhookSink } from '../demo/webhooks-sim';\n")).toHaveLength(1);
    expect(await layerErrors('src-main/admin/bad.ts', "export { dashboardModule } from '../upstreams/dashboard';\n")).toHaveLength(1);
  });

  it('no upstream imports another; its own folder, the shared helpers and core are fine', async () => {
    expect(await layerErrors('src-main/upstreams/dashboard/bad.ts', "export { JobBook } from '../rpa-logs/jobs';\n")).toEqual([expect.stringContaining('upstreams/dashboard may not import upstreams/rpa-logs')]);
    expect(await layerErrors('src-main/upstreams/dashboard/bad.ts', "export { createRpaLogs } from '../rpa-logs';\n")).toHaveLength(1);
    expect(await layerErrors('src-main/upstreams/ws-link-extra.ts', "export { dashboardModule } from './dashboard';\n")).toHaveLength(1);
    const fine = "export { BoardStore } from './boards';\nexport { parseJson } from '../validate';\nexport { Link } from '../../core/lifecycle';\nexport type { Settings } from '../../contract/settings';\n";
    expect(await layerErrors('src-main/upstreams/dashboard/fine.ts', fine)).toEqual([]);
  });

  it('the composition and the hosts may import every layer, the demo included', async () => {
    expect(await layerErrors('src-main/composition.ts', "export { startDemo } from './demo';\nexport { dashboardModule } from './upstreams/dashboard';\n")).toEqual([]);
    expect(await layerErrors('src-main/web/bad.ts', "export { startDemo } from '../demo';\n")).toEqual([]);
  });
});
