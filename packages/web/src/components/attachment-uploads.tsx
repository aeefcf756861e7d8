/** The files attached in the composer, each with its upload progress, or why it failed, and a remove button. */
import type { Upload } from '../files/use-uploads.ts';
import { formatBytes } from './file-size.ts';

export function AttachmentUploads({ uploads, onRemove }: { uploads: Upload[]; onRemove: (key: string) => void }) {
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label="Attached files" data-testid="uploads">
      {uploads.map((upload) => (
        <li
          key={upload.key}
          className={`upload upload--${upload.status}`}
          data-testid="upload"
          data-status={upload.status}
        >
          <span className="upload__name" title={upload.name}>
            {upload.name}
          </span>
          <span className="upload__size muted">{formatBytes(upload.size)}</span>
          {upload.status === 'uploading' && (
            <progress
              className="upload__progress"
              max={1}
              value={upload.progress}
              aria-label={`Uploading ${upload.name}`}
              data-testid="upload-progress"
            />
          )}
          {upload.status === 'failed' && (
            <span className="upload__error" role="alert">
              {upload.error}
            </span>
          )}
          <button
            type="button"
            className="icon-button upload__remove"
            aria-label={`Remove ${upload.name}`}
            onClick={() => onRemove(upload.key)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
