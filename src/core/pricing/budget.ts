/**
 * A hard spending cap. Each request reserves its worst case before it starts; the reservation is
 * replaced by the billed cost when the answer arrives. Amounts are kept as integer units of 1e-10 USD
 * so that no sum of floating-point fractions can drift past the cap.
 */
const UNIT = 1e10;

export interface Reservation {
  readonly units: number;
}

export class Budget {
  readonly capUsd: number;
  private readonly capUnits: number;
  private spentUnits = 0;
  private reservedUnits = 0;
  private waiters: (() => void)[] = [];

  constructor(capUsd: number, alreadySpentUsd = 0) {
    this.capUsd = capUsd;
    this.capUnits = Math.floor(capUsd * UNIT);
    this.spentUnits = Math.ceil(alreadySpentUsd * UNIT);
  }

  /** Reserves the worst case of one request, or returns null when it could take spend past the cap. */
  tryReserve(worstUsd: number): Reservation | null {
    const units = Math.ceil(worstUsd * UNIT);
    if (this.spentUnits + this.reservedUnits + units > this.capUnits) return null;
    this.reservedUnits += units;
    return { units };
  }

  /**
   * Like tryReserve, but when the request only fails to fit because of others in flight, waits for
   * them to settle: their real cost is usually far below their worst case. Null means the cap is
   * truly reached (or the signal aborted).
   */
  async reserve(worstUsd: number, signal?: AbortSignal): Promise<Reservation | null> {
    for (;;) {
      const r = this.tryReserve(worstUsd);
      if (r || this.reservedUnits === 0 || signal?.aborted) return r;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /**
   * Releases a reservation. `billedUsd` null means the API did not say what it charged:
   * count the worst case as spent, so the cap holds even then.
   */
  settle(reservation: Reservation, billedUsd: number | null): void {
    this.reservedUnits -= reservation.units;
    this.spentUnits += billedUsd === null ? reservation.units : Math.round(billedUsd * UNIT);
    this.wake();
  }

  /** A request that failed without an answer is not billed (zero-completion insurance). */
  release(reservation: Reservation): void {
    this.reservedUnits -= reservation.units;
    this.wake();
  }

  get spentUsd(): number {
    return this.spentUnits / UNIT;
  }

  get remainingUsd(): number {
    return (this.capUnits - this.spentUnits - this.reservedUnits) / UNIT;
  }
}
