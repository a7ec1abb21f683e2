// Copyright 2026 The Candor Authors.
//
// CodeBuffer: the bytes of one partition's 4-bit codes (ivf_pq_index.h), and
// AllocateListCodes, which gives every partition its buffer at once when an
// index is loaded (from its records or its snapshot).
//
// Why: at 10^8 templates the 16,384 partitions' code buffers are ~200 KB each,
// so malloc maps each one on its own, in 4 KiB pages; materialising 3.2 GB of
// fresh memory page by page dominated the load on this VM (one fault per page:
// docs/BENCHMARKS.md, "Reopen from the snapshot"). AllocateListCodes carves all
// of them from one anonymous mapping advised MADV_HUGEPAGE (2 MiB pages where
// the kernel's transparent huge pages allow; advice only, never contents),
// already zero, so nothing is zero-filled twice.
//
// A buffer behaves as a std::vector<uint8_t> for what the index needs: data,
// size, capacity, resize (new bytes zero), assign. Growing past a carved
// buffer's size moves it to the heap (doubling, as a vector) and returns the
// carved pages to the kernel (MADV_DONTNEED); the mapping is unmapped when the
// last buffer carved from it is gone.
//
// Thread safety: as std::vector (no internal locking).

#ifndef CANDOR_SEARCH_CODE_BUFFER_H_
#define CANDOR_SEARCH_CODE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace candor::search {

class CodeArena;

class CodeBuffer {
 public:
  CodeBuffer() = default;
  CodeBuffer(const CodeBuffer& o) : own_(o.data(), o.data() + o.size()) {}
  CodeBuffer& operator=(const CodeBuffer& o);
  CodeBuffer(CodeBuffer&& o) noexcept { *this = std::move(o); }
  CodeBuffer& operator=(CodeBuffer&& o) noexcept;
  ~CodeBuffer();

  uint8_t* data() { return ext_ != nullptr ? ext_ : own_.data(); }
  const uint8_t* data() const { return ext_ != nullptr ? ext_ : own_.data(); }
  size_t size() const { return ext_ != nullptr ? ext_size_ : own_.size(); }
  size_t capacity() const { return ext_ != nullptr ? ext_size_ : own_.capacity(); }
  // New bytes are zero.
  void resize(size_t n);
  void resize(size_t n, uint8_t zero) { (void)zero, resize(n); }
  void assign(size_t n, uint8_t value);

  // Gives lists[i] a zeroed buffer of bytes[i] bytes, all carved from one
  // mapping (see above). Throws std::bad_alloc if it cannot be mapped.
  friend void AllocateListCodes(std::vector<CodeBuffer*> buffers, const std::vector<size_t>& bytes);

 private:
  void Detach();  // moves a carved buffer's bytes to the heap
  std::vector<uint8_t> own_;
  uint8_t* ext_ = nullptr;  // carved from arena_, or null
  size_t ext_size_ = 0;
  std::shared_ptr<CodeArena> arena_;
};

void AllocateListCodes(std::vector<CodeBuffer*> buffers, const std::vector<size_t>& bytes);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_CODE_BUFFER_H_
