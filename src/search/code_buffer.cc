// Copyright 2026 The Candor Authors.

#include "search/code_buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace candor::search {

// One anonymous mapping the buffers are carved from.
class CodeArena {
 public:
  explicit CodeArena(size_t bytes) : len_(std::max<size_t>(bytes, 1)) {
    void* p = ::mmap(nullptr, len_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    (void)::madvise(p, len_, MADV_HUGEPAGE);
    base_ = static_cast<uint8_t*>(p);
  }
  ~CodeArena() { ::munmap(base_, len_); }
  CodeArena(const CodeArena&) = delete;
  CodeArena& operator=(const CodeArena&) = delete;

  uint8_t* base() const { return base_; }
  // Gives the whole pages inside [p, p + n) back to the kernel.
  static void Release(uint8_t* p, size_t n) {
    constexpr uintptr_t kPage = 4096;
    const uintptr_t b = (reinterpret_cast<uintptr_t>(p) + kPage - 1) & ~(kPage - 1);
    const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + n) & ~(kPage - 1);
    if (e > b) (void)::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
  }

 private:
  uint8_t* base_ = nullptr;
  size_t len_;
};

CodeBuffer::~CodeBuffer() {
  if (ext_ != nullptr) CodeArena::Release(ext_, ext_size_);
}

CodeBuffer& CodeBuffer::operator=(const CodeBuffer& o) {
  if (this != &o) {
    std::vector<uint8_t> copy(o.data(), o.data() + o.size());
    *this = CodeBuffer();
    own_ = std::move(copy);
  }
  return *this;
}

CodeBuffer& CodeBuffer::operator=(CodeBuffer&& o) noexcept {
  if (this != &o) {
    if (ext_ != nullptr) CodeArena::Release(ext_, ext_size_);
    own_ = std::move(o.own_);
    ext_ = std::exchange(o.ext_, nullptr);
    ext_size_ = std::exchange(o.ext_size_, 0);
    arena_ = std::move(o.arena_);
    o.own_.clear();
  }
  return *this;
}

void CodeBuffer::Detach() {
  if (ext_ == nullptr) return;
  own_.assign(ext_, ext_ + ext_size_);
  CodeArena::Release(ext_, ext_size_);
  ext_ = nullptr;
  ext_size_ = 0;
  arena_.reset();
}

void CodeBuffer::resize(size_t n) {
  if (ext_ != nullptr) {
    if (n <= ext_size_) {
      // Shrinking in place: the cut-off bytes read as zero if it grows back.
      std::memset(ext_ + n, 0, ext_size_ - n);
      ext_size_ = n;
      return;
    }
    own_.reserve(std::max(n, 2 * ext_size_));
    Detach();
  }
  own_.resize(n, 0);
}

void CodeBuffer::assign(size_t n, uint8_t value) {
  *this = CodeBuffer();
  own_.assign(n, value);
}

void AllocateListCodes(std::vector<CodeBuffer*> buffers, const std::vector<size_t>& bytes) {
  size_t total = 0;
  for (size_t b : bytes) total += b;
  auto arena = std::make_shared<CodeArena>(total);
  uint8_t* at = arena->base();
  for (size_t i = 0; i < buffers.size(); ++i) {
    CodeBuffer fresh;
    if (bytes[i] > 0) {
      fresh.ext_ = at;
      fresh.ext_size_ = bytes[i];
      fresh.arena_ = arena;
      at += bytes[i];
    }
    *buffers[i] = std::move(fresh);
  }
}

}  // namespace candor::search
