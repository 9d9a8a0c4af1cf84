// The files scenario (issue: files in a chat). Two sessions send large files while a third streams a
// paced answer: a 20 MB PDF through the upload route, then a message that refers to it, and a 5 MB
// image as a data URL. Measured against the same paced turn alone, in the same run and service:
// whether the files hold the other session's stream up (its gaps between deltas and its duration),
// and how far workerd's resident memory rises while the files go through.
import { performance } from "node:perf_hooks";
import { runTurn, sendChat, textDeltas } from "./api.mjs";
import { rssBytes } from "./proc.mjs";
import { percentile, round, sessionId } from "./stats.mjs";

/** bytes of the PDF and of the image */
const PDF_BYTES = 20 * 1024 * 1024;
const IMAGE_BYTES = 5 * 1024 * 1024 - 1024;
/** ms between memory samples */
const SAMPLE_MS = 50;
/** The paced turn the files must not hold up: 400 deltas at 200 per second (2 s). */
const PACED = "fake:text tokens=400 rate=200";
/** The fake counts base64 as text; a large window keeps it from refusing the prompt as too long. */
const DESCRIBE = "fake:describe-files max_context=100000000";

function pdf() {
  const head = Buffer.from(`%PDF-1.4\n${Array.from({ length: 20 }, (_, i) => `${i + 1} 0 obj << /Type /Page >> endobj\n`).join("")}`);
  const body = Buffer.alloc(PDF_BYTES - head.length, "% filler line of a large PDF\n");
  return Buffer.concat([head, body]);
}

function png() {
  const bytes = Buffer.alloc(IMAGE_BYTES);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 8; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  return bytes;
}

/** A whole chat turn whose stream is read to its end; the answer's text. */
async function chat(base, id, parts) {
  const res = await fetch(`${base}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, messages: [{ id: `u-${id}`, role: "user", parts }] }),
  });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"type":"finish"')) throw new Error(`files: chat ${res.status}: ${text.slice(0, 300)}`);
  // The answer's text: its deltas joined.
  return text
    .split("\n")
    .filter((line) => line.startsWith('data: {"type":"text-delta"'))
    .map((line) => JSON.parse(line.slice(6)).delta)
    .join("");
}

async function pacedTurn(base) {
  const started = performance.now();
  const turn = await runTurn(sendChat(base, sessionId("files-paced"), PACED), "paced turn");
  const times = textDeltas(turn.events).map((e) => e.t);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  return { ms: performance.now() - started, p50GapMs: percentile(gaps, 50), p99GapMs: percentile(gaps, 99), maxGapMs: Math.max(...gaps) };
}

/** @param {{ baseUrl: string, processes: { worker: number } }} svc @param {(line: string) => void} log */
export async function filesScenario(svc, log) {
  const base = svc.baseUrl;
  const alone = await pacedTurn(base);
  log(`files: paced turn alone ${round(alone.ms)} ms, p99 gap ${round(alone.p99GapMs)} ms`);

  const rssBefore = rssBytes(svc.processes.worker);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(svc.processes.worker));
  }, SAMPLE_MS);
  const pdfBytes = pdf();
  const image = png();
  const filesStarted = performance.now();
  const pdfSession = sessionId("files-pdf");
  const sendPdf = (async () => {
    const up = await fetch(`${base}/api/sessions/${pdfSession}/files?filename=big.pdf`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: pdfBytes,
    });
    if (up.status !== 201) throw new Error(`files: upload ${up.status}: ${(await up.text()).slice(0, 300)}`);
    const { url } = await up.json();
    const uploadedMs = performance.now() - filesStarted;
    const answer = await chat(base, pdfSession, [
      { type: "file", mediaType: "application/pdf", filename: "big.pdf", url },
      { type: "text", text: `read it ${DESCRIBE}` },
    ]);
    return {
      uploadedMs,
      answeredMs: performance.now() - filesStarted,
      saw: /document application\/pdf \d+ bytes 20 pages/.test(answer),
      answer,
    };
  })();
  const sendImage = (async () => {
    const answer = await chat(base, sessionId("files-image"), [
      { type: "file", mediaType: "image/png", filename: "big.png", url: `data:image/png;base64,${image.toString("base64")}` },
      { type: "text", text: `look ${DESCRIBE}` },
    ]);
    return { answeredMs: performance.now() - filesStarted, saw: new RegExp(`image image/png ${IMAGE_BYTES} bytes`).test(answer), answer };
  })();
  const during = await pacedTurn(base);
  const [pdfResult, imageResult] = await Promise.all([sendPdf, sendImage]);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, rssBytes(svc.processes.worker));
  if (!pdfResult.saw || !imageResult.saw)
    throw new Error(`files: the model did not get the files as blocks: ${pdfResult.answer.slice(-600)} ${imageResult.answer.slice(-600)}`);
  log(
    `files: paced turn during the files ${round(during.ms)} ms (p99 gap ${round(during.p99GapMs)} ms); PDF uploaded in ${round(pdfResult.uploadedMs)} ms, answered in ${round(pdfResult.answeredMs)} ms; image answered in ${round(imageResult.answeredMs)} ms; workerd RSS ${round(rssBefore / 2 ** 20)} -> ${round(rssPeak / 2 ** 20)} MiB`,
  );
  return {
    pdfBytes: PDF_BYTES,
    imageBytes: IMAGE_BYTES,
    alone,
    during,
    durationRatio: round(during.ms / alone.ms),
    p99GapRatio: round(during.p99GapMs / Math.max(alone.p99GapMs, 0.001)),
    pdf: pdfResult,
    image: imageResult,
    rssBeforeMiB: round(rssBefore / 2 ** 20),
    rssPeakMiB: round(rssPeak / 2 ** 20),
  };
}

/** The table's rows: the paced turn beside the files against itself alone, and the memory peak. */
export function filesRows(r) {
  const scenario = `files: a ${r.pdfBytes / 2 ** 20} MB PDF (upload) and a ${Math.round(r.imageBytes / 2 ** 20)} MB image (data URL) beside a paced turn`;
  const row = (metric, value, baseline, ratio) => ({ scenario, metric, value, baseline, ratio, target: "", result: "" });
  return [
    row("paced turn duration, ms", round(r.during.ms), round(r.alone.ms), r.durationRatio),
    row("paced turn p99 gap between deltas, ms", round(r.during.p99GapMs), round(r.alone.p99GapMs), r.p99GapRatio),
    row("workerd resident memory, MiB (before -> peak)", r.rssPeakMiB, r.rssBeforeMiB, round(r.rssPeakMiB / r.rssBeforeMiB)),
  ];
}
