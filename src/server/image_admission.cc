// Copyright 2026 The Candor Authors.
//
// The image field of a request: decoded from base64 and checked against the
// size limits and the caller's image budget before any pixel is decoded or
// any search begun.

#include <algorithm>
#include <cmath>

#include "candor/image.h"
#include "candor/pipeline.h"
#include "server/rate_limiter.h"
#include "server/service_internal.h"

namespace candor::server {

int ImageHttpStatus(const Status& s) { return s.code() == Code::kResourceExhausted ? 413 : 0; }

std::optional<std::string> AdmitImage(Ctx& c, const json& body, const char* action,
                                      ApiResponse* refused) {
  auto image = DecodeBase64(body["image"].get<std::string>());
  if (!image.ok()) {
    *refused = Refuse(c, action, image.status());
    return std::nullopt;
  }
  if (image->empty()) {
    *refused = Refuse(c, action, InvalidArgumentError("field 'image' is empty"));
    return std::nullopt;
  }
  const ServerOptions& o = ServiceRoutes::Options(c);
  if (image->size() > o.max_image_bytes) {
    *refused = Refuse(c, action,
                      ResourceExhaustedError("image of " + std::to_string(image->size()) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(o.max_image_bytes)),
                      413);
    return std::nullopt;
  }
  // The header's dimensions against the decoder's limits and the service's
  // own (lower) pixel limit: a decompression bomb, or a small file declaring
  // a huge image, is refused here. Other header problems are left to the
  // decoder, reported where they were before.
  const Pipeline* pipe = ServiceRoutes::Pipe(c);
  DecodeLimits limits = pipe != nullptr ? pipe->options().decode : DecodeLimits{};
  auto info = ProbeImage(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image->data()), image->size()),
      limits);
  if (!info.ok() && info.status().code() == Code::kResourceExhausted) {
    *refused = Refuse(c, action, info.status(), 413);
    return std::nullopt;
  }
  uint64_t pixels = 0;
  if (info.ok()) {
    pixels = uint64_t(info->width) * uint64_t(info->height);
    if (o.max_image_pixels > 0 && pixels > o.max_image_pixels) {
      *refused = Refuse(c, action,
                        ResourceExhaustedError(
                            "image " + std::to_string(info->width) + "x" +
                            std::to_string(info->height) + " = " + std::to_string(pixels) +
                            " pixels exceeds this service's limit of " +
                            std::to_string(o.max_image_pixels) +
                            " pixels per image; send it downscaled (a face needs far fewer)"),
                        413);
      return std::nullopt;
    }
  }
  // Its cost: one unit per started megapixel, at least one.
  const double cost = std::max(1.0, std::ceil(static_cast<double>(pixels) / 1e6));
  const std::string who = c.who ? c.who->username : "addr:" + c.req.remote_addr;
  if (int64_t wait = ServiceRoutes::ImageBudget(c).Take("acct:" + who, c.svc.Now(), cost);
      wait > 0) {
    const int64_t secs = std::max<int64_t>(1, (wait + 999) / 1000);
    *refused = Refuse(c, action,
                      ResourceExhaustedError(
                          "image processing budget of " +
                          std::to_string(o.image_megapixels_per_minute) +
                          " megapixels per minute for this account used up (this image costs " +
                          std::to_string(static_cast<int64_t>(cost)) + "); retry in " +
                          std::to_string(secs) + " s"),
                      429);
    refused->headers.emplace_back("Retry-After", std::to_string(secs));
    return std::nullopt;
  }
  return std::move(image).value();
}

}  // namespace candor::server
