// Copyright 2026 The Candor Authors.
//
// CodeBuffer (code_buffer.h): buffers carved from one mapping are zeroed,
// disjoint and keep their bytes through moves, growth (to the heap), shrinking
// and the destruction of their neighbours.

#include "search/code_buffer.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace candor::search {
namespace {

std::vector<CodeBuffer> Carved(const std::vector<size_t>& bytes) {
  std::vector<CodeBuffer> bufs(bytes.size());
  std::vector<CodeBuffer*> ptrs;
  for (auto& b : bufs) ptrs.push_back(&b);
  AllocateListCodes(ptrs, bytes);
  return bufs;
}

void Fill(CodeBuffer& b, uint8_t seed) {
  for (size_t i = 0; i < b.size(); ++i) b.data()[i] = static_cast<uint8_t>(seed + i * 7);
}
bool Holds(const CodeBuffer& b, uint8_t seed, size_t n) {
  if (b.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (b.data()[i] != static_cast<uint8_t>(seed + i * 7)) return false;
  }
  return true;
}

TEST(CodeBufferTest, CarvedBuffersAreZeroedDisjointAndKeepTheirBytes) {
  const std::vector<size_t> sizes = {200000, 0, 4096, 81920, 1, 300000};
  auto bufs = Carved(sizes);
  for (size_t i = 0; i < bufs.size(); ++i) {
    ASSERT_EQ(bufs[i].size(), sizes[i]);
    for (size_t j = 0; j < sizes[i]; ++j) ASSERT_EQ(bufs[i].data()[j], 0) << i << " " << j;
  }
  for (size_t i = 0; i < bufs.size(); ++i) Fill(bufs[i], static_cast<uint8_t>(i * 31));
  for (size_t i = 0; i < bufs.size(); ++i)
    EXPECT_TRUE(Holds(bufs[i], static_cast<uint8_t>(i * 31), sizes[i])) << i;
  // Moving a buffer keeps its bytes; the moved-from one is empty and its
  // destruction releases nothing of the new owner's.
  {
    CodeBuffer moved = std::move(bufs[0]);
    EXPECT_EQ(bufs[0].size(), 0u);
    bufs[0] = CodeBuffer();
    EXPECT_TRUE(Holds(moved, 0, sizes[0]));
    bufs[0] = std::move(moved);
  }
  EXPECT_TRUE(Holds(bufs[0], 0, sizes[0]));
  // Destroying neighbours (their pages go back to the kernel) leaves the others intact.
  bufs[2] = CodeBuffer();
  bufs[4] = CodeBuffer();
  EXPECT_TRUE(Holds(bufs[3], 3 * 31, sizes[3]));
  EXPECT_TRUE(Holds(bufs[5], static_cast<uint8_t>(5 * 31), sizes[5]));
  // Growing moves to the heap: old bytes kept, new bytes zero; shrinking and growing back gives
  // zeros.
  bufs[3].resize(sizes[3] + 5000, 0);
  EXPECT_TRUE(Holds(bufs[3], 3 * 31, sizes[3]));
  for (size_t j = sizes[3]; j < sizes[3] + 5000; ++j) ASSERT_EQ(bufs[3].data()[j], 0);
  EXPECT_GE(bufs[3].capacity(), 2 * sizes[3]);
  bufs[5].resize(100);
  bufs[5].resize(200);
  EXPECT_TRUE(Holds(bufs[5], static_cast<uint8_t>(5 * 31), 100));
  for (size_t j = 100; j < 200; ++j) ASSERT_EQ(bufs[5].data()[j], 0);
  // Copies are deep.
  CodeBuffer copy = bufs[0];
  copy.data()[0] ^= 1;
  EXPECT_NE(copy.data()[0], bufs[0].data()[0]);
  // The last carved buffer outlives the rest of its mapping.
  CodeBuffer last = std::move(bufs[0]);
  bufs.clear();
  EXPECT_TRUE(Holds(last, 0, sizes[0]));
  last.assign(10, 3);
  EXPECT_EQ(last.size(), 10u);
  EXPECT_EQ(last.data()[9], 3);
}

}  // namespace
}  // namespace candor::search
