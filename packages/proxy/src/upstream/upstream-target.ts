/** One upstream address of a service, as compiled. */
export interface UpstreamTarget {
  /** host:port as configured; the key for per-target runtime state. */
  address: string;
  host: string;
  port: number;
  weight: number;
}
