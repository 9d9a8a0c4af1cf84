/** A session as lists show it: what the per-user index keeps and the session object reports. */
export interface SessionSummary {
  id: string;
  title: string | null;
  createdAt: number;
  updatedAt: number;
}
