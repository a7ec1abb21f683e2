// Copyright 2026 The Candor Authors.
//
// The fingerprint template types of candor/finger.h, without OpenCV: what
// the gallery store (candor/gallery.h) needs to hold and search fingers.
// Coordinates and directions as candor/finger.h states them (pixels at 500
// dpi, y down; radians clockwise on screen). Plain values; thread-compatible.

#ifndef CANDOR_FINGER_TEMPLATE_H_
#define CANDOR_FINGER_TEMPLATE_H_

#include <cstdint>
#include <vector>

namespace candor::finger {

enum class MinutiaType : uint8_t { kOther = 0, kEnding = 1, kBifurcation = 2 };

struct Minutia {
  float x = 0;
  float y = 0;
  float direction = 0;  // radians [0, 2*pi), see the header comment of candor/finger.h
  MinutiaType type = MinutiaType::kOther;
  uint8_t quality = 0;  // 0..100: local ridge clarity and orientation certainty
};

// ISO/IEC 19794-2 finger positions (0 unknown, 1 right thumb .. 10 left little).
inline constexpr int kMaxFingerPosition = 10;

// One finger's minutiae (the content of one ISO finger view).
struct FingerTemplate {
  int width = 0;   // image size in pixels at `resolution_dpi`
  int height = 0;
  int resolution_dpi = 500;
  int finger_position = 0;  // 0..10
  int impression_type = 0;  // ISO: 0 live-scan plain, 1 rolled, 2 non-live plain, ...
  uint8_t quality = 0;      // 0..100, FingerQuality::score
  std::vector<Minutia> minutiae;
};

}  // namespace candor::finger

#endif  // CANDOR_FINGER_TEMPLATE_H_
