// Copyright 2026 The Candor Authors.
//
// IEEE 754 binary16 <-> float conversion (round to nearest even, with
// subnormals, infinities and NaN). Pure functions; thread-safe.

#ifndef CANDOR_TEMPLATE_HALF_H_
#define CANDOR_TEMPLATE_HALF_H_

#include <cstdint>

namespace candor {

uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);

}  // namespace candor

#endif  // CANDOR_TEMPLATE_HALF_H_
