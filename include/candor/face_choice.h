// Copyright 2026 The Candor Authors.
//
// Which face of an enrolment photo to enrol. By default a photo must show
// exactly one face: with several, nobody can tell from the photo alone whose
// record it is, so it is refused. An operator who knows may choose one
// explicitly (the CLI's `enroll --face largest|center`, the API's "face"
// field); the choice is recorded in the audit log by the caller.
// Pure functions; thread-safe.

#ifndef CANDOR_FACE_CHOICE_H_
#define CANDOR_FACE_CHOICE_H_

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "candor/face.h"
#include "candor/status.h"

namespace candor {

enum class FaceChoice {
  kOnlyOne,  // refuse a photo with more than one face (the default)
  kLargest,  // the largest face box
  kCenter,   // the face whose box centre is nearest the image centre
};

// "" or "only" -> kOnlyOne, "largest", "center"; INVALID_ARGUMENT otherwise.
inline StatusOr<FaceChoice> ParseFaceChoice(std::string_view s) {
  if (s.empty() || s == "only") return FaceChoice::kOnlyOne;
  if (s == "largest") return FaceChoice::kLargest;
  if (s == "center") return FaceChoice::kCenter;
  return InvalidArgumentError("face choice must be largest or center (got '" +
                              std::string(s.substr(0, 32)) + "')");
}

inline const char* FaceChoiceName(FaceChoice c) {
  switch (c) {
    case FaceChoice::kLargest:
      return "largest";
    case FaceChoice::kCenter:
      return "center";
    default:
      return "only";
  }
}

// The index in `faces` (largest first, as the pipeline returns them) to
// enrol from an image of `width` x `height`. NOT_FOUND for no face;
// FAILED_PRECONDITION "N faces ..." for several with kOnlyOne.
inline StatusOr<size_t> ChooseFace(const std::vector<Face>& faces, int width, int height,
                                   FaceChoice choice) {
  if (faces.empty()) return NotFoundError("no face found");
  if (faces.size() == 1) return size_t{0};
  switch (choice) {
    case FaceChoice::kOnlyOne:
      return FailedPreconditionError(
          std::to_string(faces.size()) +
          " faces in the photo: refused, as the photo does not say whose record it is; choose "
          "one explicitly (largest or center) to enrol it");
    case FaceChoice::kLargest: {
      size_t best = 0;
      for (size_t i = 1; i < faces.size(); ++i) {
        if (faces[i].box.area() > faces[best].box.area()) best = i;
      }
      return best;
    }
    case FaceChoice::kCenter: {
      size_t best = 0;
      double best_d = INFINITY;
      for (size_t i = 0; i < faces.size(); ++i) {
        const auto& b = faces[i].box;
        const double dx = b.x + b.width / 2.0 - width / 2.0;
        const double dy = b.y + b.height / 2.0 - height / 2.0;
        const double d = dx * dx + dy * dy;
        if (d < best_d) {
          best = i;
          best_d = d;
        }
      }
      return best;
    }
  }
  return size_t{0};
}

}  // namespace candor

#endif  // CANDOR_FACE_CHOICE_H_
