// Copyright 2026 The Candor Authors.

#include "candor/template.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/hash.h"
#include "template/half.h"

namespace candor {
namespace {

constexpr uint8_t kMagic[4] = {'C', 'N', 'D', 'T'};
constexpr size_t kFixedHeader = 48;

size_t ElementSize(TemplateElementType t) {
  switch (t) {
    case TemplateElementType::kFloat32:
      return 4;
    case TemplateElementType::kFloat16:
      return 2;
    case TemplateElementType::kInt8:
      return 1;
  }
  return 0;
}

void PutU16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutF32(std::vector<uint8_t>& out, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  PutU32(out, v);
}
uint16_t GetU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t GetU32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
float GetF32(const uint8_t* p) {
  uint32_t v = GetU32(p);
  float f;
  std::memcpy(&f, &v, 4);
  return f;
}

Status ValidateModelId(const std::string& id) {
  if (id.empty()) return InvalidArgumentError("template model id is empty");
  if (id.size() > kMaxModelIdLength) {
    return InvalidArgumentError("template model id is " + std::to_string(id.size()) +
                                " characters, over the limit of " +
                                std::to_string(kMaxModelIdLength));
  }
  for (char c : id) {
    if (c < 0x21 || c > 0x7e)
      return InvalidArgumentError("template model id must be printable ASCII without spaces");
  }
  return OkStatus();
}

Status ValidateFields(const Template& t) {
  if (t.format_version != kTemplateFormatVersion) {
    return InvalidArgumentError("cannot write template format version " +
                                std::to_string(t.format_version));
  }
  CANDOR_RETURN_IF_ERROR(ValidateModelId(t.model_id));
  if (ElementSize(t.element_type) == 0)
    return InvalidArgumentError("unknown template element type");
  if (t.flags & ~static_cast<uint32_t>(kTemplateKnownFlags)) {
    return InvalidArgumentError("unknown template flags " + std::to_string(t.flags));
  }
  if (t.values.empty() || t.values.size() > kMaxTemplateDim) {
    return InvalidArgumentError("template dimension " + std::to_string(t.values.size()) +
                                " is not in 1.." + std::to_string(kMaxTemplateDim));
  }
  for (float v : t.values) {
    if (!std::isfinite(v)) return InvalidArgumentError("template contains a non-finite value");
    if (t.element_type == TemplateElementType::kFloat16 && std::fabs(v) > 65504.f) {
      return InvalidArgumentError("template value out of float16 range");
    }
  }
  return OkStatus();
}

std::string Describe(const Template& t) {
  return "model '" + t.model_id + "' (sha256 " + HexEncode(t.model_sha256).substr(0, 12) +
         "..., dim " + std::to_string(t.values.size()) + ", format v" +
         std::to_string(t.format_version) + ")";
}

}  // namespace

StatusOr<Template> MakeTemplate(std::string model_id, const std::array<uint8_t, 32>& model_sha256,
                                std::vector<float> values, uint32_t flags,
                                TemplateElementType element_type) {
  Template t;
  t.model_id = std::move(model_id);
  t.model_sha256 = model_sha256;
  t.values = std::move(values);
  t.flags = flags;
  t.element_type = element_type;
  CANDOR_RETURN_IF_ERROR(ValidateFields(t));
  return t;
}

StatusOr<std::vector<uint8_t>> SerializeTemplate(const Template& t) {
  CANDOR_RETURN_IF_ERROR(ValidateFields(t));
  const size_t dim = t.values.size();
  std::vector<uint8_t> out;
  out.reserve(kFixedHeader + t.model_id.size() + 4 + dim * ElementSize(t.element_type) + 4);
  out.insert(out.end(), kMagic, kMagic + 4);
  PutU16(out, t.format_version);
  out.push_back(static_cast<uint8_t>(t.element_type));
  out.push_back(static_cast<uint8_t>(t.model_id.size()));
  PutU32(out, t.flags);
  PutU32(out, static_cast<uint32_t>(dim));
  out.insert(out.end(), t.model_sha256.begin(), t.model_sha256.end());
  out.insert(out.end(), t.model_id.begin(), t.model_id.end());
  switch (t.element_type) {
    case TemplateElementType::kFloat32:
      for (float v : t.values) PutF32(out, v);
      break;
    case TemplateElementType::kFloat16:
      for (float v : t.values) PutU16(out, FloatToHalf(v));
      break;
    case TemplateElementType::kInt8: {
      float max_abs = 0;
      for (float v : t.values) max_abs = std::max(max_abs, std::fabs(v));
      // A normal (not subnormal) positive scale, as ParseTemplate requires.
      float scale =
          max_abs > 0 ? std::max(max_abs / 127.f, std::numeric_limits<float>::min()) : 1.f;
      PutF32(out, scale);
      for (float v : t.values) {
        long q = std::lround(v / scale);
        q = std::clamp(q, -127L, 127L);
        out.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
      }
      break;
    }
  }
  PutU32(out, Crc32cMask(Crc32c(out)));
  return out;
}

StatusOr<Template> ParseTemplate(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return InvalidArgumentError("not a Candor template (bad magic)");
  }
  if (bytes.size() < kFixedHeader + 4) {
    return DataLossError("template truncated: " + std::to_string(bytes.size()) +
                         " bytes, header needs " + std::to_string(kFixedHeader + 4));
  }
  const uint8_t* p = bytes.data();
  Template t;
  t.format_version = GetU16(p + 4);
  if (t.format_version != kTemplateFormatVersion) {
    return FailedPreconditionError("template format version " + std::to_string(t.format_version) +
                                   " is not supported by this build (reads version " +
                                   std::to_string(kTemplateFormatVersion) + ")");
  }
  uint8_t et = p[6];
  if (et < 1 || et > 3)
    return DataLossError("template has unknown element type " + std::to_string(et));
  t.element_type = static_cast<TemplateElementType>(et);
  size_t id_len = p[7];
  if (id_len == 0 || id_len > kMaxModelIdLength) {
    return DataLossError("template model id length " + std::to_string(id_len) + " is invalid");
  }
  t.flags = GetU32(p + 8);
  if (t.flags & ~static_cast<uint32_t>(kTemplateKnownFlags)) {
    return DataLossError("template has unknown flags 0x" +
                         HexEncode(std::span<const uint8_t>(p + 8, 4)));
  }
  uint32_t dim = GetU32(p + 12);
  if (dim == 0 || dim > kMaxTemplateDim) {
    return DataLossError("template dimension " + std::to_string(dim) + " is not in 1.." +
                         std::to_string(kMaxTemplateDim));
  }
  size_t esize = ElementSize(t.element_type);
  size_t scale_bytes = t.element_type == TemplateElementType::kInt8 ? 4 : 0;
  size_t expected = kFixedHeader + id_len + scale_bytes + size_t{dim} * esize + 4;
  if (bytes.size() != expected) {
    return DataLossError("template length " + std::to_string(bytes.size()) +
                         " does not match its header (" + std::to_string(expected) +
                         " bytes expected)");
  }
  uint32_t stored = Crc32cUnmask(GetU32(p + expected - 4));
  uint32_t actual = Crc32c(bytes.first(expected - 4));
  if (stored != actual) return DataLossError("template checksum mismatch: the template is corrupt");
  std::memcpy(t.model_sha256.data(), p + 16, 32);
  t.model_id.assign(reinterpret_cast<const char*>(p + kFixedHeader), id_len);
  if (!ValidateModelId(t.model_id).ok())
    return DataLossError("template model id is not printable ASCII");
  const uint8_t* q = p + kFixedHeader + id_len;
  float scale = 1.f;
  if (scale_bytes) {
    scale = GetF32(q);
    q += 4;
    if (!std::isfinite(scale) || !(scale >= std::numeric_limits<float>::min())) {
      return DataLossError("template int8 scale is invalid");
    }
  }
  t.values.resize(dim);
  for (uint32_t i = 0; i < dim; ++i) {
    float v = 0;
    switch (t.element_type) {
      case TemplateElementType::kFloat32:
        v = GetF32(q + 4 * i);
        break;
      case TemplateElementType::kFloat16:
        v = HalfToFloat(GetU16(q + 2 * i));
        break;
      case TemplateElementType::kInt8:
        v = static_cast<float>(static_cast<int8_t>(q[i])) * scale;
        break;
    }
    if (!std::isfinite(v))
      return DataLossError("template contains a non-finite value at index " + std::to_string(i));
    t.values[i] = v;
  }
  return t;
}

Status CheckComparable(const Template& a, const Template& b) {
  auto refuse = [&](const std::string& what) {
    return FailedPreconditionError("templates are not comparable: " + what +
                                   " differ: " + Describe(a) + " vs " + Describe(b));
  };
  if (a.format_version != b.format_version) return refuse("format versions");
  if (a.model_id != b.model_id) return refuse("models");
  if (a.model_sha256 != b.model_sha256) return refuse("model hashes");
  if (a.values.size() != b.values.size()) return refuse("dimensions");
  if (a.values.empty()) return InvalidArgumentError("empty template");
  return OkStatus();
}

StatusOr<float> CompareTemplates(const Template& a, const Template& b) {
  CANDOR_RETURN_IF_ERROR(CheckComparable(a, b));
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    dot += double(a.values[i]) * b.values[i];
    na += double(a.values[i]) * a.values[i];
    nb += double(b.values[i]) * b.values[i];
  }
  if (na <= 0 || nb <= 0) return InvalidArgumentError("cannot compare a template with zero norm");
  double c = dot / std::sqrt(na * nb);
  if (!std::isfinite(c)) return InvalidArgumentError("template comparison is not finite");
  return static_cast<float>(std::clamp(c, -1.0, 1.0));
}

}  // namespace candor
