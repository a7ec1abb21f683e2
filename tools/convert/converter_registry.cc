// Copyright 2026 The Candor Authors.

#include "converter_registry.h"

#include <algorithm>

namespace candor::convert {
namespace {

std::vector<Converter>& Registry() {
  static auto* registry = new std::vector<Converter>();
  return *registry;
}

}  // namespace

bool RegisterConverter(Converter converter) {
  Registry().push_back(std::move(converter));
  return true;
}

std::vector<Converter> RegisteredConverters() {
  std::vector<Converter> all = Registry();
  std::sort(all.begin(), all.end(),
            [](const Converter& a, const Converter& b) { return a.name < b.name; });
  return all;
}

}  // namespace candor::convert
