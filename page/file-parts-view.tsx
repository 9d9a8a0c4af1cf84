import type { FileUIPart } from "ai";
import { viewableUrl } from "./attachments";

/**
 * A message's files, in one row: images as thumbnails, other files as chips that open or download
 * them. History gives short-lived signed links a browser loads without a token (an `<img src>`
 * sends none); this tab's own uploads show from its local copy until then.
 */
export function FilePartsView({ parts }: { parts: FileUIPart[] }) {
  return (
    <ul className="message-files" data-testid="message-files">
      {parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a message's parts never change order, and one file may be attached twice
        <li key={index}>
          <FilePartView part={part} />
        </li>
      ))}
    </ul>
  );
}

function FilePartView({ part }: { part: FileUIPart }) {
  const url = viewableUrl(part.url);
  const name = part.filename ?? (part.mediaType === "application/pdf" ? "document.pdf" : "file");
  if (part.mediaType.startsWith("image/") && url) {
    return (
      <a className="file-thumb" href={url} target="_blank" rel="noreferrer" data-testid="file-image" data-name={name}>
        <img src={url} alt={name} loading="lazy" />
      </a>
    );
  }
  const label = (
    <>
      <span className="file-chip-icon" aria-hidden="true">
        {part.mediaType === "application/pdf" ? "PDF" : part.mediaType.startsWith("image/") ? "IMG" : "TXT"}
      </span>
      <span className="file-chip-name">{name}</span>
    </>
  );
  // A data URL is not followed on a click (browsers block top-level data: navigation): show it without a link.
  return url && !url.startsWith("data:") ? (
    <a className="file-chip" href={url} target="_blank" rel="noreferrer" data-testid="file-chip" data-name={name}>
      {label}
    </a>
  ) : (
    <span className="file-chip" data-testid="file-chip" data-name={name}>
      {label}
    </span>
  );
}
