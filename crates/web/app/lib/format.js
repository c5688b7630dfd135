// Numbers and names as people read them. Amounts are BigInt end to end: never floats.

/** The exact decimal value of `raw` (an integer string) with `decimals` decimals:
 * "1500000000000000000", 18 -> "1.5". No trailing zeros, no point for whole numbers. */
export function formatUnits(raw, decimals) {
  let v = BigInt(raw);
  const neg = v < 0n;
  if (neg) v = -v;
  const d = BigInt(decimals);
  const base = 10n ** d;
  const int = (v / base).toString();
  let frac = decimals > 0 ? (v % base).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  return (neg ? "-" : "") + int + (frac ? "." + frac : "");
}

/** The display rule (docs/dashboard.md): the exact value cut, not rounded, to 6 decimals when
 * its whole part is not 0, else to 6 significant digits; trailing zeros and a bare point dropped. */
export function trimDecimal(exact) {
  const neg = exact.startsWith("-");
  const body = neg ? exact.slice(1) : exact;
  const [int, frac = ""] = body.split(".");
  let keep;
  if (int !== "0") keep = frac.slice(0, 6);
  else {
    const lead = frac.match(/^0*/)[0].length;
    keep = frac.slice(0, lead + 6);
  }
  keep = keep.replace(/0+$/, "");
  const out = int + (keep ? "." + keep : "");
  return (neg && out !== "0" ? "-" : "") + out;
}

/** formatUnits then the display rule. */
export function displayUnits(raw, decimals) {
  return trimDecimal(formatUnits(raw, decimals));
}

/** "1.5" in units -> the integer string with `decimals` decimals. Throws Error in words. */
export function parseUnits(text, decimals, what = "amount") {
  const t = String(text).trim().replace(/_/g, "");
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(t)) throw new Error(`${what}: "${text}" is not a number (write it in units, e.g. 1.5)`);
  const [int, frac = ""] = t.split(".");
  if (frac.length > decimals) throw new Error(`${what}: at most ${decimals} decimals are possible, "${text}" has ${frac.length}`);
  const v = BigInt(int || "0") * 10n ** BigInt(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || "0");
  return v.toString();
}

/** A WAD (10^18 = 100%) as percent text, by the display rule: "450000000000000000" -> "45". */
export function wadPercent(raw) {
  return displayUnits(raw, 16);
}

/** 0x1234…abcd */
export function shortAddr(a) {
  if (!a || a.length < 14) return a || "";
  return a.slice(0, 6) + "…" + a.slice(-4);
}

/** 0x12345678…abcdef01 for hashes. */
export function shortHash(x) {
  if (!x || x.length < 20) return x || "";
  return x.slice(0, 10) + "…" + x.slice(-8);
}

/** A duration in seconds in words: "about 12 s", "about 3 min", "about 2 h 5 min", "about 3 days". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `about ${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `about ${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `about ${hrs} h${m % 60 ? " " + (m % 60) + " min" : ""}`;
  return `about ${Math.round(hrs / 24)} days`;
}

/** A past time in words relative to now: "12 s ago". */
export function ago(unixSeconds) {
  const d = Math.max(0, Date.now() / 1000 - unixSeconds);
  if (d < 90) return `${Math.round(d)} s ago`;
  if (d < 5400) return `${Math.round(d / 60)} min ago`;
  if (d < 172800) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} days ago`;
}

/** A UTC timestamp: "2025-06-01 12:00:01 UTC". */
export function utc(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** A fraction "p/q" (as the risk report gives it) as a decimal text with up to 4 decimals. */
export function fraction(pq) {
  if (pq === null || pq === undefined) return "—";
  const [p, q = "1"] = String(pq).split("/");
  try {
    let n = BigInt(p);
    const d = BigInt(q);
    if (d === 0n) return String(pq);
    const neg = n < 0n !== d < 0n && n !== 0n;
    n = n < 0n ? -n : n;
    const dd = d < 0n ? -d : d;
    const scaled = (n * 10000n) / dd;
    return (neg ? "-" : "") + trimDecimal(formatUnits(scaled.toString(), 4));
  } catch {
    return String(pq);
  }
}

/** A "p/q" fraction as a JavaScript number (for plotting only). */
export function fractionNumber(pq) {
  const [p, q = "1"] = String(pq).split("/");
  return Number(p) / Number(q);
}
