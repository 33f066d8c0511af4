// Train-only open vocabulary. A model trained on a few dozen names and titles learns them by heart and,
// at evaluation, writes remembered values instead of copying the query's. Drawing many values from a
// wide vocabulary of ordinary words and made-up names (none of them in any eval pool) makes copying the
// only strategy that works, and covers the tokenizer's pieces both at the start of a value and inside it.
import type { Rng } from './prng.ts';

const NOUNS = ['apple', 'arrow', 'badge', 'bag', 'ball', 'band', 'bank', 'barn', 'basket', 'bath', 'beach', 'bean',
  'bear', 'bell', 'belt', 'bench', 'bike', 'bird', 'blanket', 'boat', 'bone', 'book', 'boot', 'bottle', 'bowl', 'box',
  'brick', 'bridge', 'brush', 'bucket', 'button', 'cabin', 'cable', 'cake', 'camera', 'candle', 'canvas', 'cap',
  'card', 'carpet', 'castle', 'chain', 'chair', 'chalk', 'cherry', 'chess', 'circle', 'clock', 'cloud', 'coat',
  'coin', 'corner', 'cotton', 'couch', 'cow', 'crown', 'cup', 'curtain', 'cushion', 'desk', 'diamond', 'dinner',
  'doll', 'dragon', 'drawer', 'drum', 'eagle', 'engine', 'envelope', 'fabric', 'feather', 'fence', 'field', 'flag',
  'flute', 'forest', 'fork', 'fountain', 'fox', 'frame', 'garden', 'ghost', 'gift', 'glass', 'glove', 'goat',
  'guitar', 'hammer', 'hat', 'helmet', 'hill', 'horse', 'island', 'jacket', 'jar', 'jelly', 'jewel', 'kettle', 'key',
  'kite', 'knife', 'ladder', 'lake', 'lamp', 'leaf', 'lemon', 'letter', 'lion', 'lock', 'map', 'mask', 'mirror',
  'monkey', 'mountain', 'mouse', 'mug', 'nail', 'needle', 'nest', 'net', 'notebook', 'oven', 'owl', 'paint',
  'pencil', 'pepper', 'piano', 'pillow', 'pipe', 'planet', 'plate', 'pocket', 'pond', 'puzzle', 'quilt', 'rabbit',
  'radio', 'ribbon', 'ring', 'robot', 'rope', 'sail', 'salad', 'sand', 'scarf', 'shell', 'ship', 'shirt', 'shoe',
  'sign', 'sink', 'sky', 'snake', 'sock', 'spoon', 'square', 'stair', 'star', 'stove', 'string', 'sweater', 'table',
  'tent', 'thread', 'ticket', 'tower', 'toy', 'tractor', 'train', 'tree', 'truck', 'trumpet', 'tunnel', 'valley',
  'vase', 'violin', 'wagon', 'wall', 'wand', 'watch', 'wave', 'whale', 'wheel', 'whistle', 'window', 'wing', 'wolf',
  'yard', 'zebra', 'album', 'anchor', 'attic', 'avenue', 'bakery', 'ballet', 'banner', 'battery', 'blender',
  'bracelet', 'breeze', 'bucket', 'cactus', 'canyon', 'carrot', 'cellar', 'cereal', 'charger', 'cinema', 'compass',
  'cookie', 'cottage', 'crayon', 'cricket', 'desert', 'dolphin', 'elbow', 'festival', 'folder', 'galaxy', 'gravel',
  'harvest', 'hedge', 'jungle', 'ladle', 'laptop', 'lobster', 'magnet', 'marathon', 'meadow', 'melon', 'muffin',
  'napkin', 'orbit', 'paddle', 'parcel', 'parrot', 'pebble', 'penguin', 'pigeon', 'pirate', 'pretzel', 'pumpkin',
  'raccoon', 'rocket', 'sandal', 'saucer', 'scooter', 'shovel', 'spider', 'sponge', 'statue', 'sunset', 'teapot',
  'thimble', 'tulip', 'turtle', 'umbrella', 'village', 'volcano', 'waffle', 'walnut', 'wizard'];

const ADJECTIVES = ['ancient', 'bold', 'brave', 'bright', 'calm', 'cheap', 'clean', 'clever', 'cold', 'cozy', 'crazy',
  'curly', 'dark', 'deep', 'dusty', 'early', 'easy', 'empty', 'fancy', 'fast', 'fresh', 'friendly', 'funny',
  'gentle', 'giant', 'glad', 'grand', 'happy', 'heavy', 'hidden', 'hollow', 'huge', 'jolly', 'kind', 'large', 'late',
  'lazy', 'little', 'long', 'loud', 'lucky', 'magic', 'merry', 'mighty', 'narrow', 'new', 'noisy', 'old', 'plain',
  'polite', 'proud', 'quick', 'quiet', 'rapid', 'rare', 'rich', 'rough', 'round', 'royal', 'rusty', 'sharp', 'shiny',
  'short', 'shy', 'silent', 'simple', 'sleepy', 'slow', 'small', 'smart', 'smooth', 'soft', 'solid', 'spicy',
  'square', 'steep', 'sticky', 'strange', 'strong', 'sunny', 'sweet', 'tall', 'tiny', 'tired', 'warm', 'wet', 'wide',
  'windy', 'wise', 'wooden', 'young', 'brown', 'black', 'grey', 'gray', 'violet', 'crimson', 'beige', 'olive'];

