// Needle 2's reserved ids and chat markers (cactus-needle 2.0.8, needle/model/tokenizer.py). The
// markers are user-defined SentencePiece pieces at fixed ids 4..13: the tokenizer never splits them
// and every prompt and target is written with them.

/** Control/unknown pieces as the package fixes them (PAD_ID, EOS_ID, BOS_ID, UNK_ID). */
export const NEEDLE2_SPECIAL_IDS = { pad: 0, eos: 1, bos: 2, unk: 3 } as const;

export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
export const THINK_START = '<think>';
export const THINK_END = '</think>';
export const TOOLS_START = '<tools>';
export const TOOLS_END = '</tools>';
export const TOOL_CALL_START = '<tool_call>';
export const TOOL_CALL_END = '</tool_call>';
export const TOOL_RESULT_START = '<tool_result>';
export const TOOL_RESULT_END = '</tool_result>';

/** CHAT_MARKERS in the package's order; marker i has id 4 + i. */
export const CHAT_MARKERS = [
  IM_START,
  IM_END,
  THINK_START,
  THINK_END,
  TOOLS_START,
  TOOLS_END,
  TOOL_CALL_START,
  TOOL_CALL_END,
  TOOL_RESULT_START,
  TOOL_RESULT_END,
] as const;

export type ChatMarker = (typeof CHAT_MARKERS)[number];

export const FIRST_MARKER_ID = 4;

/** The id the package assigns to a marker (IM_START_ID = 4 … TOOL_RESULT_END_ID = 13). */
export function markerId(marker: ChatMarker): number {
  return FIRST_MARKER_ID + CHAT_MARKERS.indexOf(marker);
}

export const MARKER_IDS: Readonly<Record<ChatMarker, number>> = Object.fromEntries(
  CHAT_MARKERS.map((m, i) => [m, FIRST_MARKER_ID + i]),
) as Record<ChatMarker, number>;
