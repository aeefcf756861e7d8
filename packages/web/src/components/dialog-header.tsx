/** A dialog's title (its id for the dialog's `aria-labelledby`) and the button that closes it. */
import type { ReactNode } from 'react';

interface DialogHeaderProps {
  titleId: string;
  titleClassName?: string;
  onClose: () => void;
  children: ReactNode;
}

export function DialogHeader({ titleId, titleClassName, onClose, children }: DialogHeaderProps) {
  return (
    <div className="dialog__header">
      <h2 id={titleId} className={titleClassName}>
        {children}
      </h2>
      <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
        ×
      </button>
    </div>
  );
}
