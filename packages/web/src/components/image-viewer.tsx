/**
 * An image at full size in a native modal `<dialog>`: focus stays inside, Escape
 * or the close button closes it, and focus goes back to the thumbnail.
 */
import type { Attachment } from '@switchboard/chat/api';
import { useEffect, useId, useRef } from 'react';
import { useFileLink } from '../files/use-file-link.ts';
import { DialogHeader } from './dialog-header.tsx';
import { formatBytes } from './file-size.ts';

interface ImageViewerProps {
  messageId: string;
  attachment: Attachment;
  onClose: () => void;
}

export function ImageViewer({ messageId, attachment, onClose }: ImageViewerProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { url } = useFileLink(messageId, attachment.id);
  const id = useId();

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog image-viewer"
      aria-labelledby={`${id}-title`}
      data-testid="image-viewer"
      onClose={onClose}
    >
      <DialogHeader
        titleId={`${id}-title`}
        titleClassName="image-viewer__title"
        onClose={() => dialog.current?.close()}
      >
        {attachment.name}
      </DialogHeader>
      {url !== null && <img className="image-viewer__image" src={url} alt={attachment.name} />}
      <p className="muted image-viewer__meta">
        {attachment.width !== undefined && `${attachment.width} × ${attachment.height} · `}
        {formatBytes(attachment.size)}
        {url !== null && (
          <>
            {' · '}
            <a href={url} download={attachment.name} rel="noopener noreferrer" target="_blank">
              Download
            </a>
          </>
        )}
      </p>
    </dialog>
  );
}
