import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type Attachment, kindOf, MAX_FILES, mediaTypeOf, refusalOf } from "./attachments";

export interface Attachments {
  list: readonly Attachment[];
  /** why the last files were not attached (or a send with files refused), until dismissed */
  error: string | null;
  add: (files: Iterable<File>) => void;
  remove: (id: string) => void;
  /** after a send: the files leave the composer (their previews stay, the conversation may show them) */
  take: () => readonly Attachment[];
  /** a refused send: the files come back */
  restore: (attachments: readonly Attachment[]) => void;
  setError: (error: string | null) => void;
}

let nextId = 0;

/** The composer's files: added by the button, a paste or a drop; refused ones explained, never silently dropped. */
export function useAttachments(): Attachments {
  const [list, setList] = useState<Attachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const current = useRef(list);
  current.current = list;

  const add = useCallback((files: Iterable<File>) => {
    const refusals: string[] = [];
    const added: Attachment[] = [];
    let count = current.current.length;
    for (const file of files) {
      const mediaType = mediaTypeOf(file);
      const refusal = count >= MAX_FILES ? `${file.name}: a message may have at most ${MAX_FILES} files.` : refusalOf(file, mediaType);
      if (refusal) {
        refusals.push(refusal);
        continue;
      }
      count += 1;
      const preview = kindOf(mediaType) === "image" ? URL.createObjectURL(file) : undefined;
      added.push({ id: `attachment-${++nextId}`, file, mediaType, preview });
    }
    setError(refusals.length > 0 ? refusals.join(" ") : null);
    if (added.length > 0) setList((before) => [...before, ...added]);
  }, []);

  const remove = useCallback((id: string) => {
    setList((before) => {
      const gone = before.find((a) => a.id === id);
      if (gone?.preview) URL.revokeObjectURL(gone.preview);
      return before.filter((a) => a.id !== id);
    });
  }, []);

  const take = useCallback(() => {
    const taken = current.current;
    setList([]);
    setError(null);
    return taken;
  }, []);

  const restore = useCallback((attachments: readonly Attachment[]) => {
    setList((before) => [...attachments, ...before.filter((a) => !attachments.includes(a))]);
  }, []);

  // A chat that closes with files still in the composer frees their previews.
  useEffect(
    () => () => {
      for (const a of current.current) if (a.preview) URL.revokeObjectURL(a.preview);
    },
    [],
  );

  return useMemo(() => ({ list, error, add, remove, take, restore, setError }), [list, error, add, remove, take, restore]);
}
