// Surface forms of quantities: one canonical value (what the tool schema asks for: "HH:MM",
// YYYY-MM-DD, seconds, integers) written the many ways people say it, in digits and in words.
import type { Rng } from './prng.ts';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** English words for 0..999. */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new Error(`numberWords: unsupported ${n}`);
  if (n < 20) return ONES[n];
  if (n < 100) return TENS[Math.floor(n / 10)] + (n % 10 ? '-' + ONES[n % 10] : '');
  const rest = n % 100;
  return ONES[Math.floor(n / 100)] + ' hundred' + (rest ? ' and ' + numberWords(rest) : '');
}

/** An integer in digits or in words (words only where people say them). */
export function countSurface(rng: Rng, n: number): string {
  return n <= 20 && rng.chance(0.5) ? numberWords(n) : String(n);
}

const pad2 = (n: number) => String(n).padStart(2, '0');
export const hhmm = (h: number, m: number) => `${pad2(h)}:${pad2(m)}`;

/** A clock time said unambiguously (am/pm, 24h, or a part of day), for canonical "HH:MM". */
export function timeSurface(rng: Rng, h: number, m: number): string {
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const ampm = h < 12 ? 'am' : 'pm';
  const part = h < 12 ? 'in the morning' : h < 17 ? 'in the afternoon' : h < 21 ? 'in the evening' : 'at night';
  const forms: string[] = [
    `${h12}:${pad2(m)} ${ampm}`,
    `${h12}:${pad2(m)}${ampm}`,
    `${h12}:${pad2(m)} ${ampm.toUpperCase().split('').join('.')}.`,
    hhmm(h, m),
  ];
  if (m === 0) {
    forms.push(`${h12} ${ampm}`, `${h12}${ampm}`, `${numberWords(h12)} o'clock ${part}`, `${numberWords(h12)} ${ampm}`);
    if (h === 12) forms.push('noon', 'midday');
    if (h === 0) forms.push('midnight');
  } else if (m === 30) {
    forms.push(`half past ${numberWords(h12)} ${part}`, `${numberWords(h12)} thirty ${ampm}`);
  } else if (m === 15) {
    forms.push(`quarter past ${numberWords(h12)} ${part}`);
  } else if (m === 45) {
    const next = (h + 1) % 24;
    const n12 = next % 12 === 0 ? 12 : next % 12;
    const npart = next < 12 ? 'in the morning' : next < 17 ? 'in the afternoon' : next < 21 ? 'in the evening' : 'at night';
    forms.push(`quarter to ${numberWords(n12)} ${npart}`);
  } else {
    forms.push(`${numberWords(h12)} ${m < 10 ? 'oh ' + numberWords(m) : numberWords(m)} ${ampm}`);
  }
  return rng.pick(forms);
}

export function randomTime(rng: Rng): [number, number] {
  const h = rng.int(0, 23);
  const m = rng.weighted<number>([[0, 4], [30, 2], [15, 1], [45, 1], [rng.int(1, 59), 2]]);
  return [h, m];
}

/** A duration in seconds and how it is said. */
export function durationSurface(rng: Rng): { seconds: number; text: string } {
  const kind = rng.weighted<string>([['min', 6], ['sec', 2], ['hour', 2], ['special', 2]]);
  if (kind === 'min') {
    const n = rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    return { seconds: n * 60, text: `${countSurface(rng, n)} ${n === 1 ? 'minute' : 'minutes'}` };
  }
  if (kind === 'sec') {
    const n = rng.pick([10, 15, 20, 30, 45, 60, 90]);
    return { seconds: n, text: `${countSurface(rng, n)} seconds` };
  }
  if (kind === 'hour') {
    const n = rng.int(1, 5);
    return { seconds: n * 3600, text: n === 1 ? rng.pick(['one hour', 'an hour', '1 hour']) : `${countSurface(rng, n)} hours` };
  }
  return rng.pick([
    { seconds: 1800, text: 'half an hour' },
    { seconds: 5400, text: 'an hour and a half' },
    { seconds: 900, text: 'a quarter of an hour' },
    { seconds: 150, text: 'two and a half minutes' },
    { seconds: 3900, text: 'an hour and five minutes' },
    { seconds: 4500, text: '1 hour 15 minutes' },
  ]);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
}

/** A calendar date with its year, canonical YYYY-MM-DD. */
export function dateSurface(rng: Rng): { iso: string; text: string } {
  const y = rng.int(2026, 2028);
  const mo = rng.int(1, 12);
  const d = rng.int(1, 28);
  const iso = `${y}-${pad2(mo)}-${pad2(d)}`;
  const month = MONTHS[mo - 1];
  const text = rng.pick([
    `${month} ${d}, ${y}`,
    `${month} ${ordinal(d)} ${y}`,
    `${d} ${month} ${y}`,
    `the ${ordinal(d)} of ${month} ${y}`,
    iso,
    `${month.slice(0, 3)} ${d} ${y}`,
  ]);
  return { iso, text };
}
