// Needle's metrics, micro-averaged: counts are summed over all cases of a group, then divided, so
// a case with three calls weighs three times a case with one (as in Needle's published evaluation).
//
//   nameF1            = 2·nameTp / (2·nameTp + nameFp + nameFn)   (tool names, multiset match)
//   callF1            = 2·callTp / (2·callTp + callFp + callFn)   (whole calls: name and arguments)
//   argsAccuracy      = argsExact / matchedCalls                  (name-matched calls with every argument right)
//   valueAccuracy     = valuesRight / matchedParams               (values right among parameters on both sides)
//   hallucinationRate = hallucinatedParams / (matchedParams + hallucinatedParams)  (share of emitted params not expected)
//   missRate          = missingParams / (matchedParams + missingParams)            (share of expected params omitted)
//   exactMatch        = cases with exactMatch / n
//
// A metric whose denominator is 0 (e.g. F1 on a group of irrelevance cases answered with no call)
// is null — undefined, not 0 or 1.
import type { NeedleCounts } from '../score/types.ts';

export interface NeedleMetrics {
  nameF1: number | null;
  callF1: number | null;
  argsAccuracy: number | null;
  valueAccuracy: number | null;
  hallucinationRate: number | null;
  missRate: number | null;
  exactMatch: number | null;
}

type Summed = Omit<NeedleCounts, 'exactMatch' | 'parsed'> & { exactMatch: number; parsed: number; n: number };

export function sumNeedleCounts(counts: Iterable<NeedleCounts>): Summed {
  const s: Summed = {
    nameTp: 0, nameFp: 0, nameFn: 0, callTp: 0, callFp: 0, callFn: 0, argsExact: 0, matchedCalls: 0,
    hallucinatedParams: 0, missingParams: 0, matchedParams: 0, valuesRight: 0, exactMatch: 0, parsed: 0, n: 0,
  };
  for (const c of counts) {
    s.nameTp += c.nameTp; s.nameFp += c.nameFp; s.nameFn += c.nameFn;
    s.callTp += c.callTp; s.callFp += c.callFp; s.callFn += c.callFn;
    s.argsExact += c.argsExact; s.matchedCalls += c.matchedCalls;
    s.hallucinatedParams += c.hallucinatedParams; s.missingParams += c.missingParams;
    s.matchedParams += c.matchedParams; s.valuesRight += c.valuesRight;
    s.exactMatch += c.exactMatch ? 1 : 0;
    s.parsed += c.parsed ? 1 : 0;
    s.n++;
  }
  return s;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function needleMetrics(s: Summed): NeedleMetrics {
  return {
    nameF1: ratio(2 * s.nameTp, 2 * s.nameTp + s.nameFp + s.nameFn),
    callF1: ratio(2 * s.callTp, 2 * s.callTp + s.callFp + s.callFn),
    argsAccuracy: ratio(s.argsExact, s.matchedCalls),
    valueAccuracy: ratio(s.valuesRight, s.matchedParams),
    hallucinationRate: ratio(s.hallucinatedParams, s.matchedParams + s.hallucinatedParams),
    missRate: ratio(s.missingParams, s.matchedParams + s.missingParams),
    exactMatch: ratio(s.exactMatch, s.n),
  };
}
