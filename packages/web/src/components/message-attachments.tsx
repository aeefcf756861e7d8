/**
 * The files on a message: images as thumbnails (their space reserved from the
 * size the server read, so the list does not jump as they load) that open the
 * viewer, other files as download buttons with their size. Links are asked for
 * only when shown, and are short-lived (docs/protocol.md, "Files").
 */
import type { Attachment, Message } from '@switchboard/chat/api';
import { useState } from 'react';
import { useFileApi } from '../files/file-api-context.ts';
import { useFileLink } from '../files/use-file-link.ts';
import { useChatClient } from './chat-context.ts';
import { formatBytes } from './file-size.ts';
import { ImageViewer } from './image-viewer.tsx';

/** Largest thumbnail side, in CSS pixels. */
const thumbnailMax = 240;
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function MessageAttachments({ message }: { message: Message }) {
  const [viewing, setViewing] = useState<Attachment | null>(null);
  if (message.attachments.length === 0) return null;
  return (
    <div className="attachments" data-testid="attachments">
      {message.attachments.map((attachment) =>
        imageTypes.has(attachment.type) ? (
          <button
            key={attachment.id}
            type="button"
            className="attachment-image"
            aria-label={`Open image ${attachment.name}`}
            data-testid="attachment-image"
            onClick={() => setViewing(attachment)}
          >
            <Thumbnail messageId={message.id} attachment={attachment} />
          </button>
        ) : (
          <FileButton key={attachment.id} messageId={message.id} attachment={attachment} />
        ),
      )}
      {viewing && <ImageViewer messageId={message.id} attachment={viewing} onClose={() => setViewing(null)} />}
    </div>
  );
}

function Thumbnail({ messageId, attachment }: { messageId: string; attachment: Attachment }) {
  const { url, failed } = useFileLink(messageId, attachment.id);
  const { width, height } = thumbnailSize(attachment);
  if (failed) return <span className="attachment-image__missing">{attachment.name} is not available</span>;
  return url === null ? (
    <span className="attachment-image__placeholder" style={{ width, height }} />
  ) : (
    <img src={url} alt={attachment.name} width={width} height={height} loading="lazy" data-testid="thumbnail" />
  );
}

function FileButton({ messageId, attachment }: { messageId: string; attachment: Attachment }) {
  const api = useFileApi();
  const client = useChatClient();
  return (
    <button
      type="button"
      className="attachment-file"
      data-testid="attachment-file"
      onClick={() =>
        api.link(messageId, attachment.id).then(
          (link) => {
            // The server serves it as a download (Content-Disposition: attachment), never as a page.
            const anchor = document.createElement('a');
            anchor.href = link.url;
            anchor.download = attachment.name;
            anchor.rel = 'noopener noreferrer';
            anchor.click();
          },
          (error: Error) => client.notify(error.message),
        )
      }
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path d="M6 2h8l4 4v16H6z M14 2v4h4" fill="none" stroke="currentColor" strokeWidth="1.6" />
      </svg>
      <span className="attachment-file__name">{attachment.name}</span>
      <span className="muted">{formatBytes(attachment.size)}</span>
    </button>
  );
}

/** The thumbnail's size: the image's, scaled down to fit `thumbnailMax` (a square of it when the size is unknown). */
function thumbnailSize(attachment: Attachment): { width: number; height: number } {
  const { width = thumbnailMax, height = thumbnailMax } = attachment;
  const scale = Math.min(1, thumbnailMax / width, thumbnailMax / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
