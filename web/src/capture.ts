// Probe capture: the device camera (rear camera preferred) or a photo file,
// with live feedback from the server's quality check (POST /v1/quality) drawn
// over the picture: face boxes and what is wrong ("too small", "blurred",
// "turned", "several faces": see HINTS). Calls onReady(base64Jpeg, report) whenever the
// chosen photo changes; nothing is sent to /v1/identify from here.

import {api, Quality, QualityReport} from './api.js';
import {errorText, h, progressNotice} from './dom.js';
import {cameraErrorText} from './messages.js';

// Keys are the strings the server really sends (POST /v1/quality): the
// top-level issues from src/server/routes_search.cc (HandleQuality) and the
// per-face ones from src/quality/quality.cc and src/pipeline/face_quality.cc.
const HINTS: Record<string, string> = {
  'no face found': 'No face found: use a photo, or point the camera at one face, seen from the front.',
  'more than one face: the largest is used': 'Several faces: the largest is used. Frame only the person of interest.',
  'too small': 'Face too small: move closer.',
  'blurred': 'Blurred: hold still and make sure the face is in focus.',
  'turned': 'Face turned away or tilted: ask for, or wait for, a level, frontal view.',
  'too dark': 'Too dark: find more light.',
  'too bright': 'Over-exposed: avoid direct light.',
  'cut by border': 'Face cut by the edge of the picture.',
};
// Issues that carry a detail after a fixed prefix ("landmarks unusable: ...").
const PREFIX_HINTS: [string, string][] = [
  ['landmarks unusable', 'Face features not found: use a sharper, frontal photo.'],
];
/** "turned" covers yaw, pitch and roll: say which, from the face's pose. */
function turnedHint(q?: Quality): string | undefined {
  if (!q) return undefined;
  const yaw = Math.abs(q.yaw_deg ?? 0), pitch = Math.abs(q.pitch_deg ?? 0), roll = Math.abs(q.roll_deg ?? 0);
  if (pitch >= yaw && pitch >= roll && pitch > 0) return 'Face tilted up/down: ask for, or wait for, a level view (chin neither raised nor lowered).';
  if (yaw >= roll && yaw > 0) return 'Face turned to the side: ask for, or wait for, a frontal view.';
  if (roll > 0) return 'Head tilted sideways: ask for, or wait for, an upright view.';
  return undefined;
}

export function hint(issue: string, q?: Quality): string {
  if (issue === 'turned') { const t = turnedHint(q); if (t) return t; }
  const exact = HINTS[issue];
  if (exact) return exact;
  for (const [p, text] of PREFIX_HINTS) if (issue.startsWith(p)) return text;
  return issue;
}

const LIVE_INTERVAL_MS = 1500;
const MAX_SIDE = 1280;

export interface Capture {
  root: HTMLElement; stop(): void;
  /** 'finger': an uploaded print is sent as its file's bytes (TIFF, PNG, BMP, JPEG at 500 dpi; never re-encoded or resized), with no face check. */
  setModality(m: 'face' | 'finger'): void;
}

