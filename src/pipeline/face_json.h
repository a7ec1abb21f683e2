// Copyright 2026 The Candor Authors.
//
// JSON views of pipeline results, shared by the CLI and the server so both
// report faces the same way. Pure functions; thread-safe.
//
//   {"box": {"x":..,"y":..,"width":..,"height":..}, "score": 0.98,
//    "cut_by_border": false,
//    "landmarks": {"image_left_eye": [x, y], "image_right_eye": [x, y],
//                  "nose_tip": [x, y], "mouth_image_left": [x, y], "mouth_image_right": [x, y]},
//    "mesh_points": 468,
//    "quality": {"score": 0..100, "inter_eye_px": .., "sharpness": .., "yaw_deg": ..,
//                "pitch_deg": .., "roll_deg": .., "brightness": .., "contrast": ..,
//                "clipped": .., "issues": [...]}}

#ifndef CANDOR_PIPELINE_FACE_JSON_H_
#define CANDOR_PIPELINE_FACE_JSON_H_

#include <nlohmann/json.hpp>

#include "candor/face.h"
#include "candor/inference.h"

namespace candor {

nlohmann::json FaceToJson(const Face& face, bool include_mesh = false);
nlohmann::json ModelToJson(const ModelInfo& model);

}  // namespace candor

#endif  // CANDOR_PIPELINE_FACE_JSON_H_
