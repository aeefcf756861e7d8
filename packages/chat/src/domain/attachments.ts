/**
 * File attachments: what a message says about a file, the limits on files, and
 * how a file's type is checked from its content (docs/protocol.md, "Files").
 *
 * A declared type is never trusted on its own: a file declared as an image, a
 * PDF or a ZIP archive must start with that format's signature, and a text file
 * must not start like one of those (nor hold NUL bytes). So a page of HTML sent
 * as `image/png` is refused, and what is served as an image is one. SVG is not
 * allowed at all: it is a document that runs scripts when opened inline.
 */
import { ChatError } from './errors.ts';

/** A file on a message, as every client sees it. */
export interface Attachment {
  /** Opaque, unique; names the file together with its message. */
  id: string;
  /** The file's name as the sender gave it, made safe (no path, no control characters, at most 200 characters). */
  name: string;
  /** Bytes. */
  size: number;
  /** The MIME type, checked against the content. */
  type: string;
  /** Pixels, for images whose header says so (PNG, GIF, WebP, JPEG): clients reserve the space before loading. */
  width?: number;
  height?: number;
}

/** What a client names when it attaches an uploaded file to a message. */
export interface AttachmentInput {
  id: string;
  name: string;
  type: string;
}

export interface FileLimits {
  /** Largest file, in bytes. @default 10485760 (10 MiB) */
  maxBytes: number;
  /** Attachments on one message. @default 4 */
  maxPerMessage: number;
  /** MIME types that may be attached. @default `defaultAllowedTypes` */
  allowedTypes: readonly string[];
}

/** Images, PDF, ZIP and plain text formats; never SVG or HTML (they run scripts when opened). */
export const defaultAllowedTypes: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'application/zip',
  'text/plain',
  'text/markdown',
  'text/csv',
];

export const defaultFileLimits: FileLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxPerMessage: 4,
  allowedTypes: defaultAllowedTypes,
};

/** Types that render inline as images; every other file is served as a download. */
export const imageTypes: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** How many first bytes `checkContent` reads: enough for every signature and a JPEG's frame header after its metadata. */
export const SNIFF_BYTES = 65_536;

/** Longest file name kept, in code points. */
export const FILE_NAME_MAX_LENGTH = 200;

/** The first bytes of each format whose content is checked. */
const signatures: ReadonlyArray<{ type: string; matches: (head: Buffer) => boolean }> = [
  { type: 'image/png', matches: (head) => startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', matches: (head) => startsWith(head, [0xff, 0xd8, 0xff]) },
  {
    type: 'image/gif',
    matches: (head) =>
      head
        .subarray(0, 6)
        .toString('latin1')
        .match(/^GIF8[79]a$/) !== null,
  },
  {
    type: 'image/webp',
    matches: (head) => head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP',
  },
  { type: 'application/pdf', matches: (head) => head.toString('latin1', 0, 5) === '%PDF-' },
  { type: 'application/zip', matches: (head) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]) },
];

/** The format the bytes start with, or `undefined` for none of the checked ones. */
export function sniffType(head: Buffer): string | undefined {
  return signatures.find(({ matches }) => matches(head))?.type;
}

/**
 * The type a file is stored and served as: `declared` (parameters dropped, lower
 * case) when it is allowed and the first bytes agree with it. Throws
 * `FILE_TYPE_NOT_ALLOWED` otherwise.
 */
export function checkContent(declared: string, head: Buffer, allowedTypes: readonly string[]): string {
  const type = normalizeType(declared);
  if (!allowedTypes.includes(type)) {
    throw new ChatError('FILE_TYPE_NOT_ALLOWED', `Files of type ${JSON.stringify(type)} cannot be attached.`);
  }
  const sniffed = sniffType(head);
  const checked = signatures.some((signature) => signature.type === type);
  const agrees = checked ? sniffed === type : sniffed === undefined && !head.includes(0);
  if (!agrees) {
    throw new ChatError('FILE_TYPE_NOT_ALLOWED', `The file's content is not ${type}.`);
  }
  return type;
}

/** `image/PNG; charset=x` -> `image/png`. */
export function normalizeType(declared: string): string {
  return declared.split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * A name that is safe to show and to put in a `Content-Disposition` header: the
 * last path segment, control and bidi characters removed, trimmed, at most
 * `FILE_NAME_MAX_LENGTH` code points, cut before its extension so a long name
 * still opens with the right program; `file` when nothing is left.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).at(-1) ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  const kept = shortened(Array.from(cleaned)).join('');
  return kept === '' || kept === '.' || kept === '..' ? 'file' : kept;
}

/** An extension this long or shorter (the dot included) is kept when a name is cut. */
const EXTENSION_MAX_LENGTH = 16;

function shortened(chars: string[]): string[] {
  if (chars.length <= FILE_NAME_MAX_LENGTH) return chars;
  const dot = chars.lastIndexOf('.');
  const extension = dot > 0 ? chars.slice(dot) : [];
  if (extension.length < 2 || extension.length > EXTENSION_MAX_LENGTH) return chars.slice(0, FILE_NAME_MAX_LENGTH);
  return [...chars.slice(0, FILE_NAME_MAX_LENGTH - extension.length), ...extension];
}

/** An image's size from its header, when the format says it early (it is read only from `head`). */
export function imageDimensions(type: string, head: Buffer): { width: number; height: number } | undefined {
  const size = (() => {
    switch (type) {
      case 'image/png':
        // IHDR is the first chunk: width and height at bytes 16 and 20, big-endian.
        return head.length >= 24 ? { width: head.readUInt32BE(16), height: head.readUInt32BE(20) } : undefined;
      case 'image/gif':
        return head.length >= 10 ? { width: head.readUInt16LE(6), height: head.readUInt16LE(8) } : undefined;
      case 'image/webp':
        return webpDimensions(head);
      case 'image/jpeg':
        return jpegDimensions(head);
      default:
        return undefined;
    }
  })();
  return size && size.width > 0 && size.height > 0 ? size : undefined;
}

function webpDimensions(head: Buffer): { width: number; height: number } | undefined {
  if (head.length < 30) return undefined;
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + head.readUIntLE(24, 3), height: 1 + head.readUIntLE(27, 3) };
  if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = head.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  return undefined;
}

/** Walks the JPEG segments to the first start-of-frame marker, which holds the size. */
function jpegDimensions(head: Buffer): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 <= head.length) {
    if (head[offset] !== 0xff) return undefined;
    const marker = head[offset + 1]!;
    // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: head.readUInt16BE(offset + 5), width: head.readUInt16BE(offset + 7) };
    }
    offset += 2 + head.readUInt16BE(offset + 2);
  }
  return undefined;
}

function startsWith(head: Buffer, bytes: readonly number[]): boolean {
  return head.length >= bytes.length && bytes.every((byte, index) => head[index] === byte);
}
