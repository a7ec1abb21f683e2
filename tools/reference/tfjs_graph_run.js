#!/usr/bin/env node
// Independent reference execution of a TF.js graph model with the official
// TF.js library (pure-JS CPU backend), used to prove Candor's ONNX conversion
// correct.
//
//   node tfjs_graph_run.js --model DIR/NAME.json --input X.f32 --shape N,H,W,C \
//        --out-prefix OUT [--outputs Identity:0,Identity_1:0]
//
// Reads the input as raw little-endian float32 in the model's own layout
// (NHWC), runs model.execute, and writes each requested output (default: the
// model's outputs) as raw float32 to OUT.<i>.f32, and a summary
// {"outputs":[{"name":..,"shape":[..],"file":..}]} to OUT.json (and stdout).
// Exit code 2 on bad arguments, 1 on any other failure.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfconv = require('@tensorflow/tfjs-converter');

function parseArgs(argv) {
  const a = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    a[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['model', 'input', 'shape', 'out-prefix']) if (!a[k]) throw new Error(`--${k} is required`);
  return a;
}

function loadHandler(modelJson) {
  const dir = path.dirname(modelJson);
  const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  return {
    load: async () => {
      const specs = [];
      const buffers = [];
      for (const group of json.weightsManifest) {
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
        specs.push(...group.weights);
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData,
      };
    },
  };
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv);
  } catch (e) {
    process.stderr.write(`tfjs_graph_run: ${e.message}\n`);
    process.exit(2);
  }
  await tf.setBackend('cpu');
  const model = await tfconv.loadGraphModel(loadHandler(args.model));
  const shape = args.shape.split(',').map(Number);
  const raw = fs.readFileSync(args.input);
  const n = shape.reduce((x, y) => x * y, 1);
  if (raw.byteLength !== 4 * n) throw new Error(`input has ${raw.byteLength} bytes, shape needs ${4 * n}`);
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const input = tf.tensor(data, shape, 'float32');
  const names = args.outputs ? args.outputs.split(',') : model.outputs.map((o) => o.name);
  // A source model with a fixed batch of 1 runs once per batch element; the
  // outputs are stacked along axis 0 (what the ONNX model with batch N returns).
  const fixedOne = model.inputs[0].shape && model.inputs[0].shape[0] === 1 && shape[0] > 1;
  const run = (x) => {
    const r = model.execute(x, names);
    return Array.isArray(r) ? r : [r];
  };
  let outs;
  if (fixedOne) {
    const per = tf.split(input, shape[0], 0).map(run);
    outs = names.map((_, k) => tf.concat(per.map((p) => p[k]), 0));
  } else {
    outs = run(input);
  }
  const report = [];
  for (let i = 0; i < outs.length; ++i) {
    const file = `${args['out-prefix']}.${i}.f32`;
    const values = outs[i].dataSync();
    fs.writeFileSync(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    report.push({ name: names[i], shape: outs[i].shape, file });
  }
  const summary = JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, outputs: report });
  fs.writeFileSync(`${args['out-prefix']}.json`, summary + '\n');
  process.stdout.write(summary + '\n');
}

main().catch((e) => {
  process.stderr.write(`tfjs_graph_run: ${e.stack || e}\n`);
  process.exit(1);
});
