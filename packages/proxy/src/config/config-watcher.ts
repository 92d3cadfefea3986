import pg from "pg";
import type { Logger } from "pino";
import type { Db } from "@bulwark/db/client";
import { CONFIG_CHANNEL, getLatestVersionNumber, getLatestVersionText } from "@bulwark/db/config-store";
import { parseJsonInSlices } from "@bulwark/config/json-in-slices";
import type { RuntimeRegistry, Snapshot } from "./compile-snapshot";
import { prepareVersion } from "./prepare-version";
import { EventLoopSlices } from "./event-loop-slices";
import type { GatewayRuntime } from "../pipeline/gateway-runtime";
import type { GatewayConfig } from "@bulwark/config/schema";
import { readLastKnownGood, writeLastKnownGood, type StoredVersion } from "./last-known-good";
import { heapSize, reclaimHeapAfterLoad } from "./reclaim-heap";

export interface WatcherState {
  version: number | null;
  hash: string | null;
  appliedAt: Date | null;
  rejectedVersion: number | null;
  lastError: string | null;
  /** Where the running config came from. */
  source: "database" | "last-known-good" | null;
}

export interface ConfigWatcherOptions {
  db: Db;
  databaseUrl: string;
  stateDir: string;
  pollMs: number;
  log: Logger;
  /** The worker's runtime state (health verdicts, limiter, load) that compiled snapshots use. */
  runtime: GatewayRuntime;
  /** Called after every apply or refusal; `config` is the applied config (null on a refusal). */
  onChange(state: WatcherState, snapshot: Snapshot | null, config: GatewayConfig | null): void;
}

/**
 * Keeps the worker on the newest valid config version: LISTEN/NOTIFY for speed, a poll as a safety net, the
 * last-known-good file when the database cannot be reached. A version that does not parse or compile is
 * refused once and remembered; the worker keeps the snapshot it has.
 */
export class ConfigWatcher {
  snapshot: Snapshot | null = null;
  readonly state: WatcherState = { version: null, hash: null, appliedAt: null, rejectedVersion: null, lastError: null, source: null };
  private readonly registry: RuntimeRegistry = new Map();
  private running = false;
  private again = false;
  private stopped = false;
  private listener: pg.Client | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = 250;
  /** The newest applied version not yet in the last-known-good file, and the write under way. */
  private toKeep: { v: StoredVersion; configJson: string | undefined } | null = null;
  private keeping: Promise<void> = Promise.resolve();

  constructor(private readonly options: ConfigWatcherOptions) {}

  async start(): Promise<void> {
    try {
      await this.loadLatest();
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, "database unreachable at start; trying the last-known-good config");
      const stored = readLastKnownGood(this.options.stateDir);
      if (stored) await this.apply(stored, "last-known-good");
      else this.options.log.warn("no last-known-good config on disk; waiting for the database");
    }
    this.listen();
    this.pollTimer = setInterval(() => void this.refresh(), this.options.pollMs);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => {});
    await this.keeping;
  }

  /** Loads the newest version if it is newer than what runs; concurrent calls coalesce into one more pass. */
  async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.loadLatest();
      } while (this.again && !this.stopped);
    } catch (error) {
      this.options.log.debug({ err: (error as Error).message }, "config check failed; will retry");
    } finally {
      this.running = false;
    }
  }

  private async loadLatest(): Promise<void> {
    const current = this.state.version ?? 0;
    const latest = await getLatestVersionNumber(this.options.db);
    if (latest <= current || latest === this.state.rejectedVersion) return;
    const v = await getLatestVersionText(this.options.db);
    if (!v || v.version <= current || v.version === this.state.rejectedVersion) return;
    const slices = new EventLoopSlices();
    // PostgreSQL's jsonb text always parses; should it not, the schema refuses the version like any bad config.
    const config = await parseJsonInSlices(v.configJson, slices).catch(() => undefined);
    await this.apply({ version: v.version, hash: v.hash, config }, "database", slices, v.configJson);
  }

  private async apply(v: StoredVersion, source: "database" | "last-known-good", slices = new EventLoopSlices(), configJson?: string): Promise<void> {
    let snapshot: Snapshot;
    let config: GatewayConfig;
    const heapBefore = heapSize();
    try {
      ({ snapshot, config } = await prepareVersion(v, this.registry, this.options.runtime, slices));
    } catch (error) {
      this.state.rejectedVersion = v.version;
      this.state.lastError = `version ${v.version} refused: ${(error as Error).message}`;
      this.options.log.error({ version: v.version, err: (error as Error).message }, "config version refused; keeping the running version");
      this.options.onChange(this.state, this.snapshot, null);
      return;
    }
    // Its own turn of the event loop: the last slice built the router, and the file below serialises the whole version.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.stopped) return;
    // One reference swap: a request reads the snapshot once at entry, so one in flight finishes on its version.
    this.snapshot = snapshot;
    Object.assign(this.state, { version: v.version, hash: v.hash, appliedAt: new Date(), source, lastError: null });
    if (source === "database") this.keep(v, configJson);
    this.options.log.info({ version: v.version, routes: snapshot.routeCount, source }, "config version applied");
    this.options.onChange(this.state, snapshot, config);
    reclaimHeapAfterLoad(heapBefore);
  }

  /**
   * Writes the applied version to the last-known-good file, off the event loop, one write at a time and in order:
   * versions applied while a write is under way are written once it is done, only the newest of them.
   */
  private keep(v: StoredVersion, configJson: string | undefined): void {
    const first = this.toKeep === null;
    this.toKeep = { v, configJson };
    if (!first) return;
    this.keeping = (async () => {
      for (let next = this.toKeep; next !== null; next = this.toKeep === next ? null : this.toKeep) {
        try {
          await writeLastKnownGood(this.options.stateDir, next.v, next.configJson);
        } catch (error) {
          this.options.log.warn({ err: (error as Error).message }, "could not write the last-known-good file");
        }
      }
      this.toKeep = null;
    })();
  }

  private listen(): void {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 3_000, keepAlive: true });
    this.listener = client;
    let retried = false;
    const retry = () => {
      if (retried || this.stopped) return;
      retried = true;
      client.end().catch(() => {});
      this.reconnectTimer = setTimeout(() => this.listen(), this.reconnectDelay);
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5_000);
    };
    client.on("error", retry);
    client.on("end", retry);
    client.on("notification", (n) => {
      if (n.channel === CONFIG_CHANNEL) void this.refresh();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${CONFIG_CHANNEL}`))
      .then(() => {
        this.reconnectDelay = 250;
        void this.refresh(); // catch up on anything published while we were not listening
      })
      .catch(retry);
  }
}
