import type { ArmLimits, ArmTimings } from '../config';
import type { RouteFeed } from '../routeFeed';
import { BgpTwin, type SessionView } from './bgpTwin';

/**
 * Samples the route feed into the BGP twin: on demand before every BGP read, and in the background
 * every `routeFeedPollMs` so advertisement times are recorded even when nobody asks.
 */
export class BgpService {
  readonly twin = new BgpTwin();
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
  private readonly listeners = new Set<() => void>();

  /** Called after every sample taken (the twin may have changed). */
  onSample(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  constructor(
    private readonly feed: RouteFeed,
    private readonly now: () => number,
    private readonly timings: () => ArmTimings,
    private readonly limits: () => ArmLimits,
  ) {}

  /** Take one sample (concurrent callers share the sample in flight). */
  refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const sessions = await this.feed.sessions();
        this.twin.observe(sessions, this.now(), this.limits().routesPerBgpPeer, this.timings());
        this.lastError = undefined;
        for (const l of [...this.listeners]) l();
      } catch (e) {
        // A feed that cannot be read is reported, not treated as "all sessions down".
        this.lastError = e instanceof Error ? e.message : String(e);
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  startPolling(): void {
    this.stopPolling();
    const period = this.timings().routeFeedPollMs;
    if (period <= 0) return;
    this.timer = setInterval(() => { void this.refresh(); }, period);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  async view(routerAsnFor: (instanceIp: string) => number | undefined): Promise<SessionView[]> {
    await this.refresh();
    return this.twin.view(this.now(), this.timings(), routerAsnFor);
  }

  reset(): void {
    this.twin.clear();
  }
}
