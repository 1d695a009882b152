// Exponential backoff with "equal jitter": attempt n (1, 2, …) waits a random time in [d/2, d] where
// d = min(cap, base · 2^(n-1)). Never zero, so a fleet of devices does not retry in step.

export function backoffDelay(attempt, baseMs, capMs, random = Math.random) {
  if (!(attempt >= 1)) throw new RangeError('attempt must be >= 1');
  let d = baseMs;
  for (let i = 1; i < attempt && d < capMs; i++) d *= 2;
  d = Math.min(d, capMs);
  const half = Math.floor(d / 2);
  return half + Math.floor(random() * (d - half + 1));
}

/** `Retry-After` (RFC 9110 10.2.3) as milliseconds from `now`: delay-seconds or an HTTP date; null when unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
