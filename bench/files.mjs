// The files scenario (issue: files in a chat). Two sessions send large files while a third streams a
// paced answer: a 20 MB PDF through the upload route, then a message that refers to it, and a 5 MB
// image as a data URL. Measured against the same paced turn alone, in the same run and service:
// whether the files hold the other session's stream up, and how far workerd's resident memory rises
// while the files go through. "Held up" is the delay of each of its deltas from the fake upstream's
// write to the client's read: the fake runs in a process of its own (upstream-process.mjs), because
// it parses each 27 MB request whole, which would stall its own writes and, in the bench's process,
// the clients' reads; neither is the service's doing. The gaps between deltas at the client, which
// include the fake's stalls, are reported too.
import { performance } from "node:perf_hooks";
import { runTurn, sendChat, textDeltas } from "./api.mjs";
import { deliveryDelays } from "./delta-timing.mjs";
import { rssBytes } from "./proc.mjs";
import { percentile, round, sessionId } from "./stats.mjs";
import { epochMs } from "./upstream-process.mjs";

/** bytes of the PDF and of the image */
const PDF_BYTES = 20 * 1024 * 1024;
const IMAGE_BYTES = 5 * 1024 * 1024 - 1024;
/** ms between memory samples */
const SAMPLE_MS = 50;
/** The paced turn the files must not hold up: 400 deltas at 200 per second (2 s). */
const PACED = "fake:text tokens=400 rate=200";
let pacedTurns = 0;
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

async function pacedTurn(svc) {
  const started = performance.now();
  // The fake echoes the prompt's first words: the tag finds this turn's upstream stream.
  const tag = `paced${process.pid}x${pacedTurns++}`;
  const turn = await runTurn(sendChat(svc.baseUrl, sessionId("files-paced"), `${tag} ${PACED}`), "paced turn");
  const times = textDeltas(turn.events).map((e) => e.t);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const upstream = await svc.upstream.tagged(tag);
  if (!upstream) throw new Error("files: the paced turn's upstream stream was not tapped (is the upstream in its own process?)");
  const delays = deliveryDelays(
    upstream,
    turn.events.map((e) => ({ ...e, t: epochMs(e.t) })),
  );
  return {
    ms: performance.now() - started,
    p50DelayMs: percentile(delays, 50),
    p99DelayMs: percentile(delays, 99),
    maxDelayMs: Math.max(...delays),
    p50GapMs: percentile(gaps, 50),
    p99GapMs: percentile(gaps, 99),
    maxGapMs: Math.max(...gaps),
  };
}

/**
 * @param {{ baseUrl: string, processes: { worker: number }, upstream: { tagged: (tag: string) => Promise<any> } }} svc
 * @param {(line: string) => void} log
 */
export async function filesScenario(svc, log) {
  const alone = await pacedTurn(svc);
  log(`files: paced turn alone ${round(alone.ms)} ms, delay p99 ${round(alone.p99DelayMs)} ms, gap p99 ${round(alone.p99GapMs)} ms`);

  const rssBefore = rssBytes(svc.processes.worker);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(svc.processes.worker));
  }, SAMPLE_MS);
  const pdfBytes = pdf();
  const image = png();
  const first = await beside(svc, pdfBytes, image);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, rssBytes(svc.processes.worker));
  const { during, pdf: pdfResult, image: imageResult } = first;
  log(
    `files: paced turn during the files ${round(during.ms)} ms (delay p99 ${round(during.p99DelayMs)} ms, max ${round(during.maxDelayMs)} ms; gap p99 ${round(during.p99GapMs)} ms); PDF uploaded in ${round(pdfResult.uploadedMs)} ms, answered in ${round(pdfResult.answeredMs)} ms; image answered in ${round(imageResult.answeredMs)} ms; workerd RSS ${round(rssBefore / 2 ** 20)} -> ${round(rssPeak / 2 ** 20)} MiB`,
  );
  // The same files again, in new sessions: stored once per content, so this time nothing is written
  // to R2. What the paced turn still waits for is the service's own work on the files, without the
  // local R2 simulator's writes (which share workerd's thread in wrangler dev; R2 is remote deployed).
  const stored = await beside(svc, pdfBytes, image);
  log(`files: again, already stored: delay p99 ${round(stored.during.p99DelayMs)} ms, max ${round(stored.during.maxDelayMs)} ms`);
  return {
    pdfBytes: PDF_BYTES,
    imageBytes: IMAGE_BYTES,
    alone,
    during,
    storedDuring: stored.during,
    pdf: pdfResult,
    image: imageResult,
    rssBeforeMiB: round(rssBefore / 2 ** 20),
    rssPeakMiB: round(rssPeak / 2 ** 20),
  };
}

/** The paced turn while one session uploads the PDF and asks about it, and another sends the image as a data URL. */
async function beside(svc, pdfBytes, image) {
  const base = svc.baseUrl;
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
  const during = await pacedTurn(svc);
  const [pdfResult, imageResult] = await Promise.all([sendPdf, sendImage]);
  if (!pdfResult.saw || !imageResult.saw)
    throw new Error(`files: the model did not get the files as blocks: ${pdfResult.answer.slice(-600)} ${imageResult.answer.slice(-600)}`);
  return { during, pdf: pdfResult, image: imageResult };
}

/** The table's rows: the paced turn beside the files against itself alone, and the memory peak. */
export function filesRows(r, code = "this") {
  const scenario = `files${code === "this" ? "" : ` (${code})`}: a ${r.pdfBytes / 2 ** 20} MB PDF (upload) and a ${Math.round(r.imageBytes / 2 ** 20)} MB image (data URL) beside a paced turn`;
  /** A figure beside the files against the same figure alone (or before the files), with their ratio. */
  const vs = (metric, value, baseline) => ({
    scenario,
    metric,
    value: round(value),
    baseline: round(baseline),
    ratio: round(value / Math.max(baseline, 0.001)),
    target: "",
    result: "",
  });
  const { during, alone, storedDuring } = r;
  return [
    vs("paced turn duration, ms", during.ms, alone.ms),
    vs("paced turn delay upstream write -> client, p50, ms", during.p50DelayMs, alone.p50DelayMs),
    vs("paced turn delay upstream write -> client, p99, ms", during.p99DelayMs, alone.p99DelayMs),
    vs("paced turn delay upstream write -> client, max, ms", during.maxDelayMs, alone.maxDelayMs),
    vs("paced turn p99 gap between deltas, ms", during.p99GapMs, alone.p99GapMs),
    vs("the same, files already stored (no R2 write): delay p99, ms", storedDuring.p99DelayMs, alone.p99DelayMs),
    vs("workerd resident memory, MiB (before -> peak)", r.rssPeakMiB, r.rssBeforeMiB),
  ];
}
