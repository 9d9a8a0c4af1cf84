import type { Siblings } from "./api-client";

interface BranchSwitcherProps {
  siblings: Siblings;
  /** what the versions are, for screen readers: "version" of a message, "answer" of a question */
  noun: "version" | "answer";
  /** while a turn runs (or a switch is under way) the server would refuse a switch anyway */
  disabled: boolean;
  /** switches to the branch through this sibling's sequence */
  onSwitch: (seq: number) => void;
}

/** "‹ 2 / 3 ›" on a message that has siblings: other versions of an edit, other answers of a regeneration. */
export function BranchSwitcher({ siblings, noun, disabled, onSwitch }: BranchSwitcherProps) {
  const { index, count, seqs } = siblings;
  const previous = seqs[index - 1];
  const next = seqs[index + 1];
  return (
    <span className="branch-switcher" data-testid="branch-switcher" data-index={index} data-count={count}>
      <button
        type="button"
        className="action branch-step"
        data-testid="branch-previous"
        aria-label={`Previous ${noun}`}
        disabled={disabled || previous === undefined}
        onClick={() => previous !== undefined && onSwitch(previous)}
      >
        ‹
      </button>
      <span className="branch-position" data-testid="branch-position">
        <span aria-hidden="true">
          {index + 1} / {count}
        </span>
        <span className="sr-only">
          {noun} {index + 1} of {count}
        </span>
      </span>
      <button
        type="button"
        className="action branch-step"
        data-testid="branch-next"
        aria-label={`Next ${noun}`}
        disabled={disabled || next === undefined}
        onClick={() => next !== undefined && onSwitch(next)}
      >
        ›
      </button>
    </span>
  );
}
