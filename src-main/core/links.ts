import type { TestResult, UpstreamId, UpstreamStatus } from '../contract';
import { Link, type LinkOptions } from './lifecycle';
import { CommandError } from './commands';
import type { Hub } from './hub';

const keyOf = (id: UpstreamId, link?: string) => (link ? `${id}/${link}` : id);

/**
 * Every Link in the console, by upstream and sub-link. Publishes status changes, answers
 * the generic `connections.*` commands and `/api/health`.
 */
export class LinkRegistry {
  private readonly links = new Map<string, Link>();
  private readonly tests = new Map<UpstreamId, () => Promise<TestResult>>();

  /** Told when an error escaped a connector and its link restarts (the core journals and alerts it). */
  onCrash: (status: UpstreamStatus, error: unknown) => void = () => undefined;

  constructor(private readonly hub: Hub) {}

  create(options: Omit<LinkOptions, 'onStatus' | 'onCrash'>): Link {
    const key = keyOf(options.id, options.link);
    this.links.get(key)?.dispose();
    const link = new Link({ ...options, onStatus: (status) => this.hub.publish('connections.status', status), onCrash: (error, status) => this.onCrash(status, error) });
    this.links.set(key, link);
    return link;
  }

  /** Remove a sub-link for good (an instance deleted upstream). */
  remove(id: UpstreamId, link?: string): void {
    const key = keyOf(id, link);
    const existing = this.links.get(key);
    if (!existing) return;
    existing.dispose();
    this.links.delete(key);
    this.hub.publish('connections.status', { ...existing.status(), state: 'stopped', message: 'removed' });
  }

  get(id: UpstreamId, link?: string): Link | undefined {
    return this.links.get(keyOf(id, link));
  }

  /** An upstream whose test is not a single link's (e.g. the inbound webhook receiver). */
  setTest(id: UpstreamId, test: () => Promise<TestResult>): void {
    this.tests.set(id, test);
  }

  require(id: UpstreamId, link?: string): Link {
    const found = this.get(id, link);
    if (!found) throw new CommandError('unavailable', `no connection ${keyOf(id, link)}`);
    return found;
  }

  test(id: UpstreamId, link?: string): Promise<TestResult> {
    const custom = link ? undefined : this.tests.get(id);
    return custom ? custom() : this.require(id, link).test();
  }

  list(): UpstreamStatus[] {
    return [...this.links.values()].map((link) => link.status());
  }

  dispose(): void {
    for (const link of this.links.values()) link.dispose();
    this.links.clear();
  }
}
