#!/usr/bin/env node
// Independent reference execution of a float32 TFLite model, to prove the C++
// TFLite -> ONNX conversion correct. It shares no code with the C++ side: its
// own FlatBuffers / TFLite schema reading (below), and every op executed with
// the official TF.js ops (tfjs-core, pure-JS CPU backend) in TFLite's own NHWC
// layout, op by op as the file lists them (no fusion, no layout change).
//
//   node tflite_run.js --model M.tflite --input in.f32 --shape N,H,W,C --output out.f32
//
// Input: raw float32 NHWC (already preprocessed). Output: the first graph
// output as raw float32. Why not @tensorflow/tfjs-tflite: its Node build needs
// browser globals (`self.location`, web workers) to fetch its WASM and fails
// with "self is not defined"; it also pins tfjs-core 4.9.
'use strict';
const fs = require('fs');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing --${name}`);
  return process.argv[i + 1];
}

// ---- FlatBuffers wire format (checked) ----
class Fb {
  constructor(buf) { this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); this.buf = buf; }
  check(pos, len) { if (pos < 0 || pos + len > this.buf.length) throw new Error(`flatbuffer offset ${pos} out of range`); }
  u8(p) { this.check(p, 1); return this.dv.getUint8(p); }
  i8(p) { this.check(p, 1); return this.dv.getInt8(p); }
  u16(p) { this.check(p, 2); return this.dv.getUint16(p, true); }
  i32(p) { this.check(p, 4); return this.dv.getInt32(p, true); }
  u32(p) { this.check(p, 4); return this.dv.getUint32(p, true); }
  table(pos) { return new Table(this, pos); }
  root() { return this.table(this.u32(0)); }
}
class Table {
  constructor(fb, pos) { this.fb = fb; this.pos = pos; this.vt = pos - fb.i32(pos); this.vtSize = fb.u16(this.vt); }
  off(field) { const o = 4 + 2 * field; return o < this.vtSize ? this.fb.u16(this.vt + o) : 0; }
  scalar(field, kind, def) {
    const o = this.off(field); if (!o) return def;
    return this.fb[kind](this.pos + o);
  }
  ref(field) { const o = this.off(field); if (!o) return 0; const p = this.pos + o; return p + this.fb.u32(p); }
  sub(field) { const p = this.ref(field); return p ? this.fb.table(p) : null; }
  vecLen(field) { const p = this.ref(field); return p ? this.fb.u32(p) : 0; }
  vecTables(field) {
    const p = this.ref(field); if (!p) return [];
    const n = this.fb.u32(p); const out = [];
    for (let i = 0; i < n; i += 1) { const e = p + 4 + 4 * i; out.push(this.fb.table(e + this.fb.u32(e))); }
    return out;
  }
  vecI32(field) {
    const p = this.ref(field); if (!p) return [];
    const n = this.fb.u32(p); const out = [];
    for (let i = 0; i < n; i += 1) out.push(this.fb.i32(p + 4 + 4 * i));
    return out;
  }
  bytes(field) {
    const p = this.ref(field); if (!p) return null;
    const n = this.fb.u32(p); this.fb.check(p + 4, n);
    return this.fb.buf.subarray(p + 4, p + 4 + n);
  }
  str(field) { const b = this.bytes(field); return b ? Buffer.from(b).toString('utf8') : ''; }
}

// ---- TFLite schema (schema.fbs field numbers) ----
const OPS = { 0: 'ADD', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 18: 'MUL', 19: 'RELU', 21: 'RELU6', 22: 'RESHAPE', 41: 'SUB', 101: 'ABS', 14: 'LOGISTIC', 17: 'MAX_POOL_2D', 1: 'AVERAGE_POOL_2D' };

function readModel(buf) {
  const fb = new Fb(buf);
  if (Buffer.from(buf.subarray(4, 8)).toString() !== 'TFL3') throw new Error('not a TFLite file');
  const model = fb.root();
  const buffers = model.vecTables(4).map((b) => b.bytes(0));
  const codes = model.vecTables(1).map((c) => Math.max(c.scalar(0, 'i8', 0), c.scalar(3, 'i32', 0)));
  const sgs = model.vecTables(2);
  if (sgs.length !== 1) throw new Error('want one subgraph');
  const sg = sgs[0];
  const tensors = sg.vecTables(0).map((t) => ({
    shape: t.vecI32(0), type: t.scalar(1, 'i8', 0), buffer: t.scalar(2, 'u32', 0), name: t.str(3),
  }));
  const operators = sg.vecTables(3).map((o) => {
    const code = codes[o.scalar(0, 'u32', 0)];
    return { code, name: OPS[code] || `BUILTIN_${code}`, inputs: o.vecI32(1), outputs: o.vecI32(2), opts: o.sub(4) };
  });
  return { tensors, operators, buffers, inputs: sg.vecI32(1), outputs: sg.vecI32(2) };
}

function constant(m, t) {
  const ten = m.tensors[t];
  const b = m.buffers[ten.buffer];
  if (!b || b.length === 0) return null;
  const copy = new Uint8Array(b);  // aligned copy
  if (ten.type === 0) return tf.tensor(new Float32Array(copy.buffer), ten.shape, 'float32');
  if (ten.type === 2) return tf.tensor(new Int32Array(copy.buffer), ten.shape, 'int32');
  throw new Error(`constant type ${ten.type}`);
}

function activation(x, a) {
  if (a === 0) return x;
  if (a === 1) return tf.relu(x);
  if (a === 3) return tf.relu6(x);
  throw new Error(`fused activation ${a}`);
}

function run(m, input) {
  const vals = new Map();
  vals.set(m.inputs[0], input);
  const get = (t) => { if (vals.has(t)) return vals.get(t); const c = constant(m, t); if (!c) throw new Error(`tensor ${t} not computed`); vals.set(t, c); return c; };
  for (const op of m.operators) {
    const o = op.opts;
    const x = get(op.inputs[0]);
    let y;
    switch (op.name) {
      case 'CONV_2D': {
        const pad = o.scalar(0, 'i8', 0) === 0 ? 'same' : 'valid';
        const sw = o.scalar(1, 'i32', 1), sh = o.scalar(2, 'i32', 1), act = o.scalar(3, 'i8', 0);
        const dw = o.scalar(4, 'i32', 1), dh = o.scalar(5, 'i32', 1);
        const filt = tf.transpose(get(op.inputs[1]), [1, 2, 3, 0]);  // OHWI -> HWIO
        y = tf.conv2d(x, filt, [sh, sw], pad, 'NHWC', [dh, dw]);
        if (op.inputs.length > 2 && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
        y = activation(y, act);
        break;
      }
      case 'DEPTHWISE_CONV_2D': {
        const pad = o.scalar(0, 'i8', 0) === 0 ? 'same' : 'valid';
        const sw = o.scalar(1, 'i32', 1), sh = o.scalar(2, 'i32', 1), mult = o.scalar(3, 'i32', 1), act = o.scalar(4, 'i8', 0);
        const dw = o.scalar(5, 'i32', 1), dh = o.scalar(6, 'i32', 1);
        const f = get(op.inputs[1]);  // [1, H, W, C*mult]
        const cin = x.shape[3];
        const filt = tf.reshape(f, [f.shape[1], f.shape[2], cin, mult]);
        y = tf.depthwiseConv2d(x, filt, [sh, sw], pad, 'NHWC', [dh, dw]);
        if (op.inputs.length > 2 && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
        y = activation(y, act);
        break;
      }
      case 'ADD': y = activation(tf.add(x, get(op.inputs[1])), o ? o.scalar(0, 'i8', 0) : 0); break;
      case 'SUB': y = activation(tf.sub(x, get(op.inputs[1])), o ? o.scalar(0, 'i8', 0) : 0); break;
      case 'MUL': y = activation(tf.mul(x, get(op.inputs[1])), o ? o.scalar(0, 'i8', 0) : 0); break;
      case 'RELU': y = tf.relu(x); break;
      case 'RELU6': y = tf.relu6(x); break;
      case 'ABS': y = tf.abs(x); break;
      case 'LOGISTIC': y = tf.sigmoid(x); break;
      case 'RESHAPE': {
        // The file hard-codes its export batch; keep the batch we run with.
        const shape = m.tensors[op.outputs[0]].shape.slice();
        shape[0] = x.shape[0];
        y = tf.reshape(x, shape);
        break;
      }
      default: throw new Error(`op ${op.name} not implemented in the reference`);
    }
    vals.set(op.outputs[0], y);
  }
  return vals.get(m.outputs[0]);
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  const m = readModel(fs.readFileSync(arg('model')));
  const shape = arg('shape').split(',').map((v) => parseInt(v, 10));
  const raw = fs.readFileSync(arg('input'));
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`input holds ${data.length} floats, shape ${shape}`);
  const out = run(m, tf.tensor(data, shape, 'float32'));
  const result = await out.data();
  fs.writeFileSync(arg('output'), Buffer.from(result.buffer, result.byteOffset, result.byteLength));
  process.stderr.write(`tflite_run: ${m.operators.length} ops, output [${out.shape}] on tfjs ${tf.version_core} (${tf.getBackend()})\n`);
}

main().catch((e) => { process.stderr.write(`tflite_run: ${e.stack || e}\n`); process.exit(1); });