export function captureWidget(onReady: (image: string | null, report: QualityReport | null) => void): Capture {
  const video = h('video', {playsinline: true, muted: true, autoplay: true, 'aria-label': 'Camera preview'}) as HTMLVideoElement;
  const still = h('img', {alt: 'The photo to search with', hidden: true}) as HTMLImageElement;
  const overlay = h('canvas', {class: 'overlay', 'aria-hidden': 'true'}) as HTMLCanvasElement;
  const stage = h('div', {class: 'stage'}, video, still, overlay);
  const feedback = h('div', {class: 'feedback', role: 'status', 'aria-live': 'polite'}, 'No photo yet.');
  const startBtn = h('button', {type: 'button', class: 'secondary'}, 'Start camera') as HTMLButtonElement;
  const shootBtn = h('button', {type: 'button', disabled: true}, 'Take photo') as HTMLButtonElement;
  // One visible control: the label looks like a button; the native file input
  // is visually hidden but stays focusable (its focus ring shows on the label).
  const file = h('input', {type: 'file', id: 'probe-file', class: 'visually-hidden', accept: 'image/*'}) as HTMLInputElement;
  const fileLabel = h('label', {for: 'probe-file', class: 'file-label'}, 'Upload a photo');
  const root = h('section', {class: 'capture', 'aria-labelledby': 'cap-h'},
    h('h3', {id: 'cap-h'}, 'Probe photo'), feedback, stage,
    h('div', {class: 'row'}, startBtn, shootBtn, file, fileLabel));
  stage.hidden = true;

  let stream: MediaStream | null = null;
  let timer = 0;
  let inFlight = false;
  let generation = 0;

  function frameJpeg(src: CanvasImageSource, w: number, hgt: number, maxSide = MAX_SIDE): string {
    const s = Math.min(1, maxSide / Math.max(w, hgt));
    const c = document.createElement('canvas');
    c.width = Math.round(w * s); c.height = Math.round(hgt * s);
    c.getContext('2d')!.drawImage(src, 0, 0, c.width, c.height);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  }

  function draw(report: QualityReport | null, shownW: number, shownH: number): void {
    overlay.width = shownW; overlay.height = shownH;
    const g = overlay.getContext('2d')!;
    g.clearRect(0, 0, shownW, shownH);
    if (!report || !report.width || !report.height) return;
    const sx = shownW / report.width, sy = shownH / report.height;
    for (const f of report.faces) {
      const ok = f.quality.issues.length === 0 && report.faces.length === 1;
      g.lineWidth = 3; g.strokeStyle = ok ? '#1b873f' : '#c9370d';
      g.strokeRect(f.box.x * sx, f.box.y * sy, f.box.width * sx, f.box.height * sy);
    }
  }

  function show(report: QualityReport): void {
    const issues = report.issues.length ? report.issues : report.faces.flatMap((f) => f.quality.issues);
    feedback.replaceChildren();
    if (report.usable) {
      const score = report.faces[0]?.quality.score;
      const q = score !== undefined ? `, quality ${score}/100` : '';
      feedback.append(h('p', {class: 'ok'}, report.faces.length > 1
        ? `Usable: the largest of ${report.faces.length} faces is searched${q}.`
        : `Good photo: one face${q}.`));
    } else {
      feedback.append(h('p', {class: 'not-usable'}, 'Not usable for a search:'));
    }
    const q = report.faces[0]?.quality;
    if (issues.length) feedback.append(h('ul', {class: 'issues'}, ...[...new Set(issues)].map((i) => h('li', {'data-issue': i}, hint(i, q)))));
    feedback.dataset.usable = String(report.usable);
  }

  async function check(image: string, shown: HTMLElement, gen: number): Promise<QualityReport | null> {
    try {
      const r = await api.quality(image);
      if (gen !== generation) return null;
      show(r);
      draw(r, shown.clientWidth, shown.clientHeight);
      return r;
    } catch (e) {
      if (gen === generation) feedback.replaceChildren(h('p', {class: 'error', role: 'alert'}, 'Quality check failed: ' + errorText(e)));
      return null;
    }
  }

  function stopCamera(): void {
    window.clearInterval(timer); timer = 0;
    if (stream) for (const t of stream.getTracks()) t.stop();
    stream = null; shootBtn.disabled = true; startBtn.textContent = 'Start camera';
  }

  async function live(): Promise<void> {
    if (inFlight || !stream || video.videoWidth === 0) return;
    inFlight = true;
    await check(frameJpeg(video, video.videoWidth, video.videoHeight, 640), video, generation);
    inFlight = false;
  }

  startBtn.addEventListener('click', async () => {
    if (stream) { stopCamera(); return; }
    generation++;
    onReady(null, null);
    if (!navigator.mediaDevices?.getUserMedia) {
      feedback.replaceChildren(h('p', {class: 'error', role: 'alert'}, 'This browser cannot use the camera here (it needs HTTPS). Upload a photo instead.'));
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: {ideal: 'environment'}, width: {ideal: 1280}}, audio: false});
    } catch (e) {
      feedback.replaceChildren(h('p', {class: 'error', role: 'alert', 'data-camera-error': (e as {name?: string})?.name ?? ''}, cameraErrorText(e)));
      return;
    }
    video.srcObject = stream; video.hidden = false; still.hidden = true; stage.hidden = false;
    root.scrollIntoView({block: 'start'});  // on a phone: the preview and its feedback in view
    await video.play().catch(() => undefined);
    startBtn.textContent = 'Stop camera'; shootBtn.disabled = false;
    feedback.textContent = 'Checking the picture…';
    timer = window.setInterval(live, LIVE_INTERVAL_MS);
    void live();
  });

  function clearStill(): void {
    still.removeAttribute('src'); still.hidden = true; stage.hidden = true;
    overlay.getContext('2d')?.clearRect(0, 0, overlay.width, overlay.height);
    delete feedback.dataset.usable;
  }

  async function useStill(image: string): Promise<void> {
    const gen = ++generation;
    still.src = 'data:image/jpeg;base64,' + image;
    still.hidden = false; video.hidden = true; stage.hidden = false;
    root.scrollIntoView({block: 'start'});
    await still.decode().catch(() => undefined);
    // A slow connection: the seconds count while the photo is sent and checked.
    const p = progressNotice('Checking the photo', `Sending ${Math.round((image.length * 3) / 4 / 1024)} kB to the quality check.`);
    feedback.replaceChildren(p.el);
    delete feedback.dataset.usable;  // no verdict until this photo's check answers
    onReady(null, null);  // nothing to search until this photo is checked
    const r = await check(image, still, gen).finally(() => p.stop());
    if (gen === generation) onReady(image, r);
  }

  shootBtn.addEventListener('click', async () => {
    if (!stream || video.videoWidth === 0) return;
    const image = frameJpeg(video, video.videoWidth, video.videoHeight);
    stopCamera();
    await useStill(image);
  });

  let modality: 'face' | 'finger' = 'face';

  /** A fingerprint file as it is (base64 of its bytes); shown when the browser can draw it. */
  async function useFingerFile(f: File): Promise<void> {
    const gen = ++generation;
    onReady(null, null);
    const bytes = new Uint8Array(await f.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const image = btoa(bin);
    if (gen !== generation) return;
    clearStill();
    try {
      const bmp = await createImageBitmap(f);
      still.src = 'data:image/jpeg;base64,' + frameJpeg(bmp, bmp.width, bmp.height);
      bmp.close();
      still.hidden = false; video.hidden = true; stage.hidden = false;
    } catch { /* e.g. TIFF: this browser cannot draw it; the server can read it */ }
    feedback.replaceChildren(h('p', {class: 'ok'}, `Fingerprint "${f.name}" (${Math.round(bytes.length / 1024)} kB) ready: sent as it is, at 500 dpi; the server extracts its minutiae.`));
    feedback.dataset.usable = 'true';
    onReady(image, {faces: [], usable: true, issues: []});
  }

  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    stopCamera();
    if (modality === 'finger') {
      try { await useFingerFile(f); } finally { file.value = ''; }
      return;
    }
    try {
      const bmp = await createImageBitmap(f);
      const image = frameJpeg(bmp, bmp.width, bmp.height);
      bmp.close();
      await useStill(image);
    } catch {
      // The previous photo must not stay on screen under this error.
      generation++;
      clearStill();
      feedback.replaceChildren(h('p', {class: 'error', role: 'alert'}, `"${f.name}" is not a photo this browser can read (use a JPEG, PNG or WebP photo).`));
      onReady(null, null);
    } finally {
      file.value = '';  // choosing the same file again fires "change" again
    }
  });

  function setModality(m: 'face' | 'finger'): void {
    if (m === modality) return;
    modality = m;
    stopCamera();
    generation++;
    clearStill();
    onReady(null, null);
    startBtn.hidden = shootBtn.hidden = m === 'finger';
    fileLabel.textContent = m === 'finger' ? 'Upload a fingerprint' : 'Upload a photo';
    file.accept = m === 'finger' ? 'image/*,.tif,.tiff,.bmp' : 'image/*';
    feedback.textContent = m === 'finger' ? 'No fingerprint yet: upload an image of one finger (500 dpi).' : 'No photo yet.';
  }

  return {root, stop: stopCamera, setModality};
}
