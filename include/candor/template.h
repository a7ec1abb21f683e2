// Copyright 2026 The Candor Authors.
//
// A biometric template: one face embedding plus everything needed to know
// which model made it, in a versioned, checksummed binary form.
//
// Binary layout (all integers little-endian), format version 1:
//   offset size
//   0      4   magic "CNDT"
//   4      2   format version (kTemplateFormatVersion)
//   6      1   element type (TemplateElementType)
//   7      1   model id length L (1..kMaxModelIdLength)
//   8      4   flags (TemplateFlags bits; unknown bits are rejected)
//   12     4   dimension D (1..kMaxTemplateDim)
//   16     32  model hash: SHA-256 of the model's ONNX file
//   48     L   model id, ASCII printable (e.g. "mobilefacenet")
//   48+L   4   scale (float32), only for kInt8: value = int8 * scale
//   ...    D*s payload: D elements of the element type (s = 4, 2 or 1)
//   end-4  4   masked CRC-32C (leveldb Mask) of every preceding byte
//
// Parse checks every field, the exact total length and the checksum, and
// never reads outside the given span. Errors:
//   INVALID_ARGUMENT    not a Candor template (bad magic, too short for a header);
//   FAILED_PRECONDITION a format version this build does not read;
//   DATA_LOSS           wrong length, bad checksum, bad field, non-finite value.
//
// Compare refuses, with FAILED_PRECONDITION and a message naming both sides,
// any pair that differs in format version, model id, model hash or
// dimension: a template from one model can never be silently compared with
// one from another (or an older build of the same model). Element types may
// differ (both decode to float); the result is the cosine similarity in [-1, 1].
//
// Thread safety: Template is a plain value; all functions are pure.

#ifndef CANDOR_TEMPLATE_H_
#define CANDOR_TEMPLATE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor {

inline constexpr uint16_t kTemplateFormatVersion = 1;
inline constexpr uint32_t kMaxTemplateDim = 8192;
inline constexpr size_t kMaxModelIdLength = 64;

enum class TemplateElementType : uint8_t {
  kFloat32 = 1,
  kFloat16 = 2,  // IEEE half; ~3 significant digits, halves storage
  kInt8 = 3,     // symmetric: value = int8 * scale, scale = max|v| / 127
};

// Flag bits; Parse rejects bits not listed here.
enum TemplateFlags : uint32_t {
  kTemplateL2Normalized = 1u << 0,  // values have unit L2 norm (before quantization)
  kTemplateFlipAveraged = 1u << 1,  // embedding of image + mirror averaged
  kTemplateKnownFlags = kTemplateL2Normalized | kTemplateFlipAveraged,
};

struct Template {
  uint16_t format_version = kTemplateFormatVersion;
  std::string model_id;
  std::array<uint8_t, 32> model_sha256{};
  TemplateElementType element_type = TemplateElementType::kFloat32;
  uint32_t flags = 0;
  std::vector<float> values;  // the embedding, decoded to float
};

// Builds a Template, validating the fields (INVALID_ARGUMENT on an empty or
// over-long or non-printable model id, a zero or over-large dimension,
// non-finite values, unknown flags).
StatusOr<Template> MakeTemplate(std::string model_id, const std::array<uint8_t, 32>& model_sha256,
                                std::vector<float> values, uint32_t flags = 0,
                                TemplateElementType element_type = TemplateElementType::kFloat32);

// The binary form above. INVALID_ARGUMENT if `t` would not pass MakeTemplate's checks.
StatusOr<std::vector<uint8_t>> SerializeTemplate(const Template& t);

// Parses and validates the binary form (see the errors above).
StatusOr<Template> ParseTemplate(std::span<const uint8_t> bytes);

// OK when a and b may be compared; FAILED_PRECONDITION otherwise.
Status CheckComparable(const Template& a, const Template& b);

// Cosine similarity after CheckComparable. INVALID_ARGUMENT if either vector
// has zero norm.
StatusOr<float> CompareTemplates(const Template& a, const Template& b);

}  // namespace candor

#endif  // CANDOR_TEMPLATE_H_
