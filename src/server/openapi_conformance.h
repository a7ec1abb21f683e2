// Copyright 2026 The Candor Authors.
//
// Test support: checks HTTP responses against docs/openapi.yaml (JSON syntax,
// so nlohmann::json reads it). Supports the schema subset the spec uses:
// $ref, type, required, properties, additionalProperties:false, items, enum,
// format date-time. Not thread-safe; test use only.

#ifndef CANDOR_SERVER_OPENAPI_CONFORMANCE_H_
#define CANDOR_SERVER_OPENAPI_CONFORMANCE_H_

#include <nlohmann/json.hpp>
#include <string>

namespace candor::server {

class OpenApiSpec {
 public:
  // Loads <source dir>/docs/openapi.yaml; throws on failure (tests only).
  static OpenApiSpec Load();
  // "" when the response conforms, else what is wrong. `path` is the concrete
  // request path (no query string). A request that matches no operation
  // conforms only as the spec's x-unrouted-responses say: 404 for a path the
  // spec does not have, 405 for a method the path does not take.
  std::string Check(const std::string& method, const std::string& path, int status,
                    const std::string& content_type, const std::string& body) const;
  // The spec's path template for a concrete path, or "".
  std::string Template(const std::string& path) const;
  const nlohmann::json& doc() const { return doc_; }

 private:
  std::string Validate(const nlohmann::json& value, const nlohmann::json& schema,
                       const std::string& where) const;
  nlohmann::json doc_;
};

}  // namespace candor::server

#endif  // CANDOR_SERVER_OPENAPI_CONFORMANCE_H_
