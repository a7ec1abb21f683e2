// Copyright 2026 The Candor Authors.
//
// ISO/IEC 19794-2:2005 finger minutiae record: export and strict import.
//
// Layout (big-endian): "FMR\0", " 20\0", record length (4), capture equipment
// certification (4 bits) + device type (12 bits), width (2), height (2),
// x and y resolution in px/cm (2 + 2), number of views (1), reserved (1);
// per view: position (1), view number (4 bits) + impression type (4 bits),
// quality (1), minutia count (1), minutiae (6 bytes each: type 2 bits + x
// 14 bits, reserved 2 bits + y 14 bits, angle in 360/256 degree units
// counter-clockwise, quality), extended data length (2) + data.

#include <cmath>
#include <string>
#include <vector>

#include "candor/finger.h"
#include "finger/geometry.h"
#include "image/byte_reader.h"

namespace candor::finger {
namespace {

constexpr size_t kHeaderBytes = 24, kViewHeaderBytes = 4, kMinutiaBytes = 6;

void Put16(std::vector<uint8_t>& o, uint32_t v) {
  o.push_back(static_cast<uint8_t>(v >> 8));
  o.push_back(static_cast<uint8_t>(v));
}

Status Malformed(size_t offset, const std::string& what) {
  return InvalidArgumentError("ISO 19794-2 record: " + what + " (at byte " + std::to_string(offset) + ")");
}

int PxPerCm(int dpi) { return static_cast<int>(std::lround(dpi / 2.54)); }
int DpiFromPxPerCm(int ppcm) { return static_cast<int>(std::lround(ppcm * 2.54)); }

bool ValidImpression(int t) { return t == 0 || t == 1 || t == 2 || t == 3 || t == 8; }

}  // namespace

StatusOr<std::vector<uint8_t>> ExportIso19794_2(std::span<const FingerTemplate> views) {
  if (views.empty()) return InvalidArgumentError("ISO 19794-2 export: no finger view");
  if (views.size() > 255) return InvalidArgumentError("ISO 19794-2 export: more than 255 views");
  const FingerTemplate& first = views[0];
  for (const FingerTemplate& v : views) {
    if (v.width != first.width || v.height != first.height || v.resolution_dpi != first.resolution_dpi) {
      return InvalidArgumentError("ISO 19794-2 export: views of one record share image size and resolution");
    }
    if (v.width < 1 || v.height < 1 || v.width > 0x3FFF || v.height > 0x3FFF) {
      return InvalidArgumentError("ISO 19794-2 export: image size outside 1..16383");
    }
    if (v.resolution_dpi < 1 || PxPerCm(v.resolution_dpi) > 0xFFFF || PxPerCm(v.resolution_dpi) < 1) {
      return InvalidArgumentError("ISO 19794-2 export: bad resolution");
    }
    if (v.finger_position < 0 || v.finger_position > kMaxFingerPosition) {
      return InvalidArgumentError("ISO 19794-2 export: finger position outside 0..10");
    }
    if (!ValidImpression(v.impression_type)) return InvalidArgumentError("ISO 19794-2 export: bad impression type");
    if (v.quality > 100) return InvalidArgumentError("ISO 19794-2 export: quality above 100");
    if (v.minutiae.size() > 255) return InvalidArgumentError("ISO 19794-2 export: more than 255 minutiae");
    for (const Minutia& m : v.minutiae) {
      if (!(m.x >= 0 && m.y >= 0 && m.x < v.width && m.y < v.height) || !std::isfinite(m.direction) ||
          m.quality > 100 || static_cast<int>(m.type) > 2) {
        return InvalidArgumentError("ISO 19794-2 export: minutia outside the image or malformed");
      }
    }
  }
  std::vector<uint8_t> o = {'F', 'M', 'R', 0, ' ', '2', '0', 0, 0, 0, 0, 0};
  Put16(o, 0);  // no certification, device type unknown
  Put16(o, first.width);
  Put16(o, first.height);
  Put16(o, PxPerCm(first.resolution_dpi));
  Put16(o, PxPerCm(first.resolution_dpi));
  o.push_back(static_cast<uint8_t>(views.size()));
  o.push_back(0);
  int view_number[kMaxFingerPosition + 1] = {};
  for (const FingerTemplate& v : views) {
    o.push_back(static_cast<uint8_t>(v.finger_position));
    const int vn = view_number[v.finger_position]++ & 0xF;
    o.push_back(static_cast<uint8_t>(vn << 4 | v.impression_type));
    o.push_back(v.quality);
    o.push_back(static_cast<uint8_t>(v.minutiae.size()));
    for (const Minutia& m : v.minutiae) {
      const uint32_t x = static_cast<uint32_t>(std::lround(m.x)) & 0x3FFF;
      const uint32_t y = static_cast<uint32_t>(std::lround(m.y)) & 0x3FFF;
      const uint32_t type = m.type == MinutiaType::kEnding ? 1 : m.type == MinutiaType::kBifurcation ? 2 : 0;
      Put16(o, type << 14 | std::min<uint32_t>(x, v.width - 1));
      Put16(o, std::min<uint32_t>(y, v.height - 1));
      const double ccw = internal::Wrap2Pi(-m.direction);
      o.push_back(static_cast<uint8_t>(static_cast<int>(std::lround(ccw / (2 * internal::kPi) * 256)) & 0xFF));
      o.push_back(m.quality);
    }
    Put16(o, 0);  // no extended data
  }
  const uint32_t len = static_cast<uint32_t>(o.size());
  for (int i = 0; i < 4; ++i) o[8 + i] = static_cast<uint8_t>(len >> (24 - 8 * i));
  return o;
}

StatusOr<std::vector<FingerTemplate>> ImportIso19794_2(std::span<const uint8_t> bytes) {
  const image_internal::ByteReader r(bytes, /*little_endian=*/false);
  if (bytes.size() < kHeaderBytes) return Malformed(bytes.size(), "shorter than the 24-byte header");
  if (!(bytes[0] == 'F' && bytes[1] == 'M' && bytes[2] == 'R' && bytes[3] == 0)) {
    return Malformed(0, "not a finger minutiae record (no \"FMR\" magic)");
  }
  if (!(bytes[4] == ' ' && bytes[5] == '2' && bytes[6] == '0' && bytes[7] == 0)) {
    return Malformed(4, "unsupported version (only ISO/IEC 19794-2:2005 \" 20\")");
  }
  uint32_t len = 0;
  uint16_t width = 0, height = 0, xres = 0, yres = 0;
  uint8_t nviews = 0;
  (void)r.U32(8, &len);
  (void)r.U16(14, &width);
  (void)r.U16(16, &height);
  (void)r.U16(18, &xres);
  (void)r.U16(20, &yres);
  (void)r.U8(22, &nviews);
  if (len != bytes.size()) {
    return Malformed(8, "record length " + std::to_string(len) + " but " + std::to_string(bytes.size()) +
                            " bytes given (truncated or trailing data)");
  }
  if (width == 0 || height == 0 || width > 0x3FFF || height > 0x3FFF) return Malformed(14, "bad image size");
  if (xres == 0 || yres == 0) return Malformed(18, "zero resolution");
  if (xres != yres) return Malformed(18, "different x and y resolutions are not supported");
  if (nviews == 0) return Malformed(22, "no finger view");
  std::vector<FingerTemplate> out;
  size_t off = kHeaderBytes;
  for (int v = 0; v < nviews; ++v) {
    if (!r.Has(off, kViewHeaderBytes)) return Malformed(off, "truncated finger view header");
    FingerTemplate t;
    t.width = width;
    t.height = height;
    t.resolution_dpi = DpiFromPxPerCm(xres);
    t.finger_position = bytes[off];
    t.impression_type = bytes[off + 1] & 0xF;
    t.quality = bytes[off + 2];
    const int count = bytes[off + 3];
    if (t.finger_position > kMaxFingerPosition) return Malformed(off, "finger position above 10");
    if (!ValidImpression(t.impression_type)) return Malformed(off + 1, "unknown impression type");
    if (t.quality > 100) return Malformed(off + 2, "finger quality above 100");
    off += kViewHeaderBytes;
    if (!r.Has(off, count * kMinutiaBytes)) return Malformed(off, "truncated minutiae");
    for (int i = 0; i < count; ++i, off += kMinutiaBytes) {
      uint16_t xw = 0, yw = 0;
      (void)r.U16(off, &xw);
      (void)r.U16(off + 2, &yw);
      const int type = xw >> 14;
      if (type == 3) return Malformed(off, "reserved minutia type");
      Minutia m;
      m.type = type == 1 ? MinutiaType::kEnding : type == 2 ? MinutiaType::kBifurcation : MinutiaType::kOther;
      m.x = xw & 0x3FFF;
      m.y = yw & 0x3FFF;
      if (m.x >= width || m.y >= height) return Malformed(off, "minutia outside the image");
      m.direction = static_cast<float>(internal::Wrap2Pi(-bytes[off + 4] * 2 * internal::kPi / 256));
      m.quality = bytes[off + 5];
      if (m.quality > 100) return Malformed(off + 5, "minutia quality above 100");
      t.minutiae.push_back(m);
    }
    uint16_t ext = 0;
    if (!r.U16(off, &ext)) return Malformed(off, "truncated extended data length");
    off += 2;
    if (!r.Has(off, ext)) return Malformed(off, "truncated extended data");
    off += ext;  // extended data (ridge counts, core/delta) is not used
    out.push_back(std::move(t));
  }
  if (off != bytes.size()) return Malformed(off, "trailing bytes after the last view");
  return out;
}

}  // namespace candor::finger
