/**
 * Every demo simulator is a real server on loopback speaking its upstream's real protocol.
 * The console connects to it exactly as it would to production; the tests drive it through
 * the control methods each simulator adds to this base.
 */
export interface SimulatorOptions {
  /** Bind address; loopback unless a test says otherwise. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** When false the simulator only answers and sends what a test asks for (no random feed). */
  autoplay?: boolean;
  /** Deterministic randomness for tests. */
  seed?: number;
}

export interface Simulator {
  readonly name: string;
  /** Base URL the console should be configured with (e.g. `http://127.0.0.1:41234`). */
  readonly url: string;
  readonly port: number;
  /** Close the listening socket and every client, then listen again on the same port. */
  restart(): Promise<void>;
  /** Cut every client connection without stopping the server (a network blip). */
  dropClients(): void;
  stop(): Promise<void>;
}
