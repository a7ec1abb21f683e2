// Writes a Y4M (YUV4MPEG2, C420jpeg) video for Chromium's fake camera from
// RGBA pixels: BT.601 full-range conversion, chroma averaged over 2x2 blocks.
import {writeFileSync} from 'node:fs';

/** rgba: Uint8Array/Buffer of width*height*4; width and height must be even. */
export function writeY4m(file, rgba, width, height, frames = 2) {
  if (width % 2 || height % 2) throw new Error('Y4M 4:2:0 needs even dimensions');
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc((width / 2) * (height / 2));
  const clamp = (x) => Math.max(0, Math.min(255, Math.round(x)));
  for (let i = 0; i < width * height; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
    y[i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let by = 0; by < height / 2; by++) {
    for (let bx = 0; bx < width / 2; bx++) {
      let cb = 0, cr = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = (2 * by + dy) * width + 2 * bx + dx;
        const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
        cb += 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        cr += 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
      u[by * (width / 2) + bx] = clamp(cb / 4);
      v[by * (width / 2) + bx] = clamp(cr / 4);
    }
  }
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from('FRAME\n'), y, u, v);
  writeFileSync(file, Buffer.concat(parts));
}
