/**
 * Avatars generated locally (the machine may be offline): a colour and initials
 * derived from the username, and an identicon as an SVG data URL. Pure functions
 * with no Node imports, so the web client computes the same avatar for an author
 * name it sees on a message.
 */
import type { Avatar } from './types.ts';

/** Twelve colours that keep white initials readable (contrast >= 4.5:1). */
const palette = [
  '#b4324b',
  '#a8431e',
  '#8a5a00',
  '#4d6b16',
  '#1d7040',
  '#0e6f6a',
  '#1769aa',
  '#3a55b4',
  '#5b45b0',
  '#7e3aa6',
  '#9c2f80',
  '#5f6670',
];

export function avatarFor(username: string): Avatar {
  return { initials: initialsOf(username), color: palette[fnv1a(username) % palette.length]! };
}

/**
 * A 5x5 mirrored identicon for `seed` as a `data:image/svg+xml` URL, usable as an
 * `<img src>` (an image, so it cannot run script).
 * @example identiconDataUrl('ada') // 'data:image/svg+xml,%3Csvg ...'
 */
export function identiconDataUrl(seed: string, size = 40): string {
  const hash = fnv1a(seed);
  const color = palette[hash % palette.length]!;
  const cell = size / 5;
  const cells: string[] = [];
  // 15 bits decide the left three columns; the right two mirror them.
  for (let column = 0; column < 3; column++) {
    for (let row = 0; row < 5; row++) {
      if (((hash >>> (column * 5 + row + 4)) & 1) === 0) continue;
      for (const x of column === 2 ? [2] : [column, 4 - column]) {
        cells.push(`<rect x="${x * cell}" y="${row * cell}" width="${cell}" height="${cell}"/>`);
      }
    }
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">` +
    `<rect width="${size}" height="${size}" fill="#f1f3f5"/><g fill="${color}">${cells.join('')}</g></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** `ada` -> `A`, `grace.hopper` -> `GH`, `guest-witty-otter-417` -> `WO` (the generated words). */
function initialsOf(username: string): string {
  const words = username
    .replace(/^guest-/, '')
    .split(/[_.\-\d]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? words[0]![0]! + words[1]![0]! : (words[0] ?? username).slice(0, 1);
  return (letters || '?').toUpperCase();
}

/** 32-bit FNV-1a over UTF-16 code units: small, fast and stable across runtimes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
