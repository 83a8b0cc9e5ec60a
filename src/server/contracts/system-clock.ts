/**
 * The process clock in milliseconds since the epoch, read at each call: the default of the
 * gateway's `now` options on the paths that decide whether an approval has expired.
 *
 * Why not `Date.now` itself: a reference to `Date.now` taken when a service is built keeps the
 * native function, so a test that moves the clock with a fake `Date` (`vi.setSystemTime`) would
 * not move that service's clock, and a test of "answerable after 3 days, expired after 7" would
 * pass without exercising the expiry at all.
 */
export const systemNow = (): number => Date.now();
