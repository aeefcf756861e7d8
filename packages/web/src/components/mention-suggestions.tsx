/**
 * The `@name` suggestions of a composer (mention-typing.ts): a listbox the
 * composer drives from the keyboard while focus stays in the text box
 * (`aria-activedescendant`). A click takes one too. Nothing shows while there
 * is nothing to suggest.
 */
import { type MentionTyping, optionId } from './mention-typing.ts';

export function MentionSuggestions({ id, typing }: { id: string; typing: MentionTyping }) {
  if (typing.suggestions.length === 0) return null;
  return (
    <div id={id} className="mention-suggestions" role="listbox" aria-label="People to mention" data-testid="mentions">
      {typing.suggestions.map((suggestion, index) => (
        <div
          key={suggestion.username}
          id={optionId(id, index)}
          role="option"
          // Focus stays in the text box (aria-activedescendant); -1 keeps the option out of the tab order.
          tabIndex={-1}
          aria-selected={index === typing.active}
          className="mention-suggestions__option"
          data-testid="mention-option"
          // Taken on mouse down, before the text box would lose focus.
          onMouseDown={(event) => {
            event.preventDefault();
            typing.pick(suggestion.username);
          }}
        >
          <span className="mention-suggestions__name">@{suggestion.username}</span>
          {suggestion.note !== '' && <span className="mention-suggestions__note">{suggestion.note}</span>}
        </div>
      ))}
    </div>
  );
}
