/**
 * A button shown as a line icon: its label is what screen readers say and what a
 * hover shows; `path` is the icon's outline in a 24 x 24 box, stroked in the text colour.
 */

interface IconButtonProps {
  label: string;
  testId: string;
  onClick: () => void;
  /** Beside `icon-button`. */
  className?: string;
  /** SVG path data of the outline. */
  path: string;
}

export function IconButton({ label, testId, onClick, className, path }: IconButtonProps) {
  return (
    <button
      type="button"
      className={className ? `icon-button ${className}` : 'icon-button'}
      aria-label={label}
      title={label}
      data-testid={testId}
      onClick={onClick}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path d={path} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
    </button>
  );
}
