import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * The main process's layers, pointing one way:
 *
 *   contract ← core (+ settings, secrets) ← upstreams / integrations / admin ← composition, hosts
 *
 * `demo/` (the simulators) is imported only by the composition and the hosts (and tests); no
 * upstream imports another (`upstreams/<name>/` may use its own folder and the shared helpers
 * at `upstreams/*.ts`). Relative imports only: the main process has no path aliases.
 */

/** What each layer may import, by the first folder under src-main (or the file's name there). */
const allowed = {
  contract: ['contract'],
  core: ['contract', 'core', 'settings', 'secrets'],
  settings: ['contract', 'core', 'settings', 'secrets'],
  secrets: ['contract', 'core', 'settings', 'secrets'],
  upstreams: ['contract', 'core', 'settings', 'secrets', 'upstreams'],
  integrations: ['contract', 'core', 'settings', 'secrets', 'integrations'],
  admin: ['contract', 'core', 'settings', 'secrets', 'admin'],
  // The simulators verify signatures with the console's own signing only where a test needs it.
  demo: ['contract', 'core', 'integrations', 'demo'],
  composition: '*',
  electron: '*',
  web: '*',
};

/** `…/src-main/upstreams/dashboard/x.ts` → { root: '…/src-main', parts: ['upstreams', 'dashboard', 'x.ts'] }. */
function underMain(file) {
  const parts = file.split(sep).join('/').split('/');
  const at = parts.lastIndexOf('src-main');
  return at < 0 ? null : { root: parts.slice(0, at + 1).join('/'), parts: parts.slice(at + 1) };
}

/** `core/…` → core; a file right under src-main (`composition.ts`) → its name. */
const layerOf = (parts) => (parts.length === 1 ? parts[0].replace(/\.(ts|js)$/, '') : parts[0]);

const isDir = (path) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The upstream a path belongs to (`upstreams/<name>/…`, or the folder itself); null for the shared helpers (`upstreams/*.ts`). */
function upstreamOf({ root, parts }) {
  if (parts[0] !== 'upstreams' || parts.length < 2) return null;
  if (parts.length > 2) return parts[1];
  const name = parts[1].replace(/\.(ts|js)$/, '');
  return isDir(join(root, 'upstreams', name)) ? name : null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Layers of src-main: contract ← core ← upstreams/integrations/admin ← composition and hosts; demo only from the composition; no upstream imports another.' },
    messages: {
      layer: "{{from}}/ may not import {{to}}/ ({{source}}): layers point one way — contract ← core ← upstreams / integrations / admin ← composition and hosts (docs/architecture.md).",
      upstream: 'upstreams/{{from}} may not import upstreams/{{to}} ({{source}}): no upstream imports another; share through core/ or upstreams/*.ts.',
    },
    schema: [],
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const here = underMain(file);
    if (!here) return {};
    const from = layerOf(here.parts);
    const rule = allowed[from];
    if (rule === undefined || rule === '*') return {};
    const fromUpstream = upstreamOf(here);
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = underMain(resolve(dirname(file), source.split('/').join(sep)));
      if (!target || target.parts.length === 0) return;
      const to = layerOf(target.parts);
      if (!rule.includes(to)) return context.report({ node, messageId: 'layer', data: { from, to, source } });
      const toUpstream = upstreamOf(target);
      if (from === 'upstreams' && toUpstream && toUpstream !== fromUpstream) {
        context.report({ node, messageId: 'upstream', data: { from: fromUpstream ?? here.parts[1], to: toUpstream, source } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