const VERBS = ['ask', 'bake', 'borrow', 'build', 'buy', 'carry', 'check', 'clean', 'climb', 'collect', 'cook', 'copy',
  'count', 'cut', 'dance', 'deliver', 'draw', 'drive', 'empty', 'explain', 'fill', 'find', 'finish', 'fix', 'fold',
  'follow', 'grab', 'help', 'hide', 'hire', 'invite', 'iron', 'join', 'keep', 'label', 'lend', 'lift', 'list',
  'load', 'mail', 'measure', 'mend', 'mix', 'open', 'order', 'pack', 'paint', 'plan', 'plant', 'polish', 'post',
  'prepare', 'print', 'read', 'repair', 'replace', 'return', 'sell', 'send', 'sew', 'share', 'sign', 'sort', 'start',
  'stop', 'sweep', 'switch', 'teach', 'test', 'tidy', 'train', 'try', 'unpack', 'visit', 'wash', 'wrap', 'write'];

/** Glue words: kept even where an eval phrase uses them (they are not entities). */
export const FUNCTION_WORDS = ['the', 'a', 'my', 'our', 'for', 'with', 'to', 'at', 'on', 'in', 'and', 'from', 'before',
  'after', 'new', 'two', 'three', 'some'];

/** The first generator of made-up names (2–3 of these syllables), kept so the train stream is unchanged. */
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ten', 'vi', 'zu', 'bel', 'dor', 'fi', 'ga', 'hen', 'jo', 'lin', 'mar', 'nor',
  'pe', 'qui', 'sa', 'tor', 'ul', 'ven', 'wy', 'xa', 'yo', 'zan', 'bri', 'cal', 'del', 'ev'];

const ONSETS = ['b', 'bl', 'br', 'c', 'ch', 'cl', 'cr', 'd', 'dr', 'f', 'fl', 'fr', 'g', 'gl', 'gr', 'h', 'j', 'k',
  'kl', 'l', 'm', 'n', 'p', 'ph', 'pl', 'pr', 'qu', 'r', 's', 'sc', 'sh', 'sk', 'sl', 'sm', 'sn', 'sp', 'st', 'str',
  'sw', 't', 'th', 'tr', 'v', 'w', 'wh', 'y', 'z', '', '', ''];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'i', 'o', 'ai', 'ea', 'ee', 'ie', 'oa', 'oo', 'ou', 'y', 'au', 'ei'];
const CODAS = ['', '', '', '', 'b', 'ck', 'd', 'f', 'g', 'k', 'l', 'll', 'm', 'n', 'nd', 'ng', 'nk', 'nt', 'p', 'r',
  'rd', 'rn', 'rt', 's', 'sh', 'ss', 'st', 't', 'th', 'x', 'z', 'ld', 'lt', 'mp', 'ns', 'rk'];

export interface OpenVocab {
  /** A made-up capitalised name of 1–4 onset–vowel–coda syllables: a spelling no model has memorised. */
  pseudoName(): string;
  /** A made-up capitalised name of 2–3 syllables from a small fixed set (e.g. "Kalomi"). */
  syllableName(): string;
  noun(): string;
  adjective(): string;
  verb(): string;
  /** A short phrase of ordinary and made-up words, lowercase. */
  phrase(minWords: number, maxWords: number): string;
  /** A title of 1–4 capitalised words. */
  title(): string;
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** `banned` removes words (case-insensitively) so no eval-pool word can appear in training data. */
export function openVocab(rng: Rng, banned: ReadonlySet<string>): OpenVocab {
  const keep = (xs: readonly string[]) => [...new Set(xs)].filter((w) => !banned.has(w.toLowerCase()));
  const nouns = keep(NOUNS);
  const adjectives = keep(ADJECTIVES);
  const verbs = keep(VERBS);
  const word = (): string => {
    for (;;) {
      const n = rng.weighted<number>([[1, 3], [2, 5], [3, 3], [4, 1]]);
      let s = '';
      for (let i = 0; i < n; i++) s += rng.pick(ONSETS) + rng.pick(VOWELS) + rng.pick(CODAS);
      if (s.length >= 3 && s.length <= 14 && !banned.has(s)) return s;
    }
  };
  const anyWord = (): string => rng.weighted<() => string>([
    [() => rng.pick(nouns), 4], [() => rng.pick(adjectives), 2], [() => rng.pick(verbs), 2], [word, 2],
  ])();
  return {
    pseudoName: () => cap(word()),
    syllableName() {
      for (;;) {
        const n = rng.int(2, 3);
        let s = '';
        for (let i = 0; i < n; i++) s += rng.pick(SYLLABLES);
        if (!banned.has(s)) return cap(s); // "lo"+"cal" is the eval word "local"
      }
    },
    noun: () => rng.pick(nouns),
    adjective: () => rng.pick(adjectives),
    verb: () => rng.pick(verbs),
    phrase(minWords, maxWords) {
      const n = rng.int(minWords, maxWords);
      const words: string[] = [];
      for (let i = 0; i < n; i++) {
        words.push(i > 0 && i < n - 1 && rng.chance(0.25) ? rng.pick(FUNCTION_WORDS) : anyWord());
      }
      return words.join(' ');
    },
    title() {
      const n = rng.int(1, 4);
      return Array.from({ length: n }, () => cap(anyWord())).join(' ');
    },
  };
}

/** Every lowercase word of the given phrases (for banning eval-pool words from the open vocabulary). */
export function wordsOf(phrases: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of phrases) for (const w of p.toLowerCase().split(/[^a-z]+/)) if (w) out.add(w);
  return out;
}
