// Copyright 2026 The Candor Authors.
//
// The bulk-import file of precomputed templates (`candor gallery import`;
// docs/STORE.md "Bulk import"). Little-endian:
//
//   header  "CNDRTPL1" | u32 version (1) | u32 dim | u64 count
//           | u8[32] model SHA-256 | u16 model id length | model id bytes
//           | u32 masked CRC-32C of every header byte before it
//   record  u16 subject id length (1..128) | subject id bytes
//           | f32[dim] template (need not be normalised; the store normalises)
//           | u32 masked CRC-32C of the record's bytes before it
//   (count records, nothing after them)
//
// One subject per record. The file holds biometric templates in plaintext:
// keep it on an encrypted volume and delete it after the import.
//
// Errors (Open/Next): NOT_FOUND (no file), DATA_LOSS naming the file and the
// byte offset (bad magic or version, bad CRC, truncated, bytes after the last
// record), INVALID_ARGUMENT for a record whose values are not finite.
// Thread safety: one reader per thread.

#ifndef CANDOR_GALLERY_TEMPLATE_FILE_H_
#define CANDOR_GALLERY_TEMPLATE_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"
#include "candor/gallery.h"
#include "common/hash.h"

namespace candor::gallery {

struct TemplateFileHeader {
  int dim = 0;
  uint64_t count = 0;
  std::string model_id;
  Sha256Bytes model_sha256{};
};

class TemplateFileReader {
 public:
  ~TemplateFileReader();
  static StatusOr<std::unique_ptr<TemplateFileReader>> Open(const std::string& path);
  const TemplateFileHeader& header() const { return header_; }
  // Reads the next record (false at the end, after checking nothing follows).
  // `record_sha256` (optional): SHA-256 of the record's bytes.
  StatusOr<bool> Next(std::string* subject_id, std::vector<float>* values,
                      Sha256Bytes* record_sha256 = nullptr);
  uint64_t records_read() const { return index_; }
  uint64_t offset() const { return offset_; }
  uint64_t file_bytes() const { return size_; }

 private:
  TemplateFileReader() = default;
  Status Read(void* dst, size_t n, const char* what);
  std::string path_;
  std::FILE* f_ = nullptr;
  TemplateFileHeader header_;
  uint64_t index_ = 0, offset_ = 0, size_ = 0;
  std::vector<uint8_t> rec_;
};

// Writes a template file atomically (temp file, fsync, rename): ids.size()
// records, values row-major (ids.size() * header.dim floats). For tools and
// tests. INVALID_ARGUMENT for a bad id length or a size mismatch.
Status WriteTemplateFile(const std::string& path, const TemplateFileHeader& header,
                         std::span<const std::string> ids, std::span<const float> values);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_TEMPLATE_FILE_H_
