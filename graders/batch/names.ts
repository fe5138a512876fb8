/**
 * Student ids from the names of the entries of a submissions folder. A name is bytes chosen by
 * whoever made the folder: not always UTF-8, free to hold control characters (a newline, an
 * ESC that recolours a terminal), invisible formatting characters, backslashes, or letters
 * that differ from another student's only in case or Unicode normalisation (macOS writes
 * names decomposed).
 *
 * An id is the name decoded as UTF-8 with what cannot be shown safely escaped: `\xHH` for a
 * byte that is not UTF-8 (80-FF) or an ASCII control character (00-1F, 7F), `\u{H..}` for
 * any other control or formatting character, `\\` for a backslash. The escaping is
 * injective: a name that needs none holds no backslash, every escaped one does, and each
 * escape reads back to exactly one byte or character. So two names never share an id; the
 * only shared ids are `alice/` and `alice.zip`, which intake refuses as a duplicate.
 */

/** Characters shown escaped: controls (Cc), formatting such as bidi overrides and zero widths (Cf), line and paragraph separators. */
const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/**
 * The UTF-8 sequence at `at`: its code point and length, or undefined when the byte there
 * does not start a well-formed one (a stray continuation byte, a truncated, overlong or
 * surrogate sequence, past U+10FFFF). RFC 3629, section 4.
 */
function utf8At(bytes: Uint8Array, at: number): { cp: number; length: number } | undefined {
  const b0 = bytes[at];
  if (b0 < 0x80) return { cp: b0, length: 1 };
  const [length, min] = b0 >= 0xc2 && b0 <= 0xdf ? [2, 0x80] : b0 >= 0xe0 && b0 <= 0xef ? [3, 0x800] : b0 >= 0xf0 && b0 <= 0xf4 ? [4, 0x10000] : [0, 0];
  if (length === 0 || at + length > bytes.length) return undefined;
  let cp = b0 & (0xff >> (length + 1));
  for (let i = 1; i < length; i++) {
    if ((bytes[at + i] & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (bytes[at + i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return { cp, length };
}

/** Why a name had to be escaped, in words for the gradebook's message. */
export type NameOddity = 'is not valid UTF-8' | 'holds control or invisible characters' | 'holds a backslash';

/** The id of an entry name (its bytes), and why it had to be escaped, if it did. */
export function studentId(name: Uint8Array): { id: string; oddities: NameOddity[] } {
  const oddities = new Set<NameOddity>();
  let id = '';
  for (let at = 0; at < name.length; ) {
    const seq = utf8At(name, at);
    if (!seq) {
      oddities.add('is not valid UTF-8');
      id += `\\x${hex(name[at], 2)}`;
      at += 1;
      continue;
    }
    const ch = String.fromCodePoint(seq.cp);
    if (ch === '\\') {
      oddities.add('holds a backslash');
      id += '\\\\';
    } else if (UNSHOWABLE.test(ch)) {
      oddities.add('holds control or invisible characters');
      id += seq.cp < 0x80 ? `\\x${hex(seq.cp, 2)}` : `\\u{${hex(seq.cp, 4)}}`;
    } else id += ch;
    at += seq.length;
  }
  return { id, oddities: [...oddities] };
}

/** Text from a submission (a zip entry's name) made safe to quote in a message: controls escaped, as in ids. */
export function showable(text: string): string {
  return [...text].map((ch) => (UNSHOWABLE.test(ch) ? (ch.codePointAt(0)! < 0x80 ? `\\x${hex(ch.codePointAt(0)!, 2)}` : `\\u{${hex(ch.codePointAt(0)!, 4)}}`) : ch)).join('');
}

/** What two ids that a person would read as one have in common: case, normalisation and surrounding spaces folded. */
export function lookalikeKey(id: string): string {
  return id.normalize('NFKC').toLowerCase().normalize('NFKC').trim();
}

/** How `id` differs from a lookalike, in words. */
export function lookalikeDifference(id: string, other: string): string {
  if (id.normalize('NFC') === other.normalize('NFC')) {
    const form = (s: string) => (s === s.normalize('NFC') ? 'composed (NFC)' : s === s.normalize('NFD') ? 'decomposed (NFD, as macOS writes names)' : 'partly decomposed');
    return `Unicode normalisation: this name is ${form(id)}, the other ${form(other)}`;
  }
  if (id.toLowerCase() === other.toLowerCase()) return 'letter case';
  if (id.trim() === other.trim()) return 'surrounding spaces';
  return 'letter case or Unicode normalisation (compatibility forms)';
}
