// Copyright 2026 The Candor Authors.

#include "gallery/template_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "gallery/env.h"

namespace candor::gallery {
namespace {

constexpr char kMagic[8] = {'C', 'N', 'D', 'R', 'T', 'P', 'L', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxModelIdBytes = 256;

void Put16(std::vector<uint8_t>& b, uint16_t v) { b.insert(b.end(), {uint8_t(v), uint8_t(v >> 8)}); }
void Put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Put64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint32_t MaskedCrc(std::span<const uint8_t> b) { return Crc32cMask(Crc32c(b)); }

}  // namespace

TemplateFileReader::~TemplateFileReader() {
  if (f_ != nullptr) std::fclose(f_);
}

Status TemplateFileReader::Read(void* dst, size_t n, const char* what) {
  if (n > 0 && std::fread(dst, 1, n, f_) != n) {
    if (std::ferror(f_)) return ErrnoStatus("cannot read", path_, errno);
    return DataLossError("template file " + path_ + " is truncated in " + what + " at offset " +
                         std::to_string(offset_));
  }
  offset_ += n;
  return OkStatus();
}

StatusOr<std::unique_ptr<TemplateFileReader>> TemplateFileReader::Open(const std::string& path) {
  std::unique_ptr<TemplateFileReader> r(new TemplateFileReader());
  r->path_ = path;
  r->f_ = std::fopen(path.c_str(), "rb");
  if (r->f_ == nullptr) {
    if (errno == ENOENT) return NotFoundError("no template file " + path);
    return ErrnoStatus("cannot open", path, errno);
  }
  std::setvbuf(r->f_, nullptr, _IOFBF, 4 << 20);
  struct stat st;
  if (::fstat(::fileno(r->f_), &st) == 0) r->size_ = static_cast<uint64_t>(st.st_size);
  std::vector<uint8_t> h(8 + 4 + 4 + 8 + 32 + 2);
  CANDOR_RETURN_IF_ERROR(r->Read(h.data(), h.size(), "the header"));
  if (std::memcmp(h.data(), kMagic, 8) != 0) {
    return DataLossError("template file " + path + " does not start with CNDRTPL1 (not a template file)");
  }
  if (Get32(h.data() + 8) != kVersion) {
    return DataLossError("template file " + path + " has version " + std::to_string(Get32(h.data() + 8)) +
                         ", this build reads version 1");
  }
  const uint32_t dim = Get32(h.data() + 12);
  uint64_t count = 0;
  for (int i = 7; i >= 0; --i) count = count << 8 | h[16 + i];
  const size_t model_len = size_t{h[56]} | size_t{h[57]} << 8;
  if (dim < 1 || dim > 4096 || model_len > kMaxModelIdBytes) {
    return DataLossError("template file " + path + " has a bad header (dimension " + std::to_string(dim) +
                         ", model id of " + std::to_string(model_len) + " bytes)");
  }
  const size_t fixed = h.size();
  h.resize(fixed + model_len + 4);
  CANDOR_RETURN_IF_ERROR(r->Read(h.data() + fixed, model_len + 4, "the header"));
  if (Get32(h.data() + fixed + model_len) != MaskedCrc(std::span(h.data(), fixed + model_len))) {
    return DataLossError("checksum mismatch (corrupt header) in template file " + path + " at offset 0");
  }
  r->header_.dim = static_cast<int>(dim);
  r->header_.count = count;
  std::memcpy(r->header_.model_sha256.data(), h.data() + 24, 32);
  r->header_.model_id.assign(reinterpret_cast<const char*>(h.data() + fixed), model_len);
  return r;
}

StatusOr<bool> TemplateFileReader::Next(std::string* subject_id, std::vector<float>* values,
                                        Sha256Bytes* record_sha256) {
  const uint64_t at = offset_;
  if (index_ == header_.count) {
    uint8_t extra;
    if (std::fread(&extra, 1, 1, f_) == 1) {
      return DataLossError("template file " + path_ + " has bytes after its last record at offset " +
                           std::to_string(at));
    }
    return false;
  }
  const size_t dim = static_cast<size_t>(header_.dim);
  rec_.resize(2);
  CANDOR_RETURN_IF_ERROR(Read(rec_.data(), 2, "a record"));
  const size_t id_len = size_t{rec_[0]} | size_t{rec_[1]} << 8;
  if (id_len < 1 || id_len > kMaxIdBytes) {
    return DataLossError("template file " + path_ + ": record " + std::to_string(index_) + " at offset " +
                         std::to_string(at) + " has a subject id of " + std::to_string(id_len) + " bytes");
  }
  rec_.resize(2 + id_len + 4 * dim + 4);
  CANDOR_RETURN_IF_ERROR(Read(rec_.data() + 2, rec_.size() - 2, "a record"));
  const size_t body = rec_.size() - 4;
  if (Get32(rec_.data() + body) != MaskedCrc(std::span(rec_.data(), body))) {
    return DataLossError("checksum mismatch (corrupt record) in template file " + path_ + " at offset " +
                         std::to_string(at));
  }
  subject_id->assign(reinterpret_cast<const char*>(rec_.data() + 2), id_len);
  values->resize(dim);
  std::memcpy(values->data(), rec_.data() + 2 + id_len, 4 * dim);  // little-endian host
  for (float v : *values) {
    if (!std::isfinite(v)) {
      return InvalidArgumentError("template file " + path_ + ": record " + std::to_string(index_) +
                                  " (subject '" + *subject_id + "') has a non-finite value");
    }
  }
  if (record_sha256 != nullptr) *record_sha256 = Sha256(std::span<const uint8_t>(rec_.data(), body));
  ++index_;
  return true;
}

Status WriteTemplateFile(const std::string& path, const TemplateFileHeader& header,
                         std::span<const std::string> ids, std::span<const float> values) {
  const size_t dim = static_cast<size_t>(header.dim);
  if (header.dim < 1 || header.dim > 4096 || values.size() != ids.size() * dim ||
      header.model_id.size() > kMaxModelIdBytes) {
    return InvalidArgumentError("WriteTemplateFile: bad dimension, model id or value count");
  }
  std::vector<uint8_t> b(kMagic, kMagic + 8);
  Put32(b, kVersion);
  Put32(b, static_cast<uint32_t>(dim));
  Put64(b, ids.size());
  b.insert(b.end(), header.model_sha256.begin(), header.model_sha256.end());
  Put16(b, static_cast<uint16_t>(header.model_id.size()));
  b.insert(b.end(), header.model_id.begin(), header.model_id.end());
  Put32(b, MaskedCrc(b));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty() || ids[i].size() > kMaxIdBytes) {
      return InvalidArgumentError("WriteTemplateFile: subject id " + std::to_string(i) + " has a bad length");
    }
    const size_t start = b.size();
    Put16(b, static_cast<uint16_t>(ids[i].size()));
    b.insert(b.end(), ids[i].begin(), ids[i].end());
    const auto* v = reinterpret_cast<const uint8_t*>(values.data() + i * dim);
    b.insert(b.end(), v, v + 4 * dim);
    Put32(b, MaskedCrc(std::span(b.data() + start, b.size() - start)));
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  size_t done = 0;
  while (done < b.size()) {
    const ssize_t w = ::write(fd, b.data() + done, b.size() - done);
    if (w < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot write", tmp, err);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return ErrnoStatus("cannot sync", tmp, errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("cannot rename", tmp, errno);
  return OkStatus();
}

}  // namespace candor::gallery
