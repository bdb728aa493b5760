import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { channels, commands } from '../src-main/contract';

/** docs/contract-reference.md, generated from the contract so it cannot drift (a unit test checks). */
export function renderContractReference(): string {
  const schema = (s: z.ZodType) => {
    try {
      return '`' + JSON.stringify(z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' })).replace(/"\$schema":"[^"]*",?/, '').replace(/\|/g, '\\|') + '`';
    } catch {
      return '(see source)';
    }
  };
  const lines = [
    '# Contract reference',
    '',
    'Generated from `src-main/contract/` by `npm run docs:contract`; do not edit by hand.',
    'How to call these over the web bridge or IPC: see [bridge.md](bridge.md).',
    '',
    '## Commands',
    '',
    '| command | privileged | what it does | input (JSON Schema) |',
    '| --- | --- | --- | --- |',
    ...Object.entries(commands).map(([name, spec]) => `| \`${name}\` | ${'privileged' in spec && spec.privileged ? 'yes' : ''} | ${spec.summary} | ${schema(spec.input)} |`),
    '',
    '## Event channels',
    '',
    '| channel | delivery | what it carries |',
    '| --- | --- | --- |',
    ...Object.entries(channels).map(([name, spec]) => `| \`${name}\` | ${spec.policy.kind === 'bounded' ? `bounded (${spec.policy.capacity} per batch, drops counted)` : 'lossless'} | ${spec.summary} |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('contract-doc.ts')) {
  writeFileSync('docs/contract-reference.md', renderContractReference());
  console.log('written: docs/contract-reference.md');
}
