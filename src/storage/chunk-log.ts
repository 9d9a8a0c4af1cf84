import { deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * The durable, ordered log of every chunk of every turn, keyed by a session-wide sequence number
 * (the cursor clients resume from). Written on the hot path, so it speaks to SQLite directly with
 * one prepared-shape INSERT per flushed batch (the table is defined in schema.ts and created by the
 * drizzle migrations), and it counts rows written from the SQL cursors so the benchmark can report
 * what durability costs.
 *
 * A row's `body` is either the chunks' JSON joined by newlines (TEXT, as written live) or the same
 * text deflated (a BLOB, once the turn is finished and compacted): reads treat both alike, so a
 * cursor resume returns the same bytes before and after compaction.
 */
export interface ChunkLogStats {
  /** rows written by appends: the live path's cost */
  rowsWritten: number;
  /**
   * rows written by compaction (one update and a delete per row it replaces). The deletes would come
   * anyway when retention prunes the rows (pruneBefore), so over a turn's life compaction adds about
   * one row; it only moves the deletes earlier.
   */
  compactionRowsWritten: number;
  batches: number;
  chunks: number;
  bytes: number;
  /** bytes of `body` the log keeps now, compressed or not (a query, not a counter) */
  keptBytes: number;
}

/**
 * characters of chunk JSON one compacted row holds at most. Compressed chat text is a third to a
 * tenth of this, so a row stays far below SQLite's 2 MB value limit, and a cursor resume into a long
 * turn inflates at most this much to find its chunk.
 */
const COMPACT_ROW_CHARS = 1024 * 1024;

const decoder = new TextDecoder();

export class ChunkLog {
  private readonly counters = { rowsWritten: 0, compactionRowsWritten: 0, batches: 0, chunks: 0, bytes: 0 };
  /** The last compacted row read, inflated: a replay pages through one row many times. */
  private inflated: { seq: number; lines: string[] } | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get stats(): ChunkLogStats {
    const kept = this.sql.exec<{ bytes: number | null }>("SELECT sum(length(body)) AS bytes FROM chunk_batches").one();
    return { ...this.counters, keptBytes: kept.bytes ?? 0 };
  }

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
    this.counters.rowsWritten += cursor.rowsWritten;
    this.counters.batches += 1;
    this.counters.chunks += lines.length;
    this.counters.bytes += body.length;
  }

  /**
   * Chunk JSON for sequences `from .. to` inclusive, in order. Reads only the batches that overlap the
   * range: the one holding `from` (found by the primary key) and those after it. Each sequence is
   * taken once, from the first row that holds it, so rows that overlap (a compaction interrupted
   * between its update and its delete) never yield a duplicate.
   */
  read(from: number, to: number): string[] {
    if (to < from) return [];
    const rows = this.sql
      .exec<{ seq: number; body: string | ArrayBuffer }>(
        `SELECT seq, body FROM chunk_batches
          WHERE seq <= ? AND seq >= coalesce((SELECT max(seq) FROM chunk_batches WHERE seq <= ?), 0)
          ORDER BY seq`,
        to,
        from,
      )
      .toArray();
    const out: string[] = [];
    let next = from;
    for (const row of rows) {
      const lines = this.linesOf(row);
      for (let seq = Math.max(next, row.seq); seq <= to && seq < row.seq + lines.length; seq++) {
        out.push(lines[seq - row.seq]!);
        next = seq + 1;
      }
    }
    return out;
  }

  /**
   * Rewrites the rows of a finished turn (`firstSeq .. lastSeq`) as few deflated rows, each keeping
   * its chunks' sequences: what a finished turn keeps for cursor resumes shrinks to its compressed
   * size, and a resume reads the same chunks. Each group's first row is updated in place before the
   * rest are deleted, so no moment (and no failure) leaves a sequence without a row. Returns the rows
   * the turn had.
   */
  compact(firstSeq: number, lastSeq: number): number {
    const rows = this.sql
      .exec<{ seq: number; count: number; body: string | ArrayBuffer }>(
        "SELECT seq, count, body FROM chunk_batches WHERE seq >= ? AND seq <= ? ORDER BY seq",
        firstSeq,
        lastSeq,
      )
      .toArray();
    if (rows.length < 2 || rows.some((r) => typeof r.body !== "string")) return rows.length;
    let group: typeof rows = [];
    let chars = 0;
    const writeGroup = () => {
      if (group.length === 0) return;
      const head = group[0]!;
      const tail = group.at(-1)!;
      const count = group.reduce((n, r) => n + r.count, 0);
      const body = deflateRawSync(group.map((r) => r.body as string).join("\n"));
      let written = this.sql.exec("UPDATE chunk_batches SET count = ?, body = ? WHERE seq = ?", count, body, head.seq).rowsWritten;
      if (group.length > 1) {
        written += this.sql.exec("DELETE FROM chunk_batches WHERE seq > ? AND seq <= ?", head.seq, tail.seq).rowsWritten;
      }
      this.counters.compactionRowsWritten += written;
      group = [];
      chars = 0;
    };
    for (const row of rows) {
      const length = (row.body as string).length;
      if (chars + length > COMPACT_ROW_CHARS) writeGroup();
      group.push(row);
      chars += length;
    }
    writeGroup();
    this.inflated = undefined;
    return rows.length;
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
    this.inflated = undefined;
    return this.sql.exec("DELETE FROM chunk_batches WHERE seq + count <= ?", seq).rowsWritten;
  }

  private linesOf(row: { seq: number; body: string | ArrayBuffer }): string[] {
    if (typeof row.body === "string") return row.body.split("\n");
    if (this.inflated?.seq !== row.seq) {
      this.inflated = { seq: row.seq, lines: decoder.decode(inflateRawSync(new Uint8Array(row.body))).split("\n") };
    }
    return this.inflated.lines;
  }
}
