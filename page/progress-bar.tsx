import type { Progress } from "./chat-message";

/** A long job's progress (`data-progress`): "Waiting 2/3". */
export function ProgressBar({ progress }: { progress: Progress }) {
  const { step, steps, label } = progress;
  return (
    <div className="progress" data-testid="progress">
      <progress max={steps} value={step} />
      <span>
        {label ?? "Working"} {step}/{steps}
      </span>
    </div>
  );
}
