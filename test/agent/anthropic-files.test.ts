import { APIError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { toAgentFailure } from "../../src/agent/agent-failure";
import { FILES_API_BETA, filesBetaOptions, unknownFileIds } from "../../src/agent/anthropic-files";

const apiError = (status: number, type: string, message: string) =>
  APIError.generate(status, { type: "error", error: { type, message } }, undefined, new Headers());

describe("Files API requests", () => {
  it("the beta goes with a request exactly when an image or document names a file id", () => {
    const base64 = { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } as const;
    expect(filesBetaOptions([{ role: "user", content: "hi" }])).toEqual({});
    expect(filesBetaOptions([{ role: "user", content: [{ type: "image", source: base64 }] }])).toEqual({});
    expect(
      filesBetaOptions([
        { role: "user", content: [{ type: "text", text: "x" }] },
        { role: "assistant", content: "ok" },
        { role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_1" }, title: "a.pdf" }] },
      ]),
    ).toEqual({ headers: { "anthropic-beta": FILES_API_BETA } });
  });

  it("a refused request names the lost ids only when its error is about a file this request sent", () => {
    const sent = ["file_011a", "file_011b"];
    const lost = apiError(404, "not_found_error", "File not found: file_011b");
    expect(unknownFileIds(lost, sent)).toEqual(["file_011b"]);
    // As the loop throws it: masked, the SDK's error as its cause.
    expect(unknownFileIds(toAgentFailure(lost), sent)).toEqual(["file_011b"]);
    expect(unknownFileIds(apiError(400, "invalid_request_error", "messages.0.content.1: file file_011a is not valid"), sent)).toEqual([
      "file_011a",
    ]);
    // An unknown model is a 404 too; a 500 that quotes an id is not about the file.
    expect(unknownFileIds(apiError(404, "not_found_error", "model: claude-nope"), sent)).toEqual([]);
    expect(unknownFileIds(apiError(500, "api_error", "file_011a"), sent)).toEqual([]);
    expect(unknownFileIds(new Error("File not found: file_011a"), sent)).toEqual([]);
  });
});
