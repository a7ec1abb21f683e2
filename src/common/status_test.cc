// Copyright 2026 The Candor Authors.
#include "candor/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace candor {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  CANDOR_ASSIGN_OR_RETURN(int h, Half(x));
  CANDOR_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(HttpStatus(s.code()), 200);
  EXPECT_EQ(ExitCode(s.code()), 0);
}

TEST(StatusTest, CodesMapToHttpAndExit) {
  EXPECT_EQ(HttpStatus(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(Code::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatus(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatus(Code::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatus(Code::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatus(Code::kDataLoss), 500);
  EXPECT_EQ(ExitCode(Code::kNotFound), 3);
  EXPECT_EQ(ExitCode(Code::kDataLoss), 6);
  EXPECT_NE(ExitCode(Code::kInternal), 0);
}

TEST(StatusTest, MessageAndContext) {
  Status s = NotFoundError("no gallery 'x'");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_FOUND: no gallery 'x'");
  EXPECT_EQ(s.WithContext("identify").message(), "identify: no gallery 'x'");
  EXPECT_TRUE(OkStatus().WithContext("x").ok());
}

TEST(StatusOrTest, ValueAndErrorPropagate) {
  auto q = Quarter(8);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "odd: 3");
}

TEST(StatusOrTest, OkStatusWithoutValueIsInternal) {
  StatusOr<int> s(OkStatus());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInternal);
}

TEST(StatusOrTest, MoveOnlyValue) {
  StatusOr<std::unique_ptr<int>> p(std::make_unique<int>(5));
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> v = std::move(p).value();
  EXPECT_EQ(*v, 5);
}

}  // namespace
}  // namespace candor
