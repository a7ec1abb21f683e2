#!/usr/bin/env node
// Independent reference for the face-api ResNet conversion: runs the package's
// OWN FaceRecognitionNet (dist/face-api.node-wasm.js of @vladmandic/face-api,
// its own weight loading, its own forward pass) on the official TF.js pure-JS
// CPU backend, on a batch of RGB 150x150 images given as raw float32 NHWC in
// 0..255 (the package does its own mean subtraction and scaling).
//
//   node faceapi_run.js --package DIR/package --input in.f32 --batch N --output out.f32
//
// Writes N x 128 float32 descriptors. The package's node builds require
// @tensorflow/tfjs plus tfjs-node or tfjs-backend-wasm, which need native or
// WASM downloads; here the official @tensorflow/tfjs 4.22.0 (the version the
// package was built against) runs on its pure-JS CPU backend, and the WASM
// backend module resolves to an empty stub (never selected).
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing --${name}`);
  return process.argv[i + 1];
}

const tf = require('@tensorflow/tfjs');
const origLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === '@tensorflow/tfjs') return tf;  // the package lives outside this node_modules
  if (request === '@tensorflow/tfjs-backend-wasm') return { setWasmPaths() {}, version_wasm: 'stub' };
  return origLoad.call(this, request, parent, isMain);
};

async function main() {
  const pkg = arg('package');
  const batch = parseInt(arg('batch'), 10);
  const faceapi = require(path.join(pkg, 'dist', 'face-api.node-wasm.js'));
  await tf.setBackend('cpu');
  await tf.ready();
  const manifestPath = path.join(pkg, 'model', 'face_recognition_model-weights_manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const shards = manifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(path.dirname(manifestPath), p))));
  const bin = Buffer.concat(shards);
  const weightMap = tf.io.decodeWeights(new Uint8Array(bin).buffer, manifest.flatMap((g) => g.weights));
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(weightMap);

  const raw = fs.readFileSync(arg('input'));
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const per = 150 * 150 * 3;
  if (data.length !== batch * per) throw new Error(`input holds ${data.length} floats, want ${batch * per}`);
  const images = [];
  for (let i = 0; i < batch; i += 1) images.push(tf.tensor3d(data.subarray(i * per, (i + 1) * per), [150, 150, 3]));
  const out = await net.forward(batch === 1 ? images[0] : images);  // an array is a batch
  if (out.shape[0] !== batch || out.shape[1] !== 128) throw new Error(`unexpected output shape ${out.shape}`);
  const result = await out.data();
  fs.writeFileSync(arg('output'), Buffer.from(result.buffer, result.byteOffset, result.byteLength));
  process.stderr.write(`faceapi_run: ${batch} x 128 on tfjs ${tf.version_core} (${tf.getBackend()})\n`);
}

main().catch((e) => { process.stderr.write(`faceapi_run: ${e.stack || e}\n`); process.exit(1); });
