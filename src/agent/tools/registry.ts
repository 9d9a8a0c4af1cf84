import type { Tool } from "../tool";
import { calculator } from "./calculator";
import { currentTime } from "./current-time";
import { fetchUrl } from "./fetch-url";
import { wait } from "./wait";

/** Every built-in tool, by name. A deployment enables a subset with the TOOLS var. */
export const BUILT_IN_TOOLS: readonly Tool[] = [currentTime, calculator, fetchUrl, wait];

export function enabledTools(names: readonly string[] | "all"): ReadonlyMap<string, Tool> {
  const enabled = BUILT_IN_TOOLS.filter((tool) => names === "all" || names.includes(tool.name));
  return new Map(enabled.map((tool) => [tool.name, tool]));
}
