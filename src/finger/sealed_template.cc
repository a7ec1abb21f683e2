// Copyright 2026 The Candor Authors.
//
// Candor's sealed finger template: "CNDF", version (2), reserved (2), ISO
// record length (4), the ISO 19794-2 record, masked CRC-32C of all before it
// (4), all little-endian.

#include <string>
#include <vector>

#include "candor/finger.h"
#include "common/hash.h"
#include "image/byte_reader.h"

namespace candor::finger {

StatusOr<std::vector<uint8_t>> SerializeFingerTemplate(const FingerTemplate& t) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> iso, ExportIso19794_2(std::span<const FingerTemplate>(&t, 1)));
  std::vector<uint8_t> o = {'C', 'N', 'D', 'F'};
  auto put = [&](uint32_t v, int n) {
    for (int i = 0; i < n; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put(kFingerTemplateVersion, 2);
  put(0, 2);
  put(static_cast<uint32_t>(iso.size()), 4);
  o.insert(o.end(), iso.begin(), iso.end());
  put(Crc32cMask(Crc32c(o)), 4);
  return o;
}

StatusOr<FingerTemplate> ParseFingerTemplate(std::span<const uint8_t> bytes) {
  const image_internal::ByteReader r(bytes, /*little_endian=*/true);
  if (bytes.size() < 16) return InvalidArgumentError("finger template: " + std::to_string(bytes.size()) + " bytes is too short");
  if (!(bytes[0] == 'C' && bytes[1] == 'N' && bytes[2] == 'D' && bytes[3] == 'F')) {
    return InvalidArgumentError("finger template: not a Candor finger template (no \"CNDF\" magic)");
  }
  uint16_t version = 0, reserved = 0;
  uint32_t len = 0, crc = 0;
  (void)r.U16(4, &version);
  (void)r.U16(6, &reserved);
  (void)r.U32(8, &len);
  if (version != kFingerTemplateVersion) {
    return InvalidArgumentError("finger template: unsupported version " + std::to_string(version));
  }
  if (reserved != 0) return InvalidArgumentError("finger template: reserved field is not zero");
  if (static_cast<uint64_t>(len) + 16 != bytes.size()) {
    return InvalidArgumentError("finger template: length field " + std::to_string(len) + " does not match " +
                                std::to_string(bytes.size()) + " bytes (truncated or trailing data)");
  }
  (void)r.U32(12 + len, &crc);
  if (Crc32cUnmask(crc) != Crc32c(bytes.subspan(0, 12 + len))) {
    return DataLossError("finger template: checksum mismatch (corrupted)");
  }
  auto views = ImportIso19794_2(bytes.subspan(12, len));
  if (!views.ok()) return views.status().WithContext("finger template");
  if (views->size() != 1) return InvalidArgumentError("finger template: holds more than one finger view");
  return std::move((*views)[0]);
}

}  // namespace candor::finger
