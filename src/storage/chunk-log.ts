/**
 * The durable, ordered log of every chunk of every turn, keyed by a session-wide sequence number
 * (the cursor clients resume from). Written on the hot path, so it speaks to SQLite directly with
 * one prepared-shape INSERT per flushed batch (the table is defined in schema.ts and created by the
 * drizzle migrations), and it counts rows written from the SQL cursors so the benchmark can report
 * what durability costs.
 */
export interface ChunkLogStats {
  rowsWritten: number;
  batches: number;
  chunks: number;
  bytes: number;
}

export class ChunkLog {
  readonly stats: ChunkLogStats = { rowsWritten: 0, batches: 0, chunks: 0, bytes: 0 };

  constructor(private readonly sql: SqlStorage) {}

  /** Appends chunks `firstSeq .. firstSeq + lines.length - 1` of `turn` as one row. Synchronous. */
  append(turn: number, firstSeq: number, lines: readonly string[]): void {
    const body = lines.join("\n");
    const cursor = this.sql.exec(
      "INSERT INTO chunk_batches (seq, turn, count, body) VALUES (?, ?, ?, ?)",
      firstSeq,
      turn,
      lines.length,
      body,
    );
    this.stats.rowsWritten += cursor.rowsWritten;
    this.stats.batches += 1;
    this.stats.chunks += lines.length;
    this.stats.bytes += body.length;
  }

  /**
   * Chunk JSON for sequences `from .. to` inclusive, in order. Reads only the batches that overlap the
   * range: the one holding `from` (found by the primary key) and those after it.
   */
  read(from: number, to: number): string[] {
    if (to < from) return [];
    const rows = this.sql
      .exec<{ seq: number; body: string }>(
        `SELECT seq, body FROM chunk_batches
          WHERE seq <= ? AND seq >= coalesce((SELECT max(seq) FROM chunk_batches WHERE seq <= ?), 0)
          ORDER BY seq`,
        to,
        from,
      )
      .toArray();
    const out: string[] = [];
    for (const row of rows) {
      const lines = row.body.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const seq = row.seq + i;
        if (seq >= from && seq <= to) out.push(lines[i]!);
      }
    }
    return out;
  }

  /** Highest chunk sequence stored at or after `from`, or `from - 1` when none is. */
  lastSeqFrom(from: number): number {
    const row = this.sql.exec<{ last: number | null }>("SELECT max(seq + count - 1) AS last FROM chunk_batches WHERE seq >= ?", from).one();
    return row.last ?? from - 1;
  }

  /** Highest chunk sequence ever stored, or -1. */
  lastSeq(): number {
    return this.lastSeqFrom(0);
  }

  /** Removes whole batches that end before `seq`; returns how many rows went. */
  pruneBefore(seq: number): number {
    return this.sql.exec("DELETE FROM chunk_batches WHERE seq + count <= ?", seq).rowsWritten;
  }
}
