/**
 * One ownership model for everything a module makes: a command handler, a hub subscription, a
 * settings or secrets listener, a timer, a socket, a link. Whoever makes a resource registers
 * it on its owner's `DisposableStore`; stopping the owner disposes the store, newest first.
 * (After VS Code's `base/common/lifecycle.ts` and socket.io-client's `subs` + `cleanup()`.)
 */

export interface Disposable {
  dispose(): void;
}

/** A cleanup function as a disposable that runs it once. */
export function toDisposable(cleanup: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      cleanup();
    },
  };
}

/**
 * Disposables owned together. `dispose()` runs every one (newest first, like a stack unwinding)
 * even when one throws, then reports the first error; a store already disposed disposes
 * whatever is added to it at once, so a late callback cannot leak a resource.
 */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** How many resources it holds now (tests: nothing left after stop). */
  get size(): number {
    return this.items.size;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  /** A cleanup function (an `off()` returned by a listener registration) as an owned resource. */
  defer(cleanup: () => void): Disposable {
    return this.add(toDisposable(cleanup));
  }

  /** Dispose one item now and stop owning it. */
  delete(item: Disposable): void {
    if (this.items.delete(item)) item.dispose();
  }

  /** A repeating timer owned by this store, unref'd (a timer never keeps the process up). */
  interval(ms: number, work: () => void): Disposable {
    const timer = setInterval(work, ms);
    timer.unref();
    return this.defer(() => clearInterval(timer));
  }

  /** Dispose everything held now; the store stays usable. */
  clear(): void {
    disposeAll([...this.items].reverse());
    this.items.clear();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items].reverse();
    this.items.clear();
    disposeAll(items);
  }
}

/**
 * A slot for "the current one" (the socket of this session, the pending timer): setting a new
 * value disposes the old one, so a replaced resource is never forgotten open.
 */
export class MutableDisposable<T extends Disposable> implements Disposable {
  private current: T | undefined;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (next === this.current) return;
    const previous = this.current;
    this.current = this.disposed ? undefined : next;
    previous?.dispose();
    if (this.disposed) next?.dispose();
  }

  /** Forget the value without disposing it (it disposed itself, e.g. a timer that fired). */
  release(): T | undefined {
    const value = this.current;
    this.current = undefined;
    return value;
  }

  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }
}

/** A one-shot timer as a disposable; it releases itself from its slot when it fires. */
export function timeout(ms: number, work: () => void): Disposable & { readonly pending: boolean } {
  let pending = true;
  const timer = setTimeout(() => {
    pending = false;
    work();
  }, ms);
  return {
    get pending() {
      return pending;
    },
    dispose() {
      pending = false;
      clearTimeout(timer);
    },
  };
}

/** Dispose in the given order; every one runs, the first error is rethrown after. */
export function disposeAll(items: Iterable<Disposable>): void {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      item.dispose();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposables failed`);
}
