import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderContractReference } from '../../scripts/contract-doc';

describe('docs/contract-reference.md', () => {
  it('matches the contract (run `npm run docs:contract` after changing it)', () => {
    expect(readFileSync('docs/contract-reference.md', 'utf8')).toBe(renderContractReference());
  });
});
