// Copyright 2026 The Candor Authors.
//
// libFuzzer target: arbitrary bytes -> candor::ParseTemplate; a parsed template
// must serialize back to the identical bytes. See docs/FUZZING.md.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "candor/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = candor::ParseTemplate(std::span<const uint8_t>(data, size));
  if (!t.ok()) return 0;
  auto back = candor::SerializeTemplate(*t);
  if (t->element_type == candor::TemplateElementType::kInt8) return 0;  // scale is recomputed
  if (!back.ok() || back->size() != size || !std::equal(back->begin(), back->end(), data)) {
    std::fprintf(stderr, "template did not round-trip\n");
    std::abort();
  }
  auto c = candor::CompareTemplates(*t, *t);
  (void)c;
  return 0;
}
