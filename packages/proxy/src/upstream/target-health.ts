/** Targets the cluster primary's active health checks found down, by service and address; empty means all up. */
export class ActiveHealth {
  private readonly down = new Set<string>();

  static key(service: string, address: string): string {
    return `${service}\u0000${address}`;
  }

  set(service: string, address: string, healthy: boolean): void {
    const key = ActiveHealth.key(service, address);
    if (healthy) this.down.delete(key);
    else this.down.add(key);
  }

  isUp(key: string): boolean {
    return this.down.size === 0 || !this.down.has(key);
  }
}
