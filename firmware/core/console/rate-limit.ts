// Flood control for the console: a token bucket on the injected clock. Each line
// takes a token; tokens come back at a fixed rate up to the burst size. While the
// bucket is empty lines are dropped; only the first drop of a flood is answered,
// so a flood cannot make the device write more than it reads.

export class TokenBucket {
  burst: number;
  perSecond: number;
  tokens: number;
  lastMs: number;
  /** Lines dropped since the bucket last had a token (0 = not limiting). */
  dropped: number;

  constructor(burst: number, perSecond: number, nowMs: number) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = burst;
    this.lastMs = nowMs;
    this.dropped = 0;
  }

  /** Takes a token: true when the line may be handled. */
  take(nowMs: number): boolean {
    const dt = nowMs > this.lastMs ? nowMs - this.lastMs : 0;
    this.lastMs = nowMs > this.lastMs ? nowMs : this.lastMs;
    this.tokens = Math.min(this.burst, this.tokens + (dt * this.perSecond) / 1000);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.dropped = 0;
      return true;
    }
    this.dropped++;
    return false;
  }
}
