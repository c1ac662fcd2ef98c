import type { ArmLimits, ArmTimings } from '../config';
import type { RouteFeed } from '../routeFeed';
import { logNormalDelays, seededRandom } from '../timing';
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

  private random: () => number = seededRandom(1);
  private seed: number | undefined;

  /**
   * A delay per new route when the timings ask for spread (p95 above the median), from a source seeded
   * by `randomSeed` (re-seeded when the seed changes), so the same run draws the same delays.
   */
  private drawDelay(t: ArmTimings): ((prefix: string) => number) | undefined {
    if (t.routePropagationP95Ms <= t.routePropagationMs) return undefined;
    if (this.seed !== t.randomSeed) { this.seed = t.randomSeed; this.random = seededRandom(t.randomSeed); }
    const draw = logNormalDelays(t.routePropagationMs, t.routePropagationP95Ms, this.random);
    // One draw per prefix and sample: both Route Server instances hear an advertisement at about the same time.
    const drawn = new Map<string, number>();
    return (prefix) => {
      let d = drawn.get(prefix);
      if (d === undefined) { d = draw(); drawn.set(prefix, d); }
      return d;
    };
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
        const timings = this.timings();
        this.twin.observe(sessions, this.now(), this.limits().routesPerBgpPeer, timings, this.drawDelay(timings));
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
    this.seed = undefined;
  }
}
